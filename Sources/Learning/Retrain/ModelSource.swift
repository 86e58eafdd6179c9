import Foundation

/// A model file a retrain starts from or compares with, and the version it stands for
/// (0: the platform's default model).
package struct ModelSource: Sendable, Equatable {
    package var version: Int
    package var url: URL

    package init(version: Int, url: URL) {
        self.version = version
        self.url = url
    }
}

import Foundation
import Glibc

/// A folder under /tmp removed when the benchmark ends.
package struct ScratchFolder {
    package let path: String

    package init() throws {
        var template = Array("/tmp/narformer-bench-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw BenchDaemonError("cannot create a folder under /tmp") }
        path = String(cString: made)
    }

    package func remove() { try? FileManager.default.removeItem(atPath: path) }
}

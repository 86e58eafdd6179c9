import Foundation
import Glibc

/// A folder under /tmp removed when the benchmark ends.
struct ScratchFolder {
    let path: String

    init() throws {
        var template = Array("/tmp/narformer-bench-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw BenchDaemonError("cannot create a folder under /tmp") }
        path = String(cString: made)
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

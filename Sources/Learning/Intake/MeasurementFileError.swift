/// Why a measurement drop cannot be read: the file, the line and the field, in words a lab
/// technician can act on.
package struct MeasurementFileError: Error, Sendable, Equatable, CustomStringConvertible {
    package var file: String
    /// 1-based; nil when the problem is the file as a whole.
    package var line: Int?
    /// The key path of the field, e.g. `measurements[2].latency_ms`; nil for the whole file.
    package var field: String?
    package var problem: String

    package init(file: String, line: Int? = nil, field: String? = nil, problem: String) {
        self.file = file
        self.line = line
        self.field = field
        self.problem = problem
    }

    package var description: String {
        var text = file
        if let line { text += ":\(line)" }
        if let field { text += ": \(field)" }
        return text + ": " + problem
    }
}

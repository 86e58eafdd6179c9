/// Why a measurement drop cannot be read: the file, the line and the field, in words a lab
/// technician can act on.
struct MeasurementFileError: Error, Sendable, Equatable, CustomStringConvertible {
    var file: String
    /// 1-based; nil when the problem is the file as a whole.
    var line: Int?
    /// The key path of the field, e.g. `measurements[2].latency_ms`; nil for the whole file.
    var field: String?
    var problem: String

    var description: String {
        var text = file
        if let line { text += ":\(line)" }
        if let field { text += ": \(field)" }
        return text + ": " + problem
    }
}

/// Why `narformer bench daemon` could not finish, in plain words.
struct BenchDaemonError: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) { self.description = description }
}

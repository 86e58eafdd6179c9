/// Why `narformer bench daemon` could not finish, in plain words.
package struct BenchDaemonError: Error, CustomStringConvertible {
    package var description: String

    package init(_ description: String) { self.description = description }
}

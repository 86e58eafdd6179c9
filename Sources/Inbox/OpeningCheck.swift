/// A look at the first bytes of a drop before the rest is read: a 1 GiB file of zeros
/// dropped as a network is refused after 64 KiB, not after reading (and holding) all of it.
/// The processor supplies it per kind of drop (`DropProcessor.openingCheck(for:)`),
/// since only it knows what a file of that kind must look like.
package struct OpeningCheck: Sendable {
    /// How many bytes from the start `problem` is shown (fewer when the file is shorter).
    package var bytes: Int
    /// Why the file cannot be what its kind says, or nil when nothing is wrong so far; gets
    /// the opening and the file's size.
    package var problem: @Sendable (UnsafeRawBufferPointer, Int64) -> String?

    package init(bytes: Int, problem: @escaping @Sendable (UnsafeRawBufferPointer, Int64) -> String?) {
        self.bytes = bytes
        self.problem = problem
    }
}

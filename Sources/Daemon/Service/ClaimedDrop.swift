import Foundation

/// A drop the pipeline has claimed (renamed into `<inbox>/.work/`), checked (a regular file
/// within the size limit, not a link) and read through the descriptor it fstat'ed.
/// The processor gets the bytes; it never has to touch the inbox itself.
struct ClaimedDrop: Sendable {
    /// The inbox it was dropped into.
    var inbox: InboxDescriptor
    /// The name as dropped (raw bytes; `originalName.description` is printable).
    var originalName: DropName
    /// Where it lies now, inside `.work/`.
    var claimedPath: String
    /// Lower-case extension of the original name ("onnx", "json", "yaml", ...).
    var kind: String
    /// The whole file, read once.
    var contents: Data
    /// dev/inode/size/mtime of what was read.
    var identity: FileIdentity
    /// When it was first claimed (after a restart: when it was renamed into `.work/`).
    var claimedAt: Date
    /// How many times the processor has already answered `.retryLater` for it.
    var retries: Int
}

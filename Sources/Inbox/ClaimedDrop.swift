import Foundation

/// A drop the pipeline has claimed (renamed into `<inbox>/.work/`), checked (a regular file
/// within the size limit, not a link) and read through the descriptor it fstat'ed.
/// The processor gets the bytes; it never has to touch the inbox itself.
package struct ClaimedDrop: Sendable {
    /// The inbox it was dropped into.
    package var inbox: InboxDescriptor
    /// The name as dropped (raw bytes; `originalName.description` is printable).
    package var originalName: DropName
    /// Where it lies now, inside `.work/`.
    package var claimedPath: String
    /// Lower-case extension of the original name ("onnx", "json", "yaml", ...).
    package var kind: String
    /// The whole file, read once.
    package var contents: Data
    /// dev/inode/size/mtime of what was read.
    package var identity: FileIdentity
    /// When it was first claimed (after a restart: when it was renamed into `.work/`).
    package var claimedAt: Date
    /// How many times the processor has already answered `.retryLater` for it.
    package var retries: Int
    /// The inbox's folders as the pipeline holds them open, for a processor that must
    /// read other files of the inbox (a measurement's network) through the same checked
    /// descriptors. nil for a drop made up outside the pipeline.
    package var folders: InboxFolders?
    /// Beaten by the processor at each phase of its work on this drop (an import's
    /// phases), so that the pipeline can tell a long drop from a stuck one. nil for a drop
    /// made up outside the pipeline.
    package var progress: DropProgress?

    package init(inbox: InboxDescriptor, originalName: DropName, claimedPath: String, kind: String, contents: Data,
                 identity: FileIdentity, claimedAt: Date, retries: Int, folders: InboxFolders? = nil,
                 progress: DropProgress? = nil) {
        self.inbox = inbox
        self.originalName = originalName
        self.claimedPath = claimedPath
        self.kind = kind
        self.contents = contents
        self.identity = identity
        self.claimedAt = claimedAt
        self.retries = retries
        self.folders = folders
        self.progress = progress
    }
}

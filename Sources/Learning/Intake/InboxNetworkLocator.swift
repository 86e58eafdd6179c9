import Engine
import Foundation
import Glibc
import Inbox

/// Finds and reads the network file a measurement names, inside the measurement's own
/// inbox only, through the drop protocol's safe open (`SafeFile`): the bytes returned are
/// those of the file that was checked, so nothing swapped in afterwards (a symbolic link,
/// a fifo) is ever read.
///
/// A name is a plain file name that the drop protocol would take as a drop: anything with
/// `/` could reach another inbox or the rest of the disk, and a hidden, `.tmp` or `.part`
/// name is one the protocol ignores, so both are refused before the file system is asked.
/// A file that is a symbolic link, a fifo or any other special file, a hard link, or
/// larger than the inbox accepts is refused, wherever it lies.
package struct InboxNetworkLocator: Sendable {
    /// A network file as read.
    package struct NetworkFile: Sendable, Equatable {
        /// The name it is stored under (`net-1.onnx` for the second `net.onnx` in `done/`).
        package var storedName: String
        /// Where it lies, for messages: `done/net-1.onnx`, `net.onnx`, `.work/net.onnx`.
        package var location: String
        package var contents: Data

        /// ONNX or graph JSON, by extension; otherwise by the first byte that is not space.
        package var format: NetworkImporter.Format {
            NetworkImporter.Format(fileName: storedName, contents: contents)
        }
    }

    package enum Lookup: Sendable, Equatable {
        case found(NetworkFile)
        /// Not in the inbox (yet), or not readable at the moment (`reason` says why): the
        /// measurement waits for it.
        case notYet(reason: String?)
        /// The name or the file must not be used; the reason says why.
        case refused(String)
    }

    /// The inbox's folders (the pipeline's own descriptors when it handed the drop over).
    package var folders: InboxFolders
    /// The largest network file read (the drop limit).
    package var maxBytes: Int64

    package init(folders: InboxFolders, maxBytes: Int64 = DropPipeline.Settings().maxDropBytes) {
        self.folders = folders
        self.maxBytes = maxBytes
    }

    /// Looks in `done/` (already processed; the file stored last under that name), the
    /// inbox itself (waiting) and `.work/` (being processed in this same round), in that
    /// order.
    package func locate(_ name: String) -> Lookup {
        if name.isEmpty || name == "." || name == ".." || name.contains("/") || name.contains("\0") {
            return .refused("'\(name)' is not a plain file name; name a file in this inbox without '/' or '..'")
        }
        let dropName = DropName(name)
        guard dropName.isCandidate else {
            return .refused("'\(name)' is a name narformer ignores in an inbox (hidden, ending in .tmp or .part, or one of its own folders); name the network file as it was dropped")
        }
        if let done = folders.existingFolder(.done), let stored = newestStored(dropName, in: done) {
            return read(stored, in: done, location: "done/", requested: name)
        }
        guard let root = try? folders.root() else { return .notYet(reason: nil) }
        let waiting = read(dropName, in: root, location: "", requested: name)
        if waiting != .notYet(reason: nil) { return waiting }
        if let work = folders.existingFolder(.work) { return read(dropName, in: work, location: ".work/", requested: name) }
        return .notYet(reason: nil)
    }

    /// `done/` never overwrites: a second `net.onnx` is stored as `net-1.onnx`, the next as
    /// `net-2.onnx`, each in the first free slot (a slot is taken by the file or by its
    /// note). Of the files stored under `name`, the one filed last (latest inode change:
    /// the rename into `done/`), the higher number on a tie. Slots are probed until 16 in a
    /// row are free, so a few removed by hand do not hide later ones.
    private func newestStored(_ name: DropName, in done: DirectoryHandle) -> DropName? {
        let base = name.storedName(maxBytes: DropClaimer.maxStoredNameBytes)
        var newest: (name: DropName, seconds: Int, nanoseconds: Int)?
        var freeInARow = 0
        var slot = -1
        while freeInARow < 16 && slot < 100_000 {
            slot += 1
            let stored = slot == 0 ? base : base.numbered(slot)
            guard let status = done.status(of: stored).status else {
                freeInARow = done.status(of: stored.appending(".result.json")).status == nil ? freeInARow + 1 : 0
                continue
            }
            freeInARow = 0
            let changed = (Int(status.st_ctim.tv_sec), Int(status.st_ctim.tv_nsec))
            if let current = newest, (current.seconds, current.nanoseconds) > changed { continue }
            newest = (stored, changed.0, changed.1)
        }
        return newest?.name
    }

    private func read(_ name: DropName, in folder: DirectoryHandle, location: String, requested: String) -> Lookup {
        let shown = location + name.description
        switch SafeFile.read(name, in: folder, maxBytes: maxBytes) {
        case .missing:
            return .notYet(reason: nil)
        case .read(let contents):
            return .found(NetworkFile(storedName: name.description, location: shown, contents: contents.data))
        case .refused(let refusal):
            return .refused("the network '\(requested)' (\(shown)) cannot be used: \(refusal.reason)")
        case .unavailable(let reason):
            return .notYet(reason: "'\(requested)' (\(shown)) cannot be read now: \(reason)")
        }
    }
}

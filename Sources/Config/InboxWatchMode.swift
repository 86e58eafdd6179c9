/// How the daemon notices files dropped into an inbox.
public enum InboxWatchMode: String, Sendable, Equatable, Hashable, CaseIterable, Encodable {
    /// The kernel reports each file as it arrives (inotify); the inbox is also scanned
    /// every `rescan_interval`. For local file systems.
    case inotify
    /// The inbox is scanned every `poll_interval`. For network file systems (NFS, SMB),
    /// where inotify does not see what other machines write.
    case poll
}

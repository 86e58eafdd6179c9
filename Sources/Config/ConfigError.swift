import Foundation

/// Thrown when a config file cannot be used. It carries every problem found, not just the
/// first, so one `narformer config check` run shows everything to fix.
public struct ConfigError: Error, Sendable, CustomStringConvertible, LocalizedError {
    /// Every problem found, in file order; the loader never throws with none.
    public let issues: [ConfigIssue]

    public init(issues: [ConfigIssue]) {
        self.issues = issues
    }

    /// One issue per line.
    public var description: String {
        issues.map(\.description).joined(separator: "\n")
    }

    public var errorDescription: String? { description }
}

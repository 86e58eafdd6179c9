/// A key of the store's meta table, which holds small named values beside the records.
/// Every key narformer writes is made here, so readers and writers cannot disagree on a
/// spelling.
public struct MetaKey: Sendable, Hashable, CustomStringConvertible {
    public let name: String

    public init(_ name: String) {
        self.name = name
    }

    public var description: String { name }

    /// When `platform` was last retrained and judged (ISO 8601, UTC); measurements stored
    /// after it count towards the next scheduled retrain.
    public static func lastRetrain(platform: String) -> MetaKey { MetaKey("retrain.\(platform).last") }

    /// The one-line outcome of `platform`'s last retrain (promoted, rejected, skipped, failed).
    public static func retrainOutcome(platform: String) -> MetaKey { MetaKey("retrain.\(platform).outcome") }
}

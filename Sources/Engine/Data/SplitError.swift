import Foundation

/// A split or batching request that cannot be met (too few samples, a bad fraction).
public struct SplitError: Error, Sendable, Equatable, CustomStringConvertible, LocalizedError {
    public var description: String
    public var errorDescription: String? { description }
}

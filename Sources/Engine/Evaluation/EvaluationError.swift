import Foundation

/// Predictions that cannot be scored or fitted, in plain words.
public struct EvaluationError: Error, Sendable, Equatable, CustomStringConvertible, LocalizedError {
    public var description: String
    public init(_ description: String) { self.description = description }
    public var errorDescription: String? { description }
}

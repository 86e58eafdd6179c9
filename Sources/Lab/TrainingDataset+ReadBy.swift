import Engine
import Foundation

extension TrainingDataset {
    /// `list`'s networks in the token encoding the checkpoint at `model` reads (through the
    /// token cache of that encoding), so a model is only ever scored on its own tokens.
    package static func latency(_ list: LatencyList, readBy model: URL, storedEncoding stored: String) throws -> TrainingDataset {
        guard let encoding = TokenEncoding(storedName: stored) else {
            throw LatencyLearningCurve.Failure(description: "\(model.path) reads tokens '\(stored)', which no whole-network encoding makes")
        }
        return try latency(list, cache: TokenCache(encoding: encoding.storedName), encoding: encoding)
    }
}

import Foundation

/// The training losses the paper trains with, each returning its value and adding its
/// gradient with respect to the predictions into `gradient` (scaled by `weight`).
enum Losses {
    /// mean((p / y - 1)^2) over the first `targets.count` predictions.
    static func relativeSquared(predictions p: [Float], targets y: [Float], weight: Float,
                                gradient: inout [Float]) -> Float {
        let count = Float(y.count)
        var loss: Float = 0
        for i in 0..<y.count {
            let r = p[i] / y[i] - 1
            loss += r * r
            gradient[i] += weight * 2 * r / (y[i] * count)
        }
        return loss / count
    }

    /// mean((ln p - ln y)^2): the squared error of log-latency, symmetric in over- and
    /// under-prediction (for readouts whose output is the target itself, not a transform).
    static func logSquared(predictions p: [Float], targets y: [Float], weight: Float,
                           gradient: inout [Float]) -> Float {
        let count = Float(y.count)
        var loss: Float = 0
        for i in 0..<y.count {
            let pi = max(p[i], Float.leastNormalMagnitude)
            let r = Foundation.log(pi) - Foundation.log(y[i])
            loss += r * r
            gradient[i] += weight * 2 * r / (pi * count)
        }
        return loss / count
    }

    /// SR loss: mean |(p_i - p_j) - (y_i - y_j)| over pairs (i, pairing[i]).
    static func pairwiseRank(predictions p: [Float], targets y: [Float], pairing: [Int], weight: Float,
                             gradient: inout [Float]) -> Float {
        let count = Float(y.count)
        var loss: Float = 0
        for i in 0..<y.count {
            let j = pairing[i]
            let r = (p[i] - p[j]) - (y[i] - y[j])
            loss += abs(r)
            let sign: Float = r > 0 ? 1 : (r < 0 ? -1 : 0)
            gradient[i] += weight * sign / count
            gradient[j] -= weight * sign / count
        }
        return loss / count
    }

    /// AC loss: mean |p_i - p_{offset + i}|, the prediction of a graph against the one of
    /// its isomorphic re-ordering placed `offset` graphs later in the same batch.
    static func augmentationConsistency(predictions p: [Float], count: Int, offset: Int, weight: Float,
                                        gradient: inout [Float]) -> Float {
        let n = Float(count)
        var loss: Float = 0
        for i in 0..<count {
            let r = p[i] - p[offset + i]
            loss += abs(r)
            let sign: Float = r > 0 ? 1 : (r < 0 ? -1 : 0)
            gradient[i] += weight * sign / n
            gradient[offset + i] -= weight * sign / n
        }
        return loss / n
    }
}

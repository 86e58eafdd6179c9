import Foundation
import Inbox

/// What `narformer bench learning-curve --json` prints: the settings and every curve.
package struct LearningCurveReport: Encodable {
    package var dropSize: Int
    package var epochs: Int
    package var learningRate: Double
    package var batchSize: Int
    package var holdoutShare: Double
    package var seed: UInt64
    package var curves: [LatencyLearningCurve.Curve]

    package init(settings: LatencyLearningCurve.Settings, curves: [LatencyLearningCurve.Curve]) {
        dropSize = settings.dropSize
        epochs = settings.epochs
        learningRate = settings.learningRate
        batchSize = settings.batchSize
        holdoutShare = settings.holdoutShare
        seed = settings.seed
        self.curves = curves
    }

    /// Pretty, sorted JSON. A score that does not exist (Spearman's rho of a set whose
    /// measurements are all tied, a MAPE of nothing) is written as the string "NaN": JSON
    /// has no number for it.
    package func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity",
                                                                      negativeInfinity: "-Infinity", nan: "NaN")
        return try encoder.encode(self)
    }
}

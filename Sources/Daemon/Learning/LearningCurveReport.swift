import Foundation

/// What `narformer bench learning-curve --json` prints: the settings and every curve.
struct LearningCurveReport: Encodable {
    var dropSize: Int
    var epochs: Int
    var learningRate: Double
    var batchSize: Int
    var holdoutShare: Double
    var seed: UInt64
    var curves: [LatencyLearningCurve.Curve]

    init(settings: LatencyLearningCurve.Settings, curves: [LatencyLearningCurve.Curve]) {
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
    func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity",
                                                                      negativeInfinity: "-Infinity", nan: "NaN")
        return try encoder.encode(self)
    }
}

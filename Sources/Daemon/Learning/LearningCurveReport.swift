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
}

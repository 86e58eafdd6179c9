/// Where this project's training departs from the authors' released code, one switch per
/// departure: `narformer train --recipe narformer` (this project's choices, the default)
/// or `--recipe authors` (the authors'), each switch also settable on its own.
///
/// Not switchable here: the authors train on NAS-Bench-201's validation accuracy, a column
/// the committed NB201 tables do not carry (they hold test accuracies only); both recipes
/// train on the column `--target` names.
public struct RecipeSwitches: Sendable, Hashable {
    /// NB201 cell tokens (`trans`: this project's; `nerf`: the authors').
    public var cellEncoding: CellEncoding
    /// Dropout also inside the feed-forward and in the static branch
    /// (`ModelConfig.feedForwardAndStaticDropout`).
    public var feedForwardAndStaticDropout: Bool
    /// Main and SR losses over originals + isomorphic copies (`TrainingRecipe.lossesOverCopies`).
    public var lossesOverCopies: Bool
    /// Graph-layer biases initialised as torch_geometric does
    /// (`NARFormerModel.initialiseGraphLayerBiasesAsTorchGeometric`).
    public var torchGeometricGraphBiases: Bool
    /// The target transform; nil: the kind's default (this project's: log for latency,
    /// quantile for accuracy).
    public var targetTransform: TargetTransform?
    /// What accuracy targets are divided by under the `ratio` transform; nil: the training
    /// targets' median (this project). The authors' code reads NAS-Bench-201 accuracies as
    /// fractions (percent / 100), and the scale is not a detail: the head ends in
    /// -logsigmoid with a bias drawn from U(+-1), so the scale decides where the untrained
    /// model's output sits relative to the targets.
    public var accuracyRatioScale: Double?

    public init(cellEncoding: CellEncoding, feedForwardAndStaticDropout: Bool, lossesOverCopies: Bool,
                torchGeometricGraphBiases: Bool, targetTransform: TargetTransform?, accuracyRatioScale: Double? = nil) {
        self.cellEncoding = cellEncoding
        self.feedForwardAndStaticDropout = feedForwardAndStaticDropout
        self.lossesOverCopies = lossesOverCopies
        self.torchGeometricGraphBiases = torchGeometricGraphBiases
        self.targetTransform = targetTransform
        self.accuracyRatioScale = accuracyRatioScale
    }

    /// The fixed scale a fresh model of `kind` under `transform` divides its targets by;
    /// nil: the training median. Only accuracy models under `ratio` take the recipe's scale
    /// (the other transforms place the targets themselves).
    public func ratioScale(kind: ModelConfig.Kind, transform: TargetTransform) -> Double? {
        kind == .accuracy && transform == .ratio ? accuracyRatioScale : nil
    }

    /// This project's training, unchanged.
    public static let narformer = RecipeSwitches(cellEncoding: .trans, feedForwardAndStaticDropout: false,
                                                 lossesOverCopies: false, torchGeometricGraphBiases: false,
                                                 targetTransform: nil)

    /// The authors' released training code: `nerf` cell tokens, their extra dropouts, losses
    /// over 2B, torch_geometric's graph-layer biases, and their relative loss on the raw
    /// value (`ratio`), accuracies as fractions (this data's percentages / 100).
    public static let authors = RecipeSwitches(cellEncoding: .nerf, feedForwardAndStaticDropout: true,
                                               lossesOverCopies: true, torchGeometricGraphBiases: true,
                                               targetTransform: .ratio, accuracyRatioScale: 100)

    /// The recipes by the name `--recipe` takes.
    public static let named: [String: RecipeSwitches] = ["narformer": .narformer, "authors": .authors]
}

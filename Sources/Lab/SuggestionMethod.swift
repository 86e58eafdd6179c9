/// How a lab run plans the order its networks are measured in (`SuggestedMeasurementOrder`).
package enum SuggestionMethod: String, Sendable, CaseIterable {
    /// The picks that most reduce the novelty-weighted uncertainty of the unmeasured
    /// networks' predictions under a new machine's rate correction (`RateDesignPlanner`);
    /// coverage when no candidate has a cost mix.
    case rateDesignByNovelty = "rate-design-novelty"
    /// The same, every unmeasured network counting alike.
    case rateDesign = "rate-design"
    /// Novelty-weighted coverage of sizes and op mixes (`SuggestionPlanner`): what
    /// `narformer suggest` does.
    case coverage

    /// What `narformer suggest` does, and so what a lab run replays unless told otherwise.
    /// Coverage: with the two-space novelty it led every random order by 28-32% after 10-30
    /// measurements on a new machine, the rate design by 2-17% (docs/continual-learning.md,
    /// "Re-measured with everything merged").
    package static let product = SuggestionMethod.coverage
}

/// The ops a novelty reason names as unreadable for a model: the ops of the network that
/// the model's token encoding has no slot for, leaving out ops the canonical graph folds
/// away (an `Identity` costs nothing and says nothing about the network).
extension ImportedNetwork {
    public func opsWithoutToken(for tokens: ModelTokens) -> [String: Int] {
        switch tokens {
        case .cell: return [:]
        case .network(.costs2), .network(.costs3): return canonicalUnknownOps
        case .network:
            let kept = Set(canonicalGraph.nodes.map(\.op))
            return unknownOps.filter { kept.contains($0.key) }
        }
    }
}

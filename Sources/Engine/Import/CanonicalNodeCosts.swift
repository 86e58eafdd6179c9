/// What a node of the canonical graph moves and holds, as the `costs3` tokens count it.
///
/// The `costs` columns count, over the graph as the file states it, every element of every
/// input an op reads (kept there so the `costs` model's tokens do not move). Over the
/// canonical graph three of those counts misstate the work, and a model cannot learn
/// around them for a family it has not seen (a ViT's attention is made of exactly these
/// nodes, and a ViT left out of training was priced at the rates of Swin's):
/// - a view (the canonical `Reshape`: Reshape, Flatten, Squeeze, Unsqueeze and chains of
///   them) and a Pad that adds nothing hand on the same buffer: they move nothing;
/// - a Gather or Slice reads what it selects (and its indices), not its whole input:
///   taking q, k and v out of one projection reads each third once, not the whole
///   projection three times;
/// - a MatMul one of whose operands no input reaches (a weight) is a linear layer: torch
///   writes `nn.Linear` as Gemm on rank-2 inputs and as MatMul (then Add) on higher ranks,
///   so a ViT's projections were parameterless MatMuls beside Gemms. Its weight counts as
///   its parameters and it takes the Gemm slot, so a projection over a few tokens, which
///   streams its weight like a classifier layer does, reads like one.
enum CanonicalNodeCosts {
    /// Elements `node` reads and writes.
    static func elementsMoved(_ node: NetworkNode) -> Double {
        switch node.op {
        case "Reshape":
            return 0
        case "Pad" where node.inputShapes.first == node.outputShape:
            return 0
        case "Gather", "Slice":
            let selected = Double(ShapeInference.elements(node.outputShape))
            let indices = node.op == "Gather" && node.inputShapes.count > 1
                ? Double(ShapeInference.elements(node.inputShapes[1])) : 0
            return 2 * selected + indices
        default:
            return CostTokenizer.memoryMoved(node)
        }
    }

    /// The weight elements of a MatMul that is a linear layer; nil for any other node.
    /// In the canonical graph constant operands have no node, so a MatMul reading two
    /// tensors from one predecessor reads a constant: torch's `x @ W`, a rank-2 second operand.
    static func linearWeight(_ node: NetworkNode) -> Double? {
        guard node.op == "MatMul", node.inputShapes.count == 2, node.predecessors.count == 1,
              node.inputShapes[1].count == 2 else { return nil }
        return Double(ShapeInference.elements(node.inputShapes[1]))
    }
}

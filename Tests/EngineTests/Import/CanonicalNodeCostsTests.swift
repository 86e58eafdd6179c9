import Foundation
import XCTest
@testable import Engine

/// What the `costs3` tokens count per node (`CanonicalNodeCosts`): views and no-op Pads
/// move nothing, Gather and Slice read what they select, a MatMul with a weight is a linear
/// layer; the `costs` and `costs2` tokens keep the authors' counts (their names must keep
/// one meaning: stored tokens and checkpoints carry them).
final class CanonicalNodeCostsTests: XCTestCase {
    /// A one-head attention over 10 tokens of width 16, spelled as torch's default exporter
    /// writes it: a MatMul + Add projection to q, k and v, a view to [10, 3, 16] and a
    /// Transpose to [3, 10, 16] (one node in the canonical graph), a Gather per third, q k^T,
    /// Softmax, a no-op Pad, times v, a Slice and a view.
    static func attention() throws -> ImportedNetwork {
        var m = ONNXTestModel()
        m.input("x", [1, 10, 16])
        m.weight("w", [16, 48])
        m.weight("b", [48])
        m.ints("shape", [10, 3, 16])
        for (k, name) in ["iq", "ik", "iv"].enumerated() { m.ints(name, [Int64(k)], dims: []) }
        m.ints("pads", [0, 0, 0, 0])
        m.ints("starts", [0]); m.ints("ends", [4]); m.ints("axes", [0]); m.ints("flat", [64])
        m.node("MatMul", ["x", "w"], ["p"])
        m.node("Add", ["p", "b"], ["pb"])
        m.node("Reshape", ["pb", "shape"], ["r"])
        m.node("Transpose", ["r"], ["t"], ["perm": .ints([1, 0, 2])])
        m.node("Gather", ["t", "iq"], ["q"], ["axis": .int(0)])
        m.node("Gather", ["t", "ik"], ["k"], ["axis": .int(0)])
        m.node("Gather", ["t", "iv"], ["v"], ["axis": .int(0)])
        m.node("Transpose", ["k"], ["kt"], ["perm": .ints([1, 0])])
        m.node("MatMul", ["q", "kt"], ["s"])
        m.node("Softmax", ["s"], ["a"], ["axis": .int(-1)])
        m.node("Pad", ["a", "pads"], ["ap"])
        m.node("MatMul", ["ap", "v"], ["o"])
        m.node("Slice", ["o", "starts", "ends", "axes"], ["sl"])
        m.node("Reshape", ["sl", "flat"], ["y"])
        return try m.imported()
    }

    private func row(_ tokens: TokenGraph, _ i: Int) -> [Float] {
        Array(tokens.tokens[(i * tokens.tokenDim)..<((i + 1) * tokens.tokenDim)])
    }

    private func logScaled(_ v: Double) -> Float { CostTokenizer.logScaled(v) }

    func testCosts3CountsWhatEachNodeMovesAndHolds() throws {
        let net = try Self.attention()
        let graph = net.canonicalGraph
        XCTAssertEqual(graph.opHistogram, ["Input": 1, "MatMul": 3, "Add": 1, "Transpose": 2, "Gather": 3, "Softmax": 1,
                                           "Pad": 1, "Slice": 1, "Reshape": 1])
        let tokens = net.tokens(encoding: .costs3)
        let slot = { (op: String) in CostTokenizer.costColumns + (Costs2Tokenizer.opSlots[op] ?? -1) }
        func index(_ op: String, _ k: Int = 0) -> Int { graph.nodes.indices.filter { graph.nodes[$0].op == op }[k] }

        // The projection is a linear layer: its weight is its parameters, it takes Gemm's slot.
        let projection = row(tokens, index("MatMul"))
        XCTAssertEqual(projection[slot("Gemm")], 1)
        XCTAssertEqual(projection[slot("MatMul")], 0)
        XCTAssertEqual(projection[CostTokenizer.paramsColumn], logScaled(16 * 48))
        XCTAssertEqual(projection[CostTokenizer.memoryColumn], logScaled(160 + 16 * 48 + 480))
        // q k^T and a v read two computed tensors: matrix products, no parameters.
        for k in [1, 2] {
            let product = row(tokens, index("MatMul", k))
            XCTAssertEqual(product[slot("MatMul")], 1)
            XCTAssertEqual(product[slot("Gemm")], 0)
            XCTAssertEqual(product[CostTokenizer.paramsColumn], 0)
        }
        // The view and the Pad that adds nothing hand on the same buffer.
        XCTAssertEqual(row(tokens, index("Reshape"))[CostTokenizer.memoryColumn], 0)
        XCTAssertEqual(row(tokens, index("Pad"))[CostTokenizer.memoryColumn], 0)
        // A Gather reads the third it takes and its index; the Slice the rows it keeps.
        XCTAssertEqual(row(tokens, index("Gather"))[CostTokenizer.memoryColumn], logScaled(2 * 160 + 1))
        XCTAssertEqual(row(tokens, index("Slice"))[CostTokenizer.memoryColumn], logScaled(2 * 64))
        // A real transpose moves what it reads and writes.
        XCTAssertEqual(row(tokens, index("Transpose"))[CostTokenizer.memoryColumn], logScaled(2 * 480))
        // Intensity follows the counts; the totals hold the weight and the counted moves.
        let flops = net.canonicalCosts[index("MatMul")].flops
        XCTAssertEqual(projection[CostTokenizer.intensityColumn],
                       CostTokenizer.intensity(flops: flops, moved: 160 + 16 * 48 + 480))
        XCTAssertEqual(tokens.staticFeatures[CostTokenizer.paramsStatic], logScaled(net.canonicalTotals.params + 16 * 48))
        let moved = graph.nodes.reduce(0.0) { $0 + CanonicalNodeCosts.elementsMoved($1) }
        XCTAssertEqual(tokens.staticFeatures[CostTokenizer.movedStatic], logScaled(moved))
        XCTAssertLessThan(moved, graph.nodes.reduce(0.0) { $0 + CostTokenizer.memoryMoved($1) })
    }

    func testTheCostsEncodingKeepsTheAuthorsCounts() throws {
        let net = try Self.attention()
        let tokens = net.tokens(encoding: .costs)
        for (i, node) in net.graph.nodes.enumerated() {
            let r = row(tokens, i)
            XCTAssertEqual(r[CostTokenizer.memoryColumn], logScaled(CostTokenizer.memoryMoved(node)), node.op)
            XCTAssertEqual(r[CostTokenizer.paramsColumn], logScaled(net.nodeCosts[i].params), node.op)
            if node.op == "MatMul" { XCTAssertEqual(r[CostTokenizer.costColumns + 17], 1, "MatMul keeps its slot") }
        }
    }

    func testCosts2KeepsTheAuthorsCountsOverTheCanonicalGraph() throws {
        let net = try Self.attention()
        let tokens = net.tokens(encoding: .costs2)
        let canonical = net.canonicalGraph
        for (i, node) in canonical.nodes.enumerated() {
            let r = row(tokens, i)
            XCTAssertEqual(r[CostTokenizer.memoryColumn], logScaled(CostTokenizer.memoryMoved(node)), node.op)
            XCTAssertEqual(r[CostTokenizer.paramsColumn], logScaled(net.canonicalCosts[i].params), node.op)
            if node.op == "MatMul" {
                XCTAssertEqual(r[CostTokenizer.costColumns + Costs2Tokenizer.opSlots["MatMul"]!], 1, "MatMul keeps its slot")
            }
        }
        // One layout, two names: the other counts are another encoding.
        let costs3 = net.tokens(encoding: .costs3)
        XCTAssertEqual(costs3.tokenDim, tokens.tokenDim)
        XCTAssertNotEqual(costs3.tokens, tokens.tokens)
        XCTAssertEqual(ModelTokens.network(.costs2).storedName, "costs2-200")
        XCTAssertEqual(ModelTokens.network(.costs3).storedName, "costs3-200")
        XCTAssertEqual(ModelTokens(storedName: "costs3-200"), .network(.costs3))
        XCTAssertTrue(ModelTokens.network(.costs3).hasShape(of: tokens))
    }

    func testAViTsProjectionsReadAsLinearLayers() throws {
        // vit_2026_0000: 8 blocks, each with three projections written as MatMul (qkv and the
        // two MLP layers), one as Gemm (the attention output), two attention products; then
        // the classifier Gemm.
        let url = ImportTestSupport.repoRoot.appendingPathComponent("data/latency-transformers/onnx/vit/vit_2026_0000.onnx")
        let net = try NetworkImporter.importFile(at: url)
        let tokens = net.tokens(encoding: .costs3)
        let column = { (op: String) in CostTokenizer.costColumns + (Costs2Tokenizer.opSlots[op] ?? -1) }
        let count = { (op: String) in (0..<tokens.nodeCount).filter { tokens.tokens[$0 * tokens.tokenDim + column(op)] == 1 }.count }
        XCTAssertEqual(net.canonicalGraph.opHistogram["MatMul"], 40)
        XCTAssertEqual(net.canonicalGraph.opHistogram["Gemm"], 9)
        XCTAssertEqual(count("Gemm"), 8 * 3 + 8 + 1)
        XCTAssertEqual(count("MatMul"), 8 * 2)
    }
}

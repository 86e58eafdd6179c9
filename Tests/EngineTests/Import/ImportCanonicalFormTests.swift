import Foundation
import XCTest
@testable import Engine

/// One canonical graph per network: the exporter variants of GELU, LayerNorm
/// and HardSwish, Identity weight sharing and no-op nodes fold to one form, so both
/// exports of a network get one hash and the same `costs2` tokens, while the graph as
/// the file states it (what `baseline` and `costs` read) is left as it was.
final class ImportCanonicalFormTests: XCTestCase {
    /// x [1, 10, 16] -> MatMul -> GELU (in `gelu`'s spelling) -> MatMul.
    private static func geluNetwork(_ gelu: (inout ONNXTestModel, String, String) -> Void, identityWeights: Bool) -> ONNXTestModel {
        var m = ONNXTestModel()
        m.input("x", [1, 10, 16])
        m.weight("w1", [16, 32])
        m.weight("w2", [32, 8])
        m.node("MatMul", ["x", "w1"], ["h"])
        gelu(&m, "h", "g")
        if identityWeights {
            // How torch's TorchScript exporter shares a weight.
            m.node("Identity", ["w2"], ["w2_shared"])
            m.node("MatMul", ["g", "w2_shared"], ["y"])
        } else {
            m.node("MatMul", ["g", "w2"], ["y"])
        }
        return m
    }

    private static func erfGelu(_ m: inout ONNXTestModel, _ x: String, _ out: String) {
        m.floats("sqrt2", [Float(2).squareRoot()])
        m.floats("one", [1])
        m.floats("half", [0.5])
        m.node("Div", [x, "sqrt2"], ["d"])
        m.node("Erf", ["d"], ["e"])
        m.node("Add", ["e", "one"], ["a"])
        m.node("Mul", [x, "a"], ["m"])
        m.node("Mul", ["m", "half"], [out])
    }

    private static func tanhGelu(_ m: inout ONNXTestModel, _ x: String, _ out: String) {
        m.floats("three", [3])
        m.floats("k", [0.044715])
        m.floats("c", [Float((2.0 / Double.pi).squareRoot())])
        m.floats("one", [1])
        m.floats("half", [0.5])
        m.node("Pow", [x, "three"], ["p"])
        m.node("Mul", ["p", "k"], ["pk"])
        m.node("Add", [x, "pk"], ["s"])
        m.node("Mul", ["s", "c"], ["sc"])
        m.node("Tanh", ["sc"], ["t"])
        m.node("Add", ["t", "one"], ["a"])
        m.node("Mul", [x, "a"], ["m"])
        m.node("Mul", ["m", "half"], [out])
    }

    func testErfGeluAndGeluNodeAreOneNetwork() throws {
        let erf = try Self.geluNetwork(Self.erfGelu, identityWeights: true).imported()
        let fused = try Self.geluNetwork({ m, x, out in m.node("Gelu", [x], [out], ["approximate": .string("none")]) },
                                    identityWeights: false).imported()
        XCTAssertEqual(erf.contentHash, fused.contentHash)
        XCTAssertEqual(erf.canonicalGraph.nodes.map(\.op), ["Input", "MatMul", "Gelu", "MatMul"])
        XCTAssertEqual(erf.tokens(encoding: .costs2).tokens, fused.tokens(encoding: .costs2).tokens)
        XCTAssertEqual(erf.folds, [
            GraphCanonicalizer.Fold.identity.rawValue: 1, GraphCanonicalizer.Fold.geluErf.rawValue: 1,
        ])
        XCTAssertEqual(fused.folds, [:])
        // The graph as stated is what the shipped encodings read: unchanged.
        XCTAssertEqual(erf.graph.opHistogram["Erf"], 1)
        XCTAssertEqual(erf.graph.opHistogram["Identity"], 1)
        XCTAssertEqual(erf.unknownOps["Identity"], 1)
        // A Gelu node without the attribute is the same network (ONNX default "none").
        let bare = try Self.geluNetwork({ m, x, out in m.node("Gelu", [x], [out]) }, identityWeights: false).imported()
        XCTAssertEqual(bare.contentHash, fused.contentHash)
    }

    func testErfGeluWithConstantNodesFolds() throws {
        // TorchScript writes the GELU constants as Constant nodes; once folded they are unread and dropped.
        let constants = try Self.geluNetwork({ m, x, out in
            m.constantNode("sqrt2", Float(2).squareRoot()); m.constantNode("one", 1); m.constantNode("half", 0.5)
            m.node("Div", [x, "sqrt2"], ["d"]); m.node("Erf", ["d"], ["e"]); m.node("Add", ["e", "one"], ["a"])
            m.node("Mul", [x, "a"], ["m"]); m.node("Mul", ["m", "half"], [out])
        }, identityWeights: false).imported()
        let fused = try Self.geluNetwork({ m, x, out in m.node("Gelu", [x], [out], ["approximate": .string("none")]) },
                                         identityWeights: false).imported()
        XCTAssertEqual(constants.contentHash, fused.contentHash)
        XCTAssertEqual(constants.folds, [
            GraphCanonicalizer.Fold.geluErf.rawValue: 1, GraphCanonicalizer.Fold.constant.rawValue: 3,
        ])
        XCTAssertEqual(constants.graph.opHistogram["Input"], 4, "the graph as stated keeps the Constants as Input nodes")
    }

    func testTanhGeluFoldsToApproximateGelu() throws {
        let tanh = try Self.geluNetwork(Self.tanhGelu, identityWeights: false).imported()
        let fused = try Self.geluNetwork({ m, x, out in m.node("Gelu", [x], [out], ["approximate": .string("tanh")]) },
                                    identityWeights: false).imported()
        XCTAssertEqual(tanh.contentHash, fused.contentHash)
        XCTAssertEqual(tanh.folds, [GraphCanonicalizer.Fold.geluTanh.rawValue: 1])
        let erf = try Self.geluNetwork(Self.erfGelu, identityWeights: false).imported()
        XCTAssertNotEqual(tanh.contentHash, erf.contentHash, "the tanh approximation is another network")
    }

    func testLookAlikeIsNotFolded() throws {
        // x * (1 + erf(x / 2)) * 0.5 is not GELU (the divisor is 2, not sqrt 2).
        let net = try Self.geluNetwork({ m, x, out in
            m.floats("two", [2]); m.floats("one", [1]); m.floats("half", [0.5])
            m.node("Div", [x, "two"], ["d"]); m.node("Erf", ["d"], ["e"]); m.node("Add", ["e", "one"], ["a"])
            m.node("Mul", [x, "a"], ["m"]); m.node("Mul", ["m", "half"], [out])
        }, identityWeights: false).imported()
        XCTAssertEqual(net.folds, [:])
        XCTAssertEqual(net.canonicalGraph.opHistogram["Erf"], 1)
    }

    /// x [1, 10, 16] -> LayerNorm (in `ln`'s spelling) -> MatMul.
    private func layerNormNetwork(_ ln: (inout ONNXTestModel) -> Void) -> ONNXTestModel {
        var m = ONNXTestModel()
        m.input("x", [1, 10, 16])
        m.weight("gamma", [16])
        m.weight("beta", [16])
        m.weight("w", [16, 8])
        ln(&m)
        m.node("MatMul", ["n", "w"], ["y"])
        return m
    }

    func testDecomposedLayerNormIsLayerNormalization() throws {
        let decomposed = try layerNormNetwork { m in
            m.floats("two", [2])
            m.floats("eps", [1e-5])
            m.node("ReduceMean", ["x"], ["mean"], ["axes": .ints([-1])])
            m.node("Sub", ["x", "mean"], ["d"])
            m.node("Pow", ["d", "two"], ["sq"])
            m.node("ReduceMean", ["sq"], ["var"], ["axes": .ints([-1])])
            m.node("Add", ["var", "eps"], ["ve"])
            m.node("Sqrt", ["ve"], ["sd"])
            m.node("Div", ["d", "sd"], ["norm"])
            m.node("Mul", ["norm", "gamma"], ["scaled"])
            m.node("Add", ["scaled", "beta"], ["n"])
        }.imported()
        let fused = try layerNormNetwork { m in
            m.node("LayerNormalization", ["x", "gamma", "beta"], ["n"],
                   ["axis": .int(-1), "epsilon": .float(1e-5), "stash_type": .int(1)])
        }.imported()
        XCTAssertEqual(decomposed.contentHash, fused.contentHash)
        XCTAssertEqual(decomposed.canonicalGraph.nodes.map(\.op), ["Input", "LayerNormalization", "MatMul"])
        XCTAssertEqual(decomposed.tokens(encoding: .costs2).tokens, fused.tokens(encoding: .costs2).tokens)
        XCTAssertEqual(decomposed.folds, [GraphCanonicalizer.Fold.layerNorm.rawValue: 1])
        XCTAssertEqual(decomposed.graph.opHistogram["ReduceMean"], 2, "the graph as stated is kept")
        // LayerNormalization has its costs and its own costs2 slot.
        let ln = try XCTUnwrap(fused.canonicalGraph.nodes.firstIndex { $0.op == "LayerNormalization" })
        XCTAssertEqual(fused.canonicalCosts[ln].flops, 8 * 160)
        XCTAssertEqual(fused.canonicalCosts[ln].params, 32)
        let row = fused.tokens(encoding: .costs2)
        let slot = CostTokenizer.costColumns + (Costs2Tokenizer.opSlots["LayerNormalization"] ?? -1)
        XCTAssertEqual(row.tokens[ln * row.tokenDim + slot], 1)
    }

    func testHardSwishSpellings() throws {
        func network(_ body: (inout ONNXTestModel) -> Void) throws -> ImportedNetwork {
            var m = ONNXTestModel(opset: 13)
            m.input("x", [1, 8, 4, 4])
            m.floats("three", [3]); m.floats("zero", [0]); m.floats("six", [6])
            body(&m)
            m.node("Relu", ["hs"], ["y"])
            return try m.imported()
        }
        let clip = try network { m in
            m.node("Add", ["x", "three"], ["a"]); m.node("Clip", ["a", "zero", "six"], ["c"])
            m.node("Mul", ["x", "c"], ["m"]); m.node("Div", ["m", "six"], ["hs"])
        }
        let sigmoid = try network { m in
            m.node("HardSigmoid", ["x"], ["h"], ["alpha": .float(Float(1.0 / 6.0)), "beta": .float(0.5)])
            m.node("Mul", ["x", "h"], ["hs"])
        }
        let fused = try network { m in m.node("HardSwish", ["x"], ["hs"]) }
        XCTAssertEqual(clip.contentHash, fused.contentHash)
        XCTAssertEqual(sigmoid.contentHash, fused.contentHash)
        XCTAssertEqual(clip.canonicalGraph.nodes.map(\.op), ["Input", "HardSwish", "Relu"])
    }

    func testCanonicalGraphOfAPlainFileIsItsWork() throws {
        // A file with nothing to fold: the canonical graph is the graph as stated without its
        // initializer and Constant inputs, views spelled Reshape; the hash is pinned, so an
        // unintended change to the canonical form (and with it every stored network's key) shows.
        let zoo = try NetworkImporter.importFile(at: ImportTestSupport.fixture("onnx/resnet18-v1-7-no-weight.onnx"))
        XCTAssertEqual(zoo.folds, [:])
        var expected = zoo.graph.opHistogram
        expected["Input"] = zoo.graph.nodes.filter { $0.origin == .graphInput }.count
        expected["Reshape", default: 0] += expected.removeValue(forKey: "Flatten") ?? 0
        XCTAssertEqual(zoo.canonicalGraph.opHistogram, expected)
        XCTAssertEqual(zoo.canonicalTotals.flops, zoo.totals.flops)
        XCTAssertEqual(zoo.contentHash, "72acfa251e3e0ea7df209f55dbe38d0886ad13968b4084f4b166b15dd58ddbc9")
        XCTAssertEqual(zoo.contentHash, CanonicalForm.hash(CanonicalForm.data(of: zoo.canonicalGraph)))
    }

    func testCosts2LayoutAndLegacyEncodingsUnchanged() throws {
        XCTAssertLessThanOrEqual(Costs2Tokenizer.opNames.count, Costs2Tokenizer.opSlotCount)
        XCTAssertEqual(TokenEncoding.costs2.storedName, "costs2-\(Costs2Tokenizer.tokenDim)")
        XCTAssertEqual(TokenEncoding.costs.storedName, "costs-160")
        XCTAssertEqual(TokenEncoding.baseline.storedName, "baseline-152")
        XCTAssertEqual(TokenEncoding(storedName: "costs2-\(Costs2Tokenizer.tokenDim)"), .costs2)
        // The authors' ops keep their slot numbers in costs2.
        for (op, slot) in BaselineTokenizer.opSlots { XCTAssertEqual(Costs2Tokenizer.opSlots[op], slot, op) }
    }

    /// Models of this file for the import fuzzer.
    static func fuzzSeeds() -> [(String, ONNXTestModel)] {
        [
            ("erf gelu", geluNetwork(erfGelu, identityWeights: true)),
            ("tanh gelu", geluNetwork(tanhGelu, identityWeights: false)),
        ]
    }
}

import Foundation
import XCTest
@testable import Engine

/// The same network from torch's two ONNX exporters is one network: small ViT, Swin and
/// ConvNeXt files (Fixtures/onnx/exporters, made by the script beside them) exported with
/// the TorchScript exporter (opset 17) and the default one get one hash and the same
/// `costs2` tokens; and the rules behind it, each on a graph built here, with a control
/// that a real difference still makes another network.
final class ImportExporterVariantTests: XCTestCase {
    private static func exported(_ name: String) throws -> ImportedNetwork {
        try NetworkImporter.importFile(at: try ImportTestSupport.fixture("onnx/exporters/\(name).onnx"))
    }

    func testBothExportersGiveOneNetwork() throws {
        for family in ["vit", "swin", "convnext"] {
            let script = try Self.exported("\(family)-torchscript")
            let dynamo = try Self.exported("\(family)-dynamo")
            XCTAssertEqual(script.contentHash, dynamo.contentHash, family)
            XCTAssertEqual(script.canonicalGraph.nodes.map(\.op), dynamo.canonicalGraph.nodes.map(\.op), family)
            XCTAssertEqual(script.canonicalTotals.flops, dynamo.canonicalTotals.flops, family)
            XCTAssertTrue(script.tokens(encoding: .costs2) == dynamo.tokens(encoding: .costs2), family)
            // The files as stated differ a lot; the canonical graph keeps only the work.
            XCTAssertGreaterThan(script.graph.nodes.count, dynamo.canonicalGraph.nodes.count, family)
            // Other batches: TorchScript's Swin carries its batch in constants the rescaler
            // cannot all find (it imports at its exported batch only, and the error says so),
            // and the default exporter's ConvNeXt flattens through a Gather whose indices carry
            // the exported batch; the ViT pair imports alike at every batch.
            for batch in [2, 4] where family == "vit" {
                let a = try NetworkImporter.importFile(at: try ImportTestSupport.fixture("onnx/exporters/\(family)-torchscript.onnx"), batchSize: batch)
                let b = try NetworkImporter.importFile(at: try ImportTestSupport.fixture("onnx/exporters/\(family)-dynamo.onnx"), batchSize: batch)
                XCTAssertEqual(a.contentHash, script.contentHash, "the hash does not depend on the batch")
                XCTAssertTrue(a.tokens(encoding: .costs2) == b.tokens(encoding: .costs2), "\(family) batch \(batch)")
            }
        }
        let vit = try Self.exported("vit-dynamo"), swin = try Self.exported("swin-dynamo")
        XCTAssertNotEqual(vit.contentHash, swin.contentHash)
        XCTAssertNotNil(try Self.exported("swin-torchscript").folds[GraphCanonicalizer.Fold.computedConstant.rawValue])
    }

    /// x [1, 6, 8] -> (layout in `spell`) -> y, then a MatMul so y is used.
    private static func layoutNetwork(_ spell: (inout ONNXTestModel) -> Void) throws -> ImportedNetwork {
        var m = ONNXTestModel()
        m.input("x", [1, 6, 8])
        m.weight("w", [3, 5])
        spell(&m)
        m.node("MatMul", ["y", "w"], ["out"])
        return try m.imported()
    }

    func testTransposeThenReshapeEqualsReshapeThenTranspose() throws {
        // [1, 6, 8] -> [1, 8, 6] -> [1, 16, 3]  vs  [1, 6, 8] -> ... one data movement either way.
        let a = try Self.layoutNetwork { m in
            m.ints("s", [1, 16, 3])
            m.node("Transpose", ["x"], ["t"], ["perm": .ints([0, 2, 1])])
            m.node("Reshape", ["t", "s"], ["y"])
        }
        let b = try Self.layoutNetwork { m in
            m.ints("s1", [1, 6, 2, 4])
            m.ints("s2", [1, 16, 3])
            m.node("Reshape", ["x", "s1"], ["r"])
            m.node("Transpose", ["r"], ["t"], ["perm": .ints([0, 3, 2, 1])])
            m.node("Reshape", ["t", "s2"], ["y"])
        }
        XCTAssertEqual(a.contentHash, b.contentHash)
        XCTAssertEqual(a.canonicalGraph.nodes.map(\.op), ["Input", "Transpose", "MatMul"])
        // Control: a plain Reshape to the same shape moves nothing; another network.
        let view = try Self.layoutNetwork { m in
            m.ints("s", [1, 16, 3])
            m.node("Reshape", ["x", "s"], ["y"])
        }
        XCTAssertNotEqual(view.contentHash, a.contentHash)
        XCTAssertEqual(view.canonicalGraph.nodes.map(\.op), ["Input", "Reshape", "MatMul"])
    }

    func testFlattenSqueezeAndSizeOneTransposesAreViews() throws {
        var m1 = ONNXTestModel()
        m1.input("x", [1, 32, 1, 1])
        m1.weight("w", [10, 32])
        m1.node("Flatten", ["x"], ["f"], ["axis": .int(1)])
        m1.node("Gemm", ["f", "w"], ["y"], ["transB": .int(1)])
        var m2 = ONNXTestModel()
        m2.input("x", [1, 32, 1, 1])
        m2.weight("w", [10, 32])
        m2.ints("s", [1, 32])
        m2.node("Transpose", ["x"], ["t"], ["perm": .ints([0, 2, 3, 1])])   // only size-1 axes move
        m2.node("Reshape", ["t", "s"], ["f"])
        m2.node("Gemm", ["f", "w"], ["y"], ["transB": .int(1), "alpha": .float(1), "beta": .float(1)])
        let a = try m1.imported(), b = try m2.imported()
        XCTAssertEqual(a.contentHash, b.contentHash)
        XCTAssertEqual(b.canonicalGraph.nodes.map(\.op), ["Input", "Reshape", "Gemm"])
    }

    func testGlobalMeanIsGlobalAveragePool() throws {
        func net(_ pool: (inout ONNXTestModel) -> Void) throws -> ImportedNetwork {
            var m = ONNXTestModel()
            m.input("x", [1, 8, 4, 4])
            m.weight("w", [8, 8, 1, 1])
            pool(&m)
            m.node("Conv", ["p", "w"], ["y"], ["kernel_shape": .ints([1, 1])])
            return try m.imported()
        }
        let gap = try net { m in m.node("GlobalAveragePool", ["x"], ["p"]) }
        let mean = try net { m in m.node("ReduceMean", ["x"], ["p"], ["axes": .ints([-2, -1]), "keepdims": .int(1)]) }
        XCTAssertEqual(gap.contentHash, mean.contentHash)
        XCTAssertEqual(gap.canonicalTotals.flops, mean.canonicalTotals.flops)
        let channelMean = try net { m in m.node("ReduceMean", ["x"], ["p"], ["axes": .ints([2]), "keepdims": .int(1)]) }
        XCTAssertNotEqual(channelMean.contentHash, gap.contentHash, "a mean over one spatial axis is not a global pool")
    }

    func testBranchOrderAndCommutativeOperandsDoNotMatter() throws {
        func net(swapBranches: Bool, swapOperands: Bool, op: String = "Add") throws -> ImportedNetwork {
            var m = ONNXTestModel()
            m.input("x", [1, 4, 8])
            m.weight("wa", [8, 8])
            m.weight("wb", [8, 8])
            let a = { (m: inout ONNXTestModel) in m.node("MatMul", ["x", "wa"], ["a"]); m.node("Relu", ["a"], ["ra"]) }
            let b = { (m: inout ONNXTestModel) in m.node("MatMul", ["x", "wb"], ["b"]); m.node("Sigmoid", ["b"], ["sb"]) }
            if swapBranches { b(&m); a(&m) } else { a(&m); b(&m) }
            m.node(op, swapOperands ? ["sb", "ra"] : ["ra", "sb"], ["y"])
            return try m.imported()
        }
        let base = try net(swapBranches: false, swapOperands: false)
        XCTAssertEqual(try net(swapBranches: true, swapOperands: false).contentHash, base.contentHash)
        XCTAssertEqual(try net(swapBranches: true, swapOperands: true).contentHash, base.contentHash)
        XCTAssertTrue(try net(swapBranches: false, swapOperands: true).tokens(encoding: .costs2) == base.tokens(encoding: .costs2))
        // Sub is not commutative: x - y and y - x are two networks.
        XCTAssertNotEqual(try net(swapBranches: false, swapOperands: true, op: "Sub").contentHash,
                          try net(swapBranches: false, swapOperands: false, op: "Sub").contentHash)
    }

    func testDefaultAttributesAndAxesHaveOneSpelling() throws {
        func net(opset: Int64 = 17, conv: [String: ONNXTestModel.Attribute], softmax: [String: ONNXTestModel.Attribute]) throws -> ImportedNetwork {
            var m = ONNXTestModel(opset: opset)
            m.input("x", [1, 3, 8, 8])
            m.weight("w", [4, 3, 3, 3])
            m.node("Conv", ["x", "w"], ["c"], conv)
            m.node("Softmax", ["c"], ["y"], softmax)
            return try m.imported()
        }
        let plain = try net(conv: ["kernel_shape": .ints([3, 3])], softmax: [:])
        let spelled = try net(conv: ["kernel_shape": .ints([3, 3]), "auto_pad": .string("NOTSET"), "group": .int(1),
                                     "strides": .ints([1, 1]), "dilations": .ints([1, 1]), "pads": .ints([0, 0, 0, 0])],
                              softmax: ["axis": .int(3)])
        XCTAssertEqual(plain.contentHash, spelled.contentHash)
        XCTAssertEqual(try net(conv: ["kernel_shape": .ints([3, 3])], softmax: ["axis": .int(-1)]).contentHash, plain.contentHash)
        // Before opset 13 a Softmax without an axis works on axis 1: another network.
        XCTAssertNotEqual(try net(opset: 11, conv: ["kernel_shape": .ints([3, 3])], softmax: [:]).contentHash, plain.contentHash)
        XCTAssertEqual(try net(opset: 11, conv: ["kernel_shape": .ints([3, 3])], softmax: ["axis": .int(1)]).contentHash,
                       try net(conv: ["kernel_shape": .ints([3, 3])], softmax: ["axis": .int(1)]).contentHash)
        XCTAssertNotEqual(try net(conv: ["kernel_shape": .ints([3, 3]), "strides": .ints([2, 2])], softmax: [:]).contentHash,
                          plain.contentHash)
    }

    func testPadsComputedFromConstantsAreFolded() throws {
        // How the TorchScript exporter writes F.pad(x, (0, 1, 0, 2)): the pads table reshaped
        // to pairs, reversed with a step -1 Slice, transposed and flattened, all on constants.
        var m = ONNXTestModel()
        m.input("x", [1, 4, 5, 5])
        m.weight("w", [4, 4, 1, 1])
        m.ints("raw", [0, 1, 0, 2, 0, 0, 0, 0])
        m.ints("pairs", [-1, 2])
        m.ints("start", [-1]); m.ints("end", [Int64(Int32.min)]); m.ints("axis0", [0]); m.ints("back", [-1])
        m.ints("flat", [-1])
        m.node("Reshape", ["raw", "pairs"], ["p2"])
        m.node("Slice", ["p2", "start", "end", "axis0", "back"], ["rev"])
        m.node("Transpose", ["rev"], ["tr"], ["perm": .ints([1, 0])])
        m.node("Reshape", ["tr", "flat"], ["pads"])
        m.node("Pad", ["x", "pads"], ["padded"])
        m.node("Conv", ["padded", "w"], ["y"], ["kernel_shape": .ints([1, 1])])
        let net = try m.imported()
        // raw pairs (W: 0,1) (H: 0,2) (C) (N) reversed -> N, C, H, W; transposed -> begins then ends.
        XCTAssertEqual(net.graph.nodes.first { $0.op == "Pad" }?.outputShape, [1, 4, 7, 6])
        XCTAssertEqual(net.canonicalGraph.nodes.map(\.op), ["Input", "Pad", "Conv"])
        XCTAssertEqual(net.folds[GraphCanonicalizer.Fold.computedConstant.rawValue], 4)
    }

    func testFullForwardSliceIsDroppedAndReversingSliceKept() throws {
        func net(step: Int64?) throws -> ImportedNetwork {
            var m = ONNXTestModel()
            m.input("x", [1, 4, 6])
            m.weight("w", [6, 2])
            m.ints("s", [0]); m.ints("e", [4]); m.ints("a", [1])
            var inputs = ["x", "s", "e", "a"]
            if let step {
                m.ints("st", [step])
                inputs.append("st")
                if step < 0 { m.ints("s2", [3]); m.ints("e2", [Int64(Int32.min)]); inputs = ["x", "s2", "e2", "a", "st"] }
            }
            m.node("Slice", inputs, ["sl"])
            m.node("MatMul", ["sl", "w"], ["y"])
            return try m.imported()
        }
        let plain = try net(step: nil)
        XCTAssertEqual(plain.canonicalGraph.nodes.map(\.op), ["Input", "MatMul"])
        XCTAssertEqual(plain.folds[GraphCanonicalizer.Fold.slice.rawValue], 1)
        let reversed = try net(step: -1)
        XCTAssertEqual(reversed.canonicalGraph.nodes.map(\.op), ["Input", "Slice", "MatMul"])
        XCTAssertNotEqual(reversed.contentHash, plain.contentHash)
    }
}

/// The OpenVINO platform's shipped model reads the canonical graph: both exports of a
/// network get one prediction. Platforms without a model of their own start from the
/// `cpu-ort-1t` one.
final class ShippedOpenVINOModelTests: XCTestCase {
    func testEachPlatformFindsItsOwnDefaultModel() throws {
        let empty: [String: String] = [:]
        XCTAssertEqual(try DefaultModels.url(for: .latency, platform: "cpu-openvino-1t", environment: empty).lastPathComponent,
                       "latency-cpu-openvino-1t.safetensors")
        XCTAssertEqual(try DefaultModels.url(for: .latency, platform: "my-gpu", environment: empty).lastPathComponent,
                       DefaultModels.latencyFileName)
        XCTAssertEqual(try DefaultModels.url(for: .latency, environment: empty).lastPathComponent, DefaultModels.latencyFileName)
        // A platform name is never a path.
        XCTAssertNil(DefaultModels.latencyFileName(platform: "../x"))
        XCTAssertNil(DefaultModels.latencyFileName(platform: ".hidden"))
    }

    func testBothExportersGetOnePrediction() throws {
        let model = try TrainedModel.load(from: DefaultModels.url(for: .latency, platform: "cpu-openvino-1t", environment: [:]))
        XCTAssertEqual(model.metadata.platform, "cpu-openvino-1t")
        for family in ["vit", "swin", "convnext"] {
            let files = try ["torchscript", "dynamo"].map {
                try NetworkImporter.importFile(at: try ImportTestSupport.fixture("onnx/exporters/\(family)-\($0).onnx"))
            }
            let values = try model.predictValues(try files.map { try $0.tokens(storedEncoding: model.metadata.tokenEncoding) })
            XCTAssertEqual(values[0], values[1], family)
            XCTAssertGreaterThan(values[0], 0, family)
        }
    }
}

import Foundation
import XCTest
import Engine
import Lab
import TestSupport

/// A bounded run of the mutation harness; `NARFORMER_FUZZ_SECONDS=600` runs it longer
/// (or `narformer-lab bench import --fuzz 600`).
final class ImportFuzzTests: XCTestCase {
    func testMutatedFilesGiveErrorsNotCrashes() throws {
        var seeds: [ImportFuzzer.Seed] = []
        for family in ["alexnet", "squeezenet", "mobilenetv2"] {
            let url = RepositoryData.root.appendingPathComponent("data/latency/onnx/\(family)/\(family)_2026_0000.onnx")
            seeds.append(.init(name: family, data: try Data(contentsOf: url), format: .onnx))
        }
        let zoo = RepositoryData.root.appendingPathComponent("Tests/EngineTests/Fixtures/onnx/resnet18-v1-7-no-weight.onnx")
        seeds.append(.init(name: "resnet18-opset7", data: try Data(contentsOf: zoo), format: .onnx))
        seeds += ImportFuzzer.hostileSeeds().filter { ["json network", "json cell"].contains($0.name) }
        // Attention-era readers: a ViT exported at batch 4 (static-batch rescaling when a
        // mutation changes the input batch), a Swin (ScatterND, Where), a ConvNeXt.
        let transformers = RepositoryData.root.appendingPathComponent("data/latency-transformers/onnx")
        for file in ["vit/vit_2026_0002.onnx", "swin/swin_2026_0000.onnx", "convnext/convnext_2026_0000.onnx"] {
            seeds.append(.init(name: file, data: try Data(contentsOf: transformers.appendingPathComponent(file)), format: .onnx))
        }
        let seconds = ProcessInfo.processInfo.environment["NARFORMER_FUZZ_SECONDS"].flatMap(Double.init)
        var fuzzer = ImportFuzzer(seeds: seeds, seed: 0x5EED)
        let report = seconds.map { fuzzer.run(seconds: $0) } ?? fuzzer.run(cases: 1500, seconds: 20)
        print("import fuzz: \(report)")
        XCTAssertEqual(report.findings, [])
        XCTAssertGreaterThan(report.rejected, 0, "no mutation was rejected: the harness is not mutating")
        XCTAssertGreaterThan(report.imported, 0, "nothing imported: the seeds are broken")
    }

    func testHostileSeedsAreRejectedWithReasons() {
        for seed in ImportFuzzer.hostileSeeds() where !["valid conv", "json network", "json cell"].contains(seed.name) {
            XCTAssertThrowsError(try NetworkImporter.importData(seed.data, format: seed.format, name: "\(seed.name).bin"), seed.name) { e in
                XCTAssertTrue(e is ImportError, "\(seed.name): \(e)")
                XCTAssertTrue("\(e)".hasPrefix("\(seed.name).bin"), "\(e)")
            }
        }
    }
}

import Foundation
import XCTest
@testable import Engine

/// Paths and loaders the import tests share.
enum ImportTestSupport {
    /// The repository root, derived from this file's path (tests may read data/).
    static let repoRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var latencyONNX: URL { repoRoot.appendingPathComponent("data/latency/onnx") }

    static func fixture(_ subpath: String) throws -> URL {
        guard let base = Bundle.module.resourceURL else { throw XCTSkip("no resource bundle") }
        return base.appendingPathComponent("Fixtures").appendingPathComponent(subpath)
    }

    /// The authors' extraction of one file (Fixtures/tokens/NAME.bB.json).
    struct AuthorsExtraction: Decodable {
        struct Node: Decodable {
            var name: String
            var op: String
            var output_shape: [Int]
            var flops_params_memory: [Double]
        }
        var file: String
        var batch: Int
        var flops: Double
        var params: Double
        var memory_access: Double
        var nodes: [Node]
        var edges: [[Int]]
        var tokens: [[Float]]
        var static_tokens: [Float]
    }

    /// `folder`: `tokens` (the authors' extractions) or `token-references` (the same layout,
    /// computed from the written rules by tools/fixtures/token_references.py).
    static func loadExtraction(_ name: String, folder: String = "tokens") throws -> AuthorsExtraction {
        try JSONDecoder().decode(AuthorsExtraction.self, from: Data(contentsOf: fixture("\(folder)/\(name)")))
    }

    /// Where the ONNX file an extraction was made from lives in the repository: beside a
    /// token reference, in Fixtures/onnx, or in the latency data set.
    static func onnxFile(for extraction: AuthorsExtraction) throws -> URL {
        let reference = try fixture("token-references/\(extraction.file)")
        if FileManager.default.fileExists(atPath: reference.path) { return reference }
        if extraction.file.hasPrefix("resnet18-v1-7") { return try fixture("onnx/\(extraction.file)") }
        let family = String(extraction.file.prefix { $0 != "_" })
        return latencyONNX.appendingPathComponent(family).appendingPathComponent(extraction.file)
    }
}

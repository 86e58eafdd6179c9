import Engine
import Foundation
import XCTest

/// Token encodings are named in one place; every name reads back as the same encoding,
/// and a graph tells which encoding it was made in.
final class ModelTokensTests: XCTestCase {
    func testStoredNamesRoundTripAndGraphsTellTheirEncoding() throws {
        let all = ModelTokens.networkEncodings + [.cell]
        XCTAssertEqual(all.map(\.storedName), ["baseline-152", "costs-160", "costs2-200", "costs3-200", "nb201-cell-128"])
        for tokens in all { XCTAssertEqual(ModelTokens(storedName: tokens.storedName), tokens) }
        XCTAssertEqual(ModelTokens(storedName: ""), .baseline, "checkpoints from before encodings had names")
        XCTAssertNil(ModelTokens(storedName: "baseline-999"))
        XCTAssertEqual(TokenEncoding(storedName: "costs-160"), .costs)
        XCTAssertNil(TokenEncoding(storedName: ModelTokens.cell.storedName), "a cell encoding is not a network encoding")
        XCTAssertEqual(Set(all.filter(\.hasUnsuffixedFileName)), [.baseline, .cell])

        let network = try NetworkImporter.importFile(at: RepositoryData.alexnet, batchSize: 1)
        for encoding in network.storedEncodings {
            let graph = try network.tokens(for: encoding)
            // costs3 is costs2's layout with other counts: its graphs read as that layout.
            XCTAssertEqual(ModelTokens(readBy: graph), encoding == .network(.costs3) ? .network(.costs2) : encoding)
            XCTAssertTrue(encoding.hasShape(of: graph))
        }
        let cell = TokenGraph(nodeCount: 1, tokenDim: 128, tokens: [Float](repeating: 0, count: 128), edges: [],
                              staticFeatures: [])
        XCTAssertEqual(ModelTokens(readBy: cell), .cell)
    }
}

private enum RepositoryData {
    static var alexnet: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("data/latency/onnx/alexnet/alexnet_2026_0000.onnx")
    }
}

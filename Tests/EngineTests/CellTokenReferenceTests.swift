import XCTest
@testable import Engine

/// NAS-Bench-201 cell tokens in both cell encodings against values computed by numpy from
/// the written definitions (Fixtures/token-references/nb201_cells.json, made by
/// tools/fixtures/token_references.py): this project's `trans` and the authors' `nerf`,
/// op codes and positions.
final class CellTokenReferenceTests: XCTestCase {
    private struct References: Decodable {
        struct Cell: Decodable {
            let arch: String
            let encoding: String
            let tokens: [[Double]]
        }
        let cells: [Cell]
    }

    func testCellTokensMatchIndependentReference() throws {
        let url = try ImportTestSupport.fixture("token-references/nb201_cells.json")
        let references = try JSONDecoder().decode(References.self, from: Data(contentsOf: url))
        XCTAssertEqual(Set(references.cells.map(\.encoding)), Set(CellEncoding.allCases.map(\.rawValue)))
        for reference in references.cells {
            let encoding = try XCTUnwrap(CellEncoding(rawValue: reference.encoding))
            let graph = try NB201Cell(arch: reference.arch).tokenGraph(encoding: encoding)
            XCTAssertEqual(graph.nodeCount, reference.tokens.count)
            var worst = 0.0
            for (row, expected) in reference.tokens.enumerated() {
                XCTAssertEqual(expected.count, NB201Cell.tokenDim)
                for (k, value) in expected.enumerated() {
                    worst = max(worst, abs(Double(graph.tokens[row * NB201Cell.tokenDim + k]) - value))
                }
            }
            // Both sides round the same double (trans) or the same float32 argument's sine
            // (nerf) to float32: at most one float32 rounding apart.
            XCTAssertLessThanOrEqual(worst, 1.2e-7, "\(reference.encoding) \(reference.arch)")
        }
    }

    /// The encodings really differ (op order, frequencies), and a reordered cell keeps its
    /// encoding: each row of the reordering is a row of the canonical tokens with only the
    /// position half changed.
    func testEncodingsDifferAndReorderingKeepsTheEncoding() throws {
        let cell = try NB201Cell(arch: "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|")
        XCTAssertNotEqual(cell.tokenGraph(encoding: .trans).tokens, cell.tokenGraph(encoding: .nerf).tokens)
        XCTAssertEqual(cell.tokenGraph().tokens, cell.tokenGraph(encoding: .trans).tokens, "trans stays the default")
        let d = NB201Cell.tokenDim
        for encoding in CellEncoding.allCases {
            let canonical = cell.tokenGraph(encoding: encoding), moved = cell.reordered(seed: 3, encoding: encoding)
            let opHalves = Set((0..<8).map { Array(canonical.tokens[($0 * d)..<($0 * d + 64)]) })
            for row in 0..<8 { XCTAssertTrue(opHalves.contains(Array(moved.tokens[(row * d)..<(row * d + 64)])), "\(encoding) row \(row)") }
            XCTAssertEqual(Array(moved.tokens[64..<128]), Array(canonical.tokens[64..<128]), "\(encoding): row 0's position")
        }
    }
}

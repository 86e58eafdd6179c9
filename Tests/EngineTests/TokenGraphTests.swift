import XCTest
@testable import Engine
final class TokenGraphTests: XCTestCase {
    func testCanonicalEdges() {
        let g = TokenGraph(nodeCount: 3, tokenDim: 1, tokens: [0, 1, 2], edges: [.init(2, 1), .init(1, 2), .init(0, 0), .init(0, 1)], staticFeatures: [])
        XCTAssertEqual(g.edges, [.init(0, 1), .init(1, 2)])
    }
}

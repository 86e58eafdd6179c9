import XCTest
@testable import Engine

/// The loops that work on two rows, or four dot products, at once give each row the
/// values it gets alone, bit for bit: odd counts (a row left over), widths with SIMD
/// tails, edge counts that are not multiples of four.
final class InterleavedRowsTests: XCTestCase {
    private static let widths = [1, 8, 13, 29, 40]

    func testBiasLayerNormRowsMatchRowsAlone() {
        for width in Self.widths {
            let rows = 5, groups = 3
            let x = GradientCheck.random(rows * groups * width, seed: 1)
            let inputBias = GradientCheck.random(groups * width, seed: 2)
            let weight = GradientCheck.random(width, seed: 3), bias = GradientCheck.random(width, seed: 4)
            for relu in [false, true] {
                var together = x
                FusedInference.biasLayerNorm(&together, rows: rows, groups: groups, width: width, inputBias: inputBias,
                                             weight: weight, bias: bias, relu: relu)
                var alone = x
                alone.withUnsafeMutableBufferPointer { a in
                    inputBias.withUnsafeBufferPointer { v in
                        for c in 0..<(rows * groups) {
                            FusedInference.biasLayerNorm(a.baseAddress! + c * width, rows: 1, groups: 1, width: width,
                                                         inputBias: v.baseAddress! + (c % groups) * width,
                                                         weight: weight, bias: bias, relu: relu)
                        }
                    }
                }
                XCTAssertEqual(together.map(\.bitPattern), alone.map(\.bitPattern), "width \(width), relu \(relu)")
            }
        }
    }

    func testBiasLayerNormResidualRowsMatchRowsAlone() {
        for width in Self.widths {
            let rows = 3, groups = 3, rowWidth = groups * width
            let x = GradientCheck.random(rows * rowWidth, seed: 5)
            let inputBias = GradientCheck.random(rowWidth, seed: 6), scale = GradientCheck.random(rowWidth, seed: 7)
            let hidden = GradientCheck.random(rows * rowWidth, seed: 8)
            let weight = GradientCheck.random(width, seed: 9), bias = GradientCheck.random(width, seed: 10)
            var scratch = x, together = [Float](repeating: 0, count: rows * rowWidth)
            FusedInference.biasLayerNormResidual(&scratch, rows: rows, groups: groups, width: width, inputBias: inputBias,
                                                 weight: weight, bias: bias, hidden: hidden, scale: scale, out: &together)
            var alone = [Float](repeating: 0, count: rows * rowWidth)
            scratch = x
            for c in 0..<(rows * groups) {
                let at = c * width, slice = (c % groups) * width
                scratch.withUnsafeMutableBufferPointer { s in
                    alone.withUnsafeMutableBufferPointer { o in
                        FusedInference.biasLayerNormResidual(
                            s.baseAddress! + at, rows: 1, groups: 1, width: width, inputBias: Array(inputBias[slice...]),
                            weight: weight, bias: bias, hidden: Array(hidden[at...]), scale: Array(scale[slice...]),
                            out: o.baseAddress! + at)
                    }
                }
            }
            XCTAssertEqual(together.map(\.bitPattern), alone.map(\.bitPattern), "width \(width)")
        }
    }

    func testNormaliseReLULayerNormRowsMatchRowsAlone() {
        for width in Self.widths {
            let rows = 5
            let x = GradientCheck.random(rows * width, seed: 11), inputBias = GradientCheck.random(width, seed: 12)
            let weight = GradientCheck.random(width, seed: 13), bias = GradientCheck.random(width, seed: 14)
            var hiddenTogether = x, together = [Float](repeating: 0, count: rows * width)
            FusedInference.normaliseReLULayerNorm(&hiddenTogether, rows: rows, width: width, addingBias: inputBias,
                                                  weight: weight, bias: bias, out: &together)
            var hiddenAlone = x, alone = [Float](repeating: 0, count: rows * width)
            hiddenAlone.withUnsafeMutableBufferPointer { h in
                alone.withUnsafeMutableBufferPointer { o in
                    for r in 0..<rows {
                        FusedInference.normaliseReLULayerNorm(h.baseAddress! + r * width, rows: 1, width: width,
                                                              addingBias: inputBias, weight: weight, bias: bias,
                                                              out: o.baseAddress! + r * width)
                    }
                }
            }
            XCTAssertEqual(hiddenTogether.map(\.bitPattern), hiddenAlone.map(\.bitPattern), "width \(width)")
            XCTAssertEqual(together.map(\.bitPattern), alone.map(\.bitPattern), "width \(width)")
        }
    }

    /// The backward pass takes its row sums in the pass that writes the gradient; they
    /// must be `VectorReductions.sum` and `dot` of that gradient, as two passes take them.
    func testLayerNormBackwardMatchesTheTwoPassSums() {
        for width in Self.widths {
            let rows = 3
            let hat = GradientCheck.random(rows * width, seed: 15), dy = GradientCheck.random(rows * width, seed: 16)
            let rstd = GradientCheck.random(rows, seed: 17).map { 1 + abs($0) }
            let weight = GradientCheck.random(width, seed: 18)
            var dx = dy, dWeight = [Float](repeating: 0, count: width), dBias = dWeight
            LayerNorm.backward(dyToDx: &dx, normalised: hat, rstd: rstd, rows: rows, width: width, weight: weight,
                               dWeight: &dWeight, dBias: &dBias)
            var expected = dy, expectedWeight = [Float](repeating: 0, count: width), expectedBias = expectedWeight
            let inv = 1 / Float(width)
            for r in 0..<rows {
                let o = r * width
                for j in 0..<width {
                    expectedWeight[j] += expected[o + j] * hat[o + j]
                    expectedBias[j] += expected[o + j]
                    expected[o + j] *= weight[j]
                }
                let (sumG, sumGH) = expected.withUnsafeBufferPointer { g in
                    hat.withUnsafeBufferPointer { h in
                        (VectorReductions.sum(g.baseAddress! + o, width) * inv,
                         VectorReductions.dot(g.baseAddress! + o, h.baseAddress! + o, width) * inv)
                    }
                }
                for j in 0..<width { expected[o + j] = rstd[r] * (expected[o + j] - sumG - hat[o + j] * sumGH) }
            }
            XCTAssertEqual(dx.map(\.bitPattern), expected.map(\.bitPattern), "width \(width)")
            XCTAssertEqual(dWeight.map(\.bitPattern), expectedWeight.map(\.bitPattern), "width \(width)")
            XCTAssertEqual(dBias.map(\.bitPattern), expectedBias.map(\.bitPattern), "width \(width)")
        }
    }

    /// Scores four edges at a time across rows; messages summed in registers edge after
    /// edge: each must be what one dot product and the row's adds in edge order give.
    func testGraphAttentionEdgesMatchOneByOne() throws {
        for width in Self.widths {
            let graph = TokenGraph(nodeCount: 7, tokenDim: width, tokens: GradientCheck.random(7 * width, seed: 19),
                                   edges: [.init(0, 1), .init(1, 2), .init(2, 3), .init(3, 4), .init(0, 4), .init(1, 5),
                                           .init(2, 5)],
                                   staticFeatures: [])
            var batch = PackedBatch()
            let config = ModelConfig(kind: .accuracy, inDim: width, hidden: 4, layers: 1, groups: 1, ffnRatio: 1,
                                     fcHidden: 2, staticDim: 0)
            try batch.pack([graph], config: config)
            let rows = batch.nodeCount, edges = batch.directedEdgeCount, adjacency = batch.adjacency
            XCTAssertEqual(edges % 4, 2)
            let x = graph.tokens, q = GradientCheck.random(rows * width, seed: 20).map { 0.5 + 0.4 * $0 }
            var score = [Float](repeating: 0, count: edges), rowScale = [Float](repeating: 0, count: rows)
            var m = [Float](repeating: 0, count: rows * width)
            GraphAttention.forward(q: q, x: x, graph: adjacency, rows: rows, width: width, score: &score,
                                   rowScale: &rowScale, m: &m)
            let scale = 1 / Float(width).squareRoot()
            var expectedM = [Float](repeating: 0, count: rows * width)
            for i in 0..<rows {
                var sum: Float = 0
                for e in adjacency.rowStart[i]..<adjacency.rowStart[i + 1] {
                    let j = Int(adjacency.column[e])
                    let s = VectorReductions.dot(Array(q[(i * width)...]), Array(q[(j * width)...]), width) * scale
                    XCTAssertEqual(score[e].bitPattern, s.bitPattern, "width \(width), edge \(e)")
                    sum += s
                }
                let inv = 1 / (sum + GraphAttention.eps)
                XCTAssertEqual(rowScale[i].bitPattern, inv.bitPattern)
                expectedM.withUnsafeMutableBufferPointer { mp in
                    for e in adjacency.rowStart[i]..<adjacency.rowStart[i + 1] {
                        let j = Int(adjacency.column[e])
                        GraphAttention.addScaled(score[e] * inv, Array(x[(j * width)...]), to: mp.baseAddress! + i * width,
                                                 count: width)
                    }
                }
            }
            XCTAssertEqual(m.map(\.bitPattern), expectedM.map(\.bitPattern), "width \(width)")

            let dm = GradientCheck.random(rows * width, seed: 21)
            var dx = [Float](repeating: 0, count: rows * width), dq = dx, dp = [Float](repeating: 0, count: edges)
            GraphAttention.backward(dm: dm, q: q, x: x, graph: adjacency, rows: rows, width: width, score: score,
                                    rowScale: rowScale, edgeScratch: &dp, dx: &dx, dq: &dq)
            for i in 0..<rows {
                for e in adjacency.rowStart[i]..<adjacency.rowStart[i + 1] {
                    let j = Int(adjacency.column[e])
                    let d = VectorReductions.dot(Array(dm[(i * width)...]), Array(x[(j * width)...]), width)
                    XCTAssertEqual(dp[e].bitPattern, d.bitPattern, "width \(width), edge \(e)")
                }
            }
        }
    }
}

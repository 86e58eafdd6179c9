import XCTest
@testable import Engine

/// Every layer on its own against finite differences: the analytic backward with
/// dy = w must equal d(sum w * y)/d(input or parameter).
final class LayerGradientTests: XCTestCase {
    func testLinear() {
        let rows = 3, inDim = 4, outDim = 5
        let x = GradientCheck.random(rows * inDim, seed: 1), w = GradientCheck.random(outDim * inDim, seed: 2)
        let b = GradientCheck.random(outDim, seed: 3), dy = GradientCheck.random(rows * outDim, seed: 4)
        func run(_ x: [Float], _ w: [Float], _ b: [Float]) -> [Float] {
            var y = [Float](repeating: 0, count: rows * outDim)
            Linear.forward(x: x, rows: rows, inDim: inDim, weight: w, bias: b, outDim: outDim, y: &y)
            return y
        }
        var dx = [Float](repeating: 0, count: x.count), dw = [Float](repeating: 0, count: w.count)
        var db = [Float](repeating: 0, count: b.count)
        Linear.backward(dy: dy, x: x, rows: rows, inDim: inDim, outDim: outDim, weight: w, dWeight: &dw, dBias: &db, dx: &dx)
        GradientCheck.check("dx", values: x, analytic: dx) { GradientCheck.weightedSum(run($0, w, b), dy) }
        GradientCheck.check("dW", values: w, analytic: dw) { GradientCheck.weightedSum(run(x, $0, b), dy) }
        GradientCheck.check("db", values: b, analytic: db) { GradientCheck.weightedSum(run(x, w, $0), dy) }
    }

    func testGroupedLinear() {
        let rows = 3, inDim = 6, outDim = 9, groups = 3
        let x = GradientCheck.random(rows * inDim, seed: 5)
        let w = GradientCheck.random(groups * (inDim / groups) * (outDim / groups), seed: 6)
        let b = GradientCheck.random(outDim, seed: 7), dy = GradientCheck.random(rows * outDim, seed: 8)
        func run(_ x: [Float], _ w: [Float], _ b: [Float]) -> [Float] {
            var y = [Float](repeating: 0, count: rows * outDim)
            GroupedLinear.forward(x: x, rows: rows, inDim: inDim, outDim: outDim, groups: groups, weight: w, bias: b, y: &y)
            return y
        }
        var dx = [Float](repeating: 0, count: x.count), dw = [Float](repeating: 0, count: w.count)
        var db = [Float](repeating: 0, count: b.count)
        GroupedLinear.backward(dy: dy, x: x, rows: rows, inDim: inDim, outDim: outDim, groups: groups,
                               weight: w, dWeight: &dw, dBias: &db, dx: &dx)
        GradientCheck.check("dx", values: x, analytic: dx) { GradientCheck.weightedSum(run($0, w, b), dy) }
        GradientCheck.check("dW", values: w, analytic: dw) { GradientCheck.weightedSum(run(x, $0, b), dy) }
        GradientCheck.check("db", values: b, analytic: db) { GradientCheck.weightedSum(run(x, w, $0), dy) }
    }

    func testLayerNorm() {
        let rows = 4, width = 5
        let x = GradientCheck.random(rows * width, seed: 9, scale: 2)
        let w = GradientCheck.random(width, seed: 10).map { $0 + 1 }, b = GradientCheck.random(width, seed: 11)
        let dy = GradientCheck.random(rows * width, seed: 12)
        func run(_ x: [Float], _ w: [Float], _ b: [Float]) -> (y: [Float], hat: [Float], rstd: [Float]) {
            var hat = x, y = x, rstd = [Float](repeating: 0, count: rows)
            LayerNorm.forward(xToNormalised: &hat, rows: rows, width: width, weight: w, bias: b, rstd: &rstd, y: &y)
            return (y, hat, rstd)
        }
        let f = run(x, w, b)
        var g = dy, dw = [Float](repeating: 0, count: width), db = [Float](repeating: 0, count: width)
        LayerNorm.backward(dyToDx: &g, normalised: f.hat, rstd: f.rstd, rows: rows, width: width, weight: w, dWeight: &dw, dBias: &db)
        GradientCheck.check("dx", values: x, analytic: g) { GradientCheck.weightedSum(run($0, w, b).y, dy) }
        GradientCheck.check("dW", values: w, analytic: dw) { GradientCheck.weightedSum(run(x, $0, b).y, dy) }
        GradientCheck.check("db", values: b, analytic: db) { GradientCheck.weightedSum(run(x, w, $0).y, dy) }
    }

    /// The one-pass moments about the row's first value against a two-pass Double
    /// reference, on every width path of the row kernel (16 at a time, 8, the tail) and
    /// on rows far from 0, where the same formula about 0 would cancel to noise.
    func testLayerNormForwardMatchesDoubleReference() {
        for width in [1, 5, 8, 13, 16, 29, 64] {
            for offset: Float in [0, 1000] {
                let rows = 3
                let x = GradientCheck.random(rows * width, seed: 29 + UInt64(width), scale: 2).map { $0 + offset }
                let w = GradientCheck.random(width, seed: 30).map { $0 + 1 }, b = GradientCheck.random(width, seed: 31)
                var hat = x, y = x, rstd = [Float](repeating: 0, count: rows)
                LayerNorm.forward(x: x, normalised: &hat, rows: rows, width: width, weight: w, bias: b, rstd: &rstd, y: &y)
                for r in 0..<rows {
                    let row = x[(r * width)..<((r + 1) * width)].map(Double.init)
                    let mean = row.reduce(0, +) / Double(width)
                    let variance = row.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(width)
                    let s = 1 / (variance + Double(LayerNorm.eps)).squareRoot()
                    XCTAssertEqual(Double(rstd[r]), s, accuracy: 1e-5 * s, "width \(width), offset \(offset)")
                    // A float mean near 1000 is itself off by up to half an ulp (3e-5).
                    let tolerance = 1e-5 + Double(offset.ulp) * s
                    for j in 0..<width {
                        let h = (row[j] - mean) * s
                        XCTAssertEqual(Double(hat[r * width + j]), h, accuracy: tolerance, "width \(width), offset \(offset)")
                        XCTAssertEqual(Double(y[r * width + j]), h * Double(w[j]) + Double(b[j]), accuracy: 2 * tolerance,
                                       "width \(width), offset \(offset)")
                    }
                }
            }
        }
    }

    func testDegreeEnhancement() {
        let rows = 4, width = 3
        let degree: [Float] = [0, 1, 3, 2]
        let x = GradientCheck.random(rows * width, seed: 13), w = GradientCheck.random(width, seed: 14)
        let b = GradientCheck.random(width, seed: 15), dy = GradientCheck.random(rows * width, seed: 16)
        func run(_ x: [Float], _ w: [Float], _ b: [Float]) -> (y: [Float], gate: [Float]) {
            var gate = x, y = x
            DegreeEnhancement.forward(x: x, degree: degree, rows: rows, width: width, weight: w, bias: b, gate: &gate, y: &y)
            return (y, gate)
        }
        var dx = x, dw = [Float](repeating: 0, count: width), db = dw
        DegreeEnhancement.backward(dy: dy, x: x, gate: run(x, w, b).gate, degree: degree, rows: rows, width: width,
                                   dWeight: &dw, dBias: &db, dx: &dx)
        GradientCheck.check("dx", values: x, analytic: dx) { GradientCheck.weightedSum(run($0, w, b).y, dy) }
        GradientCheck.check("dW", values: w, analytic: dw) { GradientCheck.weightedSum(run(x, $0, b).y, dy) }
        GradientCheck.check("db", values: b, analytic: db) { GradientCheck.weightedSum(run(x, w, $0).y, dy) }
    }

    /// Three graphs in one batch: a single node, one with an isolated node, and one built
    /// from a multi-edge list (duplicates and a self loop, removed by TokenGraph).
    func testGraphAttentionOnPackedGraphs() throws {
        let width = 3
        let graphs = [
            TokenGraph(nodeCount: 1, tokenDim: width, tokens: GradientCheck.random(3, seed: 17), edges: [], staticFeatures: []),
            TokenGraph(nodeCount: 3, tokenDim: width, tokens: GradientCheck.random(9, seed: 18), edges: [.init(0, 1)], staticFeatures: []),
            TokenGraph(nodeCount: 4, tokenDim: width, tokens: GradientCheck.random(12, seed: 19),
                       edges: [.init(0, 1), .init(1, 0), .init(0, 1), .init(2, 2), .init(1, 2), .init(2, 3), .init(0, 3)],
                       staticFeatures: []),
        ]
        XCTAssertEqual(graphs[2].edges, [.init(0, 1), .init(0, 3), .init(1, 2), .init(2, 3)])
        var batch = PackedBatch()
        let config = ModelConfig(kind: .accuracy, inDim: width, hidden: 4, layers: 1, groups: 1, ffnRatio: 1,
                                 fcHidden: 2, staticDim: 0)
        try batch.pack(graphs, config: config)
        let rows = batch.nodeCount, edges = batch.directedEdgeCount
        XCTAssertEqual(rows, 8)
        XCTAssertEqual(edges, 10)
        let x = graphs.flatMap(\.tokens)
        // q in (0, 1) like the sigmoid output it is in the model.
        let q = GradientCheck.random(rows * width, seed: 20).map { 0.5 + 0.4 * $0 }
        let dm = GradientCheck.random(rows * width, seed: 21)
        func run(_ q: [Float], _ x: [Float]) -> (m: [Float], score: [Float], rowScale: [Float]) {
            var score = [Float](repeating: 0, count: edges), rowScale = [Float](repeating: 0, count: rows)
            var m = [Float](repeating: 0, count: rows * width)
            GraphAttention.forward(q: q, x: x, graph: batch.adjacency, rows: rows, width: width,
                                   score: &score, rowScale: &rowScale, m: &m)
            return (m, score, rowScale)
        }
        let f = run(q, x)
        // No neighbour, no message: the single node and the isolated node get zeros.
        XCTAssertEqual(Array(f.m[0..<3]), [0, 0, 0])
        XCTAssertEqual(Array(f.m[9..<12]), [0, 0, 0])
        var dx = [Float](repeating: 0, count: rows * width), dq = dx, scratch = [Float](repeating: 0, count: edges)
        GraphAttention.backward(dm: dm, q: q, x: x, graph: batch.adjacency, rows: rows, width: width,
                                score: f.score, rowScale: f.rowScale, edgeScratch: &scratch, dx: &dx, dq: &dq)
        GradientCheck.check("dq", values: q, analytic: dq) { GradientCheck.weightedSum(run($0, x).m, dm) }
        GradientCheck.check("dx", values: x, analytic: dx) { GradientCheck.weightedSum(run(q, $0).m, dm) }
    }

    func testL2Normalize() {
        let rows = 3, width = 4
        var x = GradientCheck.random(rows * width, seed: 22)
        for j in 0..<width { x[2 * width + j] = 0 }  // an all-zero row takes the clamped path
        let dy = GradientCheck.random(rows * width, seed: 23)
        func run(_ x: [Float]) -> (y: [Float], inv: [Float]) {
            var y = x, inv = [Float](repeating: 0, count: rows)
            L2Normalize.forward(x: x, rows: rows, width: width, inverseNorm: &inv, y: &y)
            return (y, inv)
        }
        let f = run(x)
        var g = dy
        L2Normalize.backward(dyToDx: &g, output: f.y, inverseNorm: f.inv, rows: rows, width: width)
        // Finite differences only on the rows of ordinary norm; the clamped row is linear
        // with slope 1e12, checked directly.
        GradientCheck.check("dx", values: Array(x[0..<(2 * width)]), analytic: Array(g[0..<(2 * width)])) {
            GradientCheck.weightedSum(run($0 + Array(x[(2 * width)...])).y, dy)
        }
        for j in 0..<width { XCTAssertEqual(g[2 * width + j], dy[2 * width + j] * 1e12, accuracy: abs(dy[2 * width + j]) * 1e6) }
    }

    func testPointwiseLayers() {
        let count = 12
        let x = GradientCheck.random(count, seed: 24, scale: 3), dy = GradientCheck.random(count, seed: 25)
        func relu(_ x: [Float]) -> [Float] { var y = x; Elementwise.relu(&y, count: count); return y }
        func sigmoid(_ x: [Float]) -> [Float] { var y = x; Elementwise.sigmoid(&y, count: count); return y }
        var g = dy
        Elementwise.reluBackward(&g, output: relu(x), count: count)
        GradientCheck.check("relu", values: x, analytic: g) { GradientCheck.weightedSum(relu($0), dy) }
        g = dy
        Elementwise.sigmoidBackward(&g, output: sigmoid(x), count: count)
        GradientCheck.check("sigmoid", values: x, analytic: g) { GradientCheck.weightedSum(sigmoid($0), dy) }
        let head = x.map { dy[0] * Elementwise.negativeLogSigmoidDerivative($0) }
        GradientCheck.check("-logsigmoid", values: x, analytic: head) { v in
            v.reduce(0) { $0 + Double(dy[0]) * Double(Elementwise.negativeLogSigmoid($1)) } / 1
        }
        // Stable far out: softplus(-z) for large |z|.
        XCTAssertEqual(Elementwise.negativeLogSigmoid(-100), 100, accuracy: 1e-4)
        XCTAssertEqual(Elementwise.negativeLogSigmoid(100), 0, accuracy: 1e-30)
        XCTAssertGreaterThan(Elementwise.negativeLogSigmoid(30), 0)
    }

    func testDropoutBackwardUsesTheSameMask() {
        var rng = SplitMix64(seed: 26)
        var x = [Float](repeating: 1, count: 1000), mask = x
        Elementwise.dropout(&x, mask: &mask, count: 1000, rate: 0.25, rng: &rng)
        XCTAssertEqual(x, mask)
        let dropped = mask.filter { $0 == 0 }.count
        XCTAssertTrue((200...300).contains(dropped), "\(dropped) of 1000 dropped at rate 0.25")
        XCTAssertTrue(mask.allSatisfy { $0 == 0 || abs($0 - 1 / 0.75) < 1e-6 })
        var g = [Float](repeating: 2, count: 1000)
        Elementwise.multiply(&g, by: mask, count: 1000)
        XCTAssertEqual(g, mask.map { 2 * $0 })
    }

    func testSegmentReadouts() {
        let width = 2, offsets = [0, 1, 4]
        let x = GradientCheck.random(4 * width, seed: 27), dy = GradientCheck.random(2 * width, seed: 28)
        for mean in [false, true] {
            func run(_ x: [Float]) -> [Float] {
                var y = [Float](repeating: 0, count: 2 * width)
                SegmentReadout.forward(x: x, width: width, offsets: offsets, mean: mean, y: &y, rowStride: width)
                return y
            }
            var dx = [Float](repeating: 0, count: x.count)
            SegmentReadout.backward(dy: dy, rowStride: width, width: width, offsets: offsets, mean: mean, dx: &dx)
            GradientCheck.check(mean ? "mean" : "sum", values: x, analytic: dx) { GradientCheck.weightedSum(run($0), dy) }
        }
    }

    func testLossGradients() {
        let p: [Float] = [1.2, 0.7, 2.5, 0.9], y: [Float] = [1.0, 1.1, 2.0, 0.5]
        let pairing = [2, 0, 3, 1]
        var g = [Float](repeating: 0, count: 4)
        _ = Losses.relativeSquared(predictions: p, targets: y, weight: 1, gradient: &g)
        GradientCheck.check("relative", values: p, analytic: g) { v in
            var s = [Float](repeating: 0, count: 4)
            return Double(Losses.relativeSquared(predictions: v, targets: y, weight: 1, gradient: &s))
        }
        g = [Float](repeating: 0, count: 4)
        _ = Losses.pairwiseRank(predictions: p, targets: y, pairing: pairing, weight: 1, gradient: &g)
        GradientCheck.check("rank", values: p, analytic: g) { v in
            var s = [Float](repeating: 0, count: 4)
            return Double(Losses.pairwiseRank(predictions: v, targets: y, pairing: pairing, weight: 1, gradient: &s))
        }
        g = [Float](repeating: 0, count: 4)
        _ = Losses.augmentationConsistency(predictions: p, count: 2, offset: 2, weight: 1, gradient: &g)
        GradientCheck.check("consistency", values: p, analytic: g) { v in
            var s = [Float](repeating: 0, count: 4)
            return Double(Losses.augmentationConsistency(predictions: v, count: 2, offset: 2, weight: 1, gradient: &s))
        }
    }
}

import Engine
@testable import Lab
import XCTest

/// The cost models of the latency ablation on synthetic networks whose latency is known.
final class LatencyAblationTests: XCTestCase {
    /// Networks of two op types with different rates: latency = sum over nodes of
    /// a_k FLOPs + b_k bytes + c_k. The kernel sum recovers it (log error near 0, also on
    /// networks it did not see); a single roofline cannot.
    func testKernelSumRecoversPerTypeRates() throws {
        var rng = SplitMix64(seed: 1)
        let rates: [[Double]] = [[2e-6, 1e-5, 0.01], [5e-7, 4e-5, 0.03]]
        func network() -> LatencyAblation.Network {
            var perType = [Double](repeating: 0, count: 3 * LatencyAblation.types)
            var latency = 0.0, flops = 0.0, bytes = 0.0, nodes = 0.0
            for _ in 0..<(3 + Int(rng.next() % 20)) {
                let k = Int(rng.next() % 2)
                let f = 1e4 * Double(1 + rng.next() % 1000), m = 1e3 * Double(1 + rng.next() % 1000)
                perType[3 * k] += f; perType[3 * k + 1] += m; perType[3 * k + 2] += 1
                latency += rates[k][0] * f + rates[k][1] * m + rates[k][2]
                flops += f; bytes += m; nodes += 1
            }
            return LatencyAblation.Network(latency: latency, family: "f", costs: NetworkCostSummary(flops: flops, params: 0, memoryAccess: bytes),
                                           roofline: [flops, bytes, nodes], perType: perType)
        }
        let train = (0..<120).map { _ in network() }, test = (0..<40).map { _ in network() }
        func mape(_ predictor: String) throws -> Double {
            let p = try LatencyAblation.predict(predictor, train: train, test: test)
            return zip(p, test).map { abs($0 - $1.latency) / $1.latency }.reduce(0, +) / Double(test.count)
        }
        let kernelSum = try mape("kernel-sum"), roofline = try mape("roofline")
        XCTAssertLessThan(kernelSum, 0.01, "kernel sum on exactly per-type-additive latencies")
        XCTAssertGreaterThan(roofline, 3 * kernelSum, "one set of rates cannot fit two op types")
        XCTAssertThrowsError(try LatencyAblation.predict("no-such-model", train: train, test: test))
    }
}

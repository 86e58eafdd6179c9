import CBLAS
import Dispatch

/// C[2400x512] = A[2400x512] B[512x512], timed in slices between model batches.
public final class SgemmRate {
    public let m = 2400, n = 512, k = 512
    public var a: [Float], b: [Float], c: [Float]
    private var seconds = 0.0, calls = 0

    public init() {
        var rng = SplitMix64(seed: 7)
        a = (0..<(m * k)).map { _ in rng.nextSymmetric(1) }
        b = (0..<(k * n)).map { _ in rng.nextSymmetric(1) }
        c = [Float](repeating: 0, count: m * n)
        once()
    }

    private func once() {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k), 1, a, Int32(k), b, Int32(n),
                    0, &c, Int32(n))
    }

    /// At least one sgemm, then more until about `target` seconds were spent.
    public func run(forAbout target: Double) {
        var spent = 0.0
        repeat {
            let start = DispatchTime.now().uptimeNanoseconds
            once()
            spent += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            calls += 1
        } while spent < target
        seconds += spent
    }

    /// GFLOP/s over every timed call.
    public var rate: Double { 2 * Double(m * n * k) * Double(calls) / max(seconds, 1e-9) / 1e9 }
}

// A probe, not part of the product: does a GEMM over weights packed once (no per-call
// packing, which OpenBLAS does on every call) beat OpenBLAS on the inference calls of
// the paper-config model? One graph's calls (2 blocks: q, agg, root; the grouped
// feed-forward's up and down per group in 192-row chunks) for 200 graphs of 40-320 nodes,
// an 8 MB sweep before each, OpenBLAS against a 6x16 SIMD16 micro-kernel, interleaved,
// each as a share of OpenBLAS's 2400x512x512 rate in the same round.
//
//   swiftc -O -target-cpu haswell tools/probes/prepacked-gemm.swift -lopenblas -o /tmp/prepacked-gemm
//   OPENBLAS_NUM_THREADS=1 OPENBLAS_CORETYPE=Haswell nice -n -10 taskset -c 1 /tmp/prepacked-gemm
//
// Result and machine: docs/performance.md, "A GEMM over pre-packed weights".
import Foundation
#if canImport(Glibc)
import Glibc
#endif

@_silgen_name("cblas_sgemm")
func cblas_sgemm_raw(_ order: Int32, _ ta: Int32, _ tb: Int32, _ m: Int32, _ n: Int32, _ k: Int32, _ alpha: Float,
                     _ a: UnsafePointer<Float>, _ lda: Int32, _ b: UnsafePointer<Float>, _ ldb: Int32, _ beta: Float,
                     _ c: UnsafeMutablePointer<Float>, _ ldc: Int32)

struct Packed {
    let k: Int, n: Int
    let data: UnsafeMutablePointer<Float>
    /// W is k x n row-major (transposed: n x k row-major, i.e. the [out, in] layout).
    init(_ w: UnsafePointer<Float>, k: Int, n: Int, transposed: Bool) {
        self.k = k; self.n = n
        let panels = (n + 15) / 16
        data = .allocate(capacity: panels * k * 16)
        data.initialize(repeating: 0, count: panels * k * 16)
        for p in 0..<panels { for kk in 0..<k { for j in 0..<16 where p * 16 + j < n {
            data[(p * k + kk) * 16 + j] = transposed ? w[(p * 16 + j) * k + kk] : w[kk * n + p * 16 + j]
        } } }
    }
}

@inline(__always)
func kernel6(_ a: UnsafePointer<Float>, lda: Int, _ panel: UnsafePointer<Float>, k: Int,
             _ c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int, cols: Int, accumulate: Bool) {
    var c0 = SIMD16<Float>(), c1 = SIMD16<Float>(), c2 = SIMD16<Float>(), c3 = SIMD16<Float>(), c4 = SIMD16<Float>(), c5 = SIMD16<Float>()
    let a0 = a, a1 = a + lda, a2 = a + 2 * lda, a3 = a + 3 * lda, a4 = a + 4 * lda, a5 = a + 5 * lda
    var w = panel
    for kk in 0..<k {
        let v = UnsafeRawPointer(w).loadUnaligned(as: SIMD16<Float>.self)
        c0.addProduct(SIMD16(repeating: a0[kk]), v)
        c1.addProduct(SIMD16(repeating: a1[kk]), v)
        c2.addProduct(SIMD16(repeating: a2[kk]), v)
        c3.addProduct(SIMD16(repeating: a3[kk]), v)
        c4.addProduct(SIMD16(repeating: a4[kk]), v)
        c5.addProduct(SIMD16(repeating: a5[kk]), v)
        w += 16
    }
    @inline(__always) func put(_ v: SIMD16<Float>, _ r: Int) {
        guard r < rows else { return }
        let row = c + r * ldc
        if cols == 16 {
            var v = v
            if accumulate { v += UnsafeRawPointer(row).loadUnaligned(as: SIMD16<Float>.self) }
            UnsafeMutableRawPointer(row).storeBytes(of: v, as: SIMD16<Float>.self)
        } else {
            for j in 0..<cols { row[j] = accumulate ? row[j] + v[j] : v[j] }
        }
    }
    put(c0, 0); put(c1, 1); put(c2, 2); put(c3, 3); put(c4, 4); put(c5, 5)
}

/// C (m x n, ldc) (+)= A (m x k, lda) W.
@inline(never)
func gemmPacked(m: Int, a: UnsafePointer<Float>, lda: Int, _ w: Packed, c: UnsafeMutablePointer<Float>, ldc: Int,
                accumulate: Bool, scratch: UnsafeMutablePointer<Float>) {
    let k = w.k, n = w.n, panels = (n + 15) / 16
    var i0 = 0
    while i0 < m {
        let mm = min(192, m - i0)
        for p in 0..<panels {
            let panel = w.data + p * k * 16, cols = min(16, n - p * 16)
            var i = i0
            while i + 6 <= i0 + mm {
                kernel6(a + i * lda, lda: lda, panel, k: k, c + i * ldc + p * 16, ldc: ldc, rows: 6, cols: cols, accumulate: accumulate); i += 6
            }
            if i < i0 + mm {
                let rows = i0 + mm - i
                for r in 0..<6 { for kk in 0..<k { scratch[r * k + kk] = r < rows ? a[(i + r) * lda + kk] : 0 } }
                kernel6(scratch, lda: k, panel, k: k, c + i * ldc + p * 16, ldc: ldc, rows: rows, cols: cols, accumulate: accumulate)
            }
        }
        i0 += mm
    }
}

func now() -> Double { var t = timespec(); clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t); return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9 }
func rnd(_ n: Int) -> UnsafeMutablePointer<Float> { let p = UnsafeMutablePointer<Float>.allocate(capacity: n); for i in 0..<n { p[i] = Float.random(in: -0.1...0.1) }; return p }

// Model: block 1 din 152, block 2 din 512; hidden 512, groups 8, up 64->256.
struct Block { let din: Int; let q, agg, root: UnsafeMutablePointer<Float>; let up, down: UnsafeMutablePointer<Float>
    let pq, pagg, proot: Packed; let pup: [Packed]; let pdown: [Packed] }
let d = 512, g = 8, gi = 64, go = 256
let blocks = [152, 512].map { din -> Block in
    let q = rnd(din * din), agg = rnd(d * din), root = rnd(d * din), up = rnd(g * gi * go), down = rnd(g * go * gi)
    return Block(din: din, q: q, agg: agg, root: root, up: up, down: down,
                 pq: Packed(q, k: din, n: din, transposed: true), pagg: Packed(agg, k: din, n: d, transposed: true),
                 proot: Packed(root, k: din, n: d, transposed: true),
                 pup: (0..<g).map { Packed(up + $0 * gi * go, k: gi, n: go, transposed: false) },
                 pdown: (0..<g).map { Packed(down + $0 * go * gi, k: go, n: gi, transposed: false) })
}
let maxN = 320
let x = rnd(maxN * 512), qo = rnd(maxN * 512), pre = rnd(maxN * 512), ch = rnd(192 * 256), dn = rnd(maxN * 512), scratch = rnd(6 * 512)
let sweep = rnd(2 << 20)

func seqBLAS(_ n: Int) {
    for b in blocks {
        cblas_sgemm_raw(101, 111, 112, Int32(n), Int32(b.din), Int32(b.din), 1, x, Int32(b.din), b.q, Int32(b.din), 0, qo, Int32(b.din))
        cblas_sgemm_raw(101, 111, 112, Int32(n), Int32(d), Int32(b.din), 1, qo, Int32(b.din), b.agg, Int32(b.din), 0, pre, Int32(d))
        cblas_sgemm_raw(101, 111, 112, Int32(n), Int32(d), Int32(b.din), 1, x, Int32(b.din), b.root, Int32(b.din), 1, pre, Int32(d))
        for k in 0..<g { for first in stride(from: 0, to: n, by: 192) { let rows = min(192, n - first)
            cblas_sgemm_raw(101, 111, 111, Int32(rows), Int32(go), Int32(gi), 1, pre + first * d + k * gi, Int32(d), b.up + k * gi * go, Int32(go), 0, ch, Int32(go))
            cblas_sgemm_raw(101, 111, 111, Int32(rows), Int32(gi), Int32(go), 1, ch, Int32(go), b.down + k * go * gi, Int32(gi), 0, dn + first * d + k * gi, Int32(d))
        } }
    }
}
func seqOwn(_ n: Int) {
    for b in blocks {
        gemmPacked(m: n, a: x, lda: b.din, b.pq, c: qo, ldc: b.din, accumulate: false, scratch: scratch)
        gemmPacked(m: n, a: qo, lda: b.din, b.pagg, c: pre, ldc: d, accumulate: false, scratch: scratch)
        gemmPacked(m: n, a: x, lda: b.din, b.proot, c: pre, ldc: d, accumulate: true, scratch: scratch)
        for k in 0..<g { for first in stride(from: 0, to: n, by: 192) { let rows = min(192, n - first)
            gemmPacked(m: rows, a: pre + first * d + k * gi, lda: d, b.pup[k], c: ch, ldc: go, accumulate: false, scratch: scratch)
            gemmPacked(m: rows, a: ch, lda: go, b.pdown[k], c: dn + first * d + k * gi, ldc: d, accumulate: false, scratch: scratch)
        } }
    }
}
// correctness on one size
for n in [7, 191] {
    seqBLAS(n); let refPre = Array(UnsafeBufferPointer(start: pre, count: n * d)), refDn = Array(UnsafeBufferPointer(start: dn, count: n * d))
    seqOwn(n); var e1: Float = 0, e2: Float = 0
    for i in 0..<(n * d) { e1 = max(e1, abs(pre[i] - refPre[i])); e2 = max(e2, abs(dn[i] - refDn[i])) }
    print("n=\(n) maxdiff pre \(e1) down \(e2)")
}
func flops(_ n: Int) -> Double { blocks.reduce(0.0) { $0 + 2.0 * Double(n) * Double($1.din * $1.din + 2 * d * $1.din + 2 * g * gi * go) } }
var rng = SystemRandomNumberGenerator()
let sizes = (0..<200).map { _ in 40 + Int(280 * pow(Double.random(in: 0..<1, using: &rng), 0.85)) }
let totalFlops = sizes.reduce(0.0) { $0 + flops($1) }
func sweepCache() { var s: Float = 0; for i in stride(from: 0, to: 2 << 20, by: 16) { s += sweep[i] }; if s == 12345 { print(s) } }
let big = 2400, ba = rnd(big * 512), bb = rnd(512 * 512), bc = rnd(big * 512)
for round in 0..<5 {
    var t = now(); for _ in 0..<3 { cblas_sgemm_raw(101, 111, 111, Int32(big), 512, 512, 1, ba, 512, bb, 512, 0, bc, 512) }
    let sg = 3 * 2.0 * Double(big * 512 * 512) / (now() - t) / 1e9
    var tb = 0.0, to = 0.0
    for n in sizes { sweepCache(); t = now(); seqBLAS(n); tb += now() - t }
    for n in sizes { sweepCache(); t = now(); seqOwn(n); to += now() - t }
    print(String(format: "round %d: sgemm2400 %.1f GFLOP/s; model GEMMs openblas %.1f (%.0f%%), own packed %.1f (%.0f%%)", round, sg,
                 totalFlops / tb / 1e9, 100 * totalFlops / tb / 1e9 / sg, totalFlops / to / 1e9, 100 * totalFlops / to / 1e9 / sg))
}

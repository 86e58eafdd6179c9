// A probe, not part of the product: does oneDNN's `dnnl_sgemm` (JIT kernels chosen from the
// CPU's features at run time) beat OpenBLAS on the inference GEMM calls of the paper-config
// model? The call sequence of tools/probes/blis-vs-openblas.swift, with the feed-forward's
// row chunk as the engine picks it (CHUNK: 48 with OpenBLAS's AVX-512 kernel sets, 192 with
// the others), both libraries linked, interleaved per graph, each as a share of OpenBLAS's
// 2400x512x512 rate in the same round. Needs Debian's libdnnl-dev (oneDNN 2.6, OpenMP
// runtime: one thread with OMP_NUM_THREADS=1).
//
//   swiftc -O -target-cpu skylake-avx512 tools/probes/dnnl-vs-openblas.swift -lopenblas -ldnnl -o /tmp/dnnl-vs-openblas
//   OPENBLAS_CORETYPE=Cooperlake OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 CHUNK=48 nice -n -10 taskset -c 1 /tmp/dnnl-vs-openblas
//   OPENBLAS_CORETYPE=Haswell ONEDNN_MAX_CPU_ISA=AVX2 OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 CHUNK=192 nice -n -10 taskset -c 1 /tmp/dnnl-vs-openblas
//
// Result and machine: docs/performance.md, "oneDNN instead of OpenBLAS".
import Foundation
import Glibc

@_silgen_name("cblas_sgemm")
func cblas_sgemm_raw(_ order: Int32, _ ta: Int32, _ tb: Int32, _ m: Int32, _ n: Int32, _ k: Int32, _ alpha: Float,
                     _ a: UnsafePointer<Float>, _ lda: Int32, _ b: UnsafePointer<Float>, _ ldb: Int32, _ beta: Float,
                     _ c: UnsafeMutablePointer<Float>, _ ldc: Int32)
@_silgen_name("openblas_get_corename") func openblas_get_corename() -> UnsafePointer<CChar>
@_silgen_name("dnnl_sgemm") func dnnl_sgemm_raw(_ ta: CChar, _ tb: CChar, _ m: Int64, _ n: Int64, _ k: Int64, _ alpha: Float,
    _ a: UnsafePointer<Float>, _ lda: Int64, _ b: UnsafePointer<Float>, _ ldb: Int64, _ beta: Float,
    _ c: UnsafeMutablePointer<Float>, _ ldc: Int64) -> Int32
@_silgen_name("dnnl_get_effective_cpu_isa") func dnnl_get_effective_cpu_isa() -> Int32
typealias Sgemm = (Int32, Int32, Int32, Int32, Int32, Int32, Float, UnsafePointer<Float>, Int32,
                                  UnsafePointer<Float>, Int32, Float, UnsafeMutablePointer<Float>, Int32) -> Void
// dnnl_sgemm is row-major and takes 'N' (78) or 'T' (84); CBLAS's 112 is CblasTrans.
let dnnl: Sgemm = { _, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc in
    _ = dnnl_sgemm_raw(ta == 112 ? 84 : 78, tb == 112 ? 84 : 78, Int64(m), Int64(n), Int64(k), alpha, a, Int64(lda), b, Int64(ldb), beta, c, Int64(ldc))
}
// dnnl_cpu_isa_t: 0x7 AVX2, 0xe7 AVX-512 with BF16 (what a Zen 4/5 reports).
print("OpenBLAS core \(String(cString: openblas_get_corename())), dnnl isa 0x\(String(dnnl_get_effective_cpu_isa(), radix: 16))")
let chunk = min(192, max(1, Int(ProcessInfo.processInfo.environment["CHUNK"] ?? "48") ?? 48))
func now() -> Double { var t = timespec(); clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t); return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9 }
func rnd(_ n: Int) -> UnsafeMutablePointer<Float> { let p = UnsafeMutablePointer<Float>.allocate(capacity: n); for i in 0..<n { p[i] = Float.random(in: -0.1...0.1) }; return p }
struct Block { let din: Int; let q, agg, root, up, down: UnsafeMutablePointer<Float> }
let d = 512, g = 8, gi = 64, go = 256
let blocks = [152, 512].map { din in Block(din: din, q: rnd(din * din), agg: rnd(d * din), root: rnd(d * din), up: rnd(g * gi * go), down: rnd(g * go * gi)) }
let maxN = 320
let x = rnd(maxN * 512), qo = rnd(maxN * 512), pre = rnd(maxN * 512), ch = rnd(192 * 256), dn = rnd(maxN * 512)
let sweep = rnd(2 << 20)
func seq(_ n: Int, _ f: Sgemm) {
    for b in blocks {
        f(101, 111, 112, Int32(n), Int32(b.din), Int32(b.din), 1, x, Int32(b.din), b.q, Int32(b.din), 0, qo, Int32(b.din))
        f(101, 111, 112, Int32(n), Int32(d), Int32(b.din), 1, qo, Int32(b.din), b.agg, Int32(b.din), 0, pre, Int32(d))
        f(101, 111, 112, Int32(n), Int32(d), Int32(b.din), 1, x, Int32(b.din), b.root, Int32(b.din), 1, pre, Int32(d))
        for k in 0..<g { for first in stride(from: 0, to: n, by: chunk) { let rows = min(chunk, n - first)
            f(101, 111, 111, Int32(rows), Int32(go), Int32(gi), 1, pre + first * d + k * gi, Int32(d), b.up + k * gi * go, Int32(go), 0, ch, Int32(go))
            f(101, 111, 111, Int32(rows), Int32(gi), Int32(go), 1, ch, Int32(go), b.down + k * go * gi, Int32(gi), 0, dn + first * d + k * gi, Int32(d))
        } }
    }
}
let openblas: Sgemm = { cblas_sgemm_raw($0, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) }
for n in [7, 191] {
    seq(n, openblas); let r1 = Array(UnsafeBufferPointer(start: pre, count: n * d)), r2 = Array(UnsafeBufferPointer(start: dn, count: n * d))
    seq(n, dnnl); var e1: Float = 0, e2: Float = 0
    for i in 0..<(n * d) { e1 = max(e1, abs(pre[i] - r1[i])); e2 = max(e2, abs(dn[i] - r2[i])) }
    print("n=\(n) maxdiff pre \(e1) down \(e2)")
}
func flops(_ n: Int) -> Double { blocks.reduce(0.0) { $0 + 2.0 * Double(n) * Double($1.din * $1.din + 2 * d * $1.din + 2 * g * gi * go) } }
let sizes = (0..<200).map { _ in 40 + Int(280 * pow(Double.random(in: 0..<1), 0.85)) }
let totalFlops = sizes.reduce(0.0) { $0 + flops($1) }
func sweepCache() { var s: Float = 0; for i in stride(from: 0, to: 2 << 20, by: 16) { s += sweep[i] }; if s == 12345 { print(s) } }
let big = 2400, ba = rnd(big * 512), bb = rnd(512 * 512), bc = rnd(big * 512)
for round in 0..<5 {
    var t = now(); for _ in 0..<3 { openblas(101, 111, 111, Int32(big), 512, 512, 1, ba, 512, bb, 512, 0, bc, 512) }
    let sg = 3 * 2.0 * Double(big * 512 * 512) / (now() - t) / 1e9
    t = now(); for _ in 0..<3 { dnnl(101, 111, 111, Int32(big), 512, 512, 1, ba, 512, bb, 512, 0, bc, 512) }
    let sgBlis = 3 * 2.0 * Double(big * 512 * 512) / (now() - t) / 1e9
    var tb = 0.0, tl = 0.0
    for n in sizes { sweepCache(); t = now(); seq(n, openblas); tb += now() - t; sweepCache(); t = now(); seq(n, dnnl); tl += now() - t }
    print(String(format: "round %d: sgemm2400 openblas %.1f, dnnl %.1f GFLOP/s; model GEMMs openblas %.1f (%.0f%%), dnnl %.1f (%.0f%%)", round, sg, sgBlis,
                 totalFlops / tb / 1e9, 100 * totalFlops / tb / 1e9 / sg, totalFlops / tl / 1e9, 100 * totalFlops / tl / 1e9 / sg))
}

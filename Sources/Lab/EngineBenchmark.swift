import CBLAS
import Engine
import Foundation

/// What `narformer bench engine` measures, in one run on one machine.
public struct EngineBenchmarkReport: Codable, Sendable {
    public var threads: Int
    public var config: ModelConfig
    /// GFLOP/s of a 2400x512x512 sgemm, run interleaved with the model batches.
    public var sgemmGFLOPS: Double
    public var trainingGraphsPerSecond: Double
    public var trainingGFLOPS: Double
    public var inferenceBatch1GraphsPerSecond: Double
    public var inferenceBatch1GFLOPS: Double
    public var inferenceBatch16GraphsPerSecond: Double
    public var inferenceBatch16GFLOPS: Double
    public var meanNodes: Double
    public var meanDirectedEdges: Double
    /// The OpenBLAS kernel set the run used and how it was chosen.
    public var blas: BLASKernelSelection
    /// The PyTorch implementation on the same thread count, when asked for.
    public var peer: PeerComparison?

    /// Achieved GFLOP/s as a share of the sgemm rate.
    public var trainingShare: Double
    public var inferenceBatch1Share: Double
    public var inferenceBatch16Share: Double
}

/// Throughput of the engine on synthetic graphs of NNLQP-like sizes (40 to 320 nodes,
/// mean about 190, a chain plus about N/6 extra edges, 152-dim tokens).
public enum EngineBenchmark {
    /// `seconds` is the model time spent on each of the three measurements; the sgemm
    /// reference runs interleaved with them for about as long again. `peer`: a python
    /// interpreter and `reference_model.py`, run once before and once after the engine's
    /// measurements on the same thread count (`PeerBenchmark`).
    public static func run(config: ModelConfig = .paperLatency, threads: Int, seconds: Double,
                           peer: (python: String, script: String)? = nil) throws -> EngineBenchmarkReport {
        BLASThreads.set(threads)
        var peerRuns: [PeerBenchmarkRun] = []
        if let peer { peerRuns.append(try PeerBenchmark.run(python: peer.python, script: peer.script, threads: threads)) }
        let graphs = syntheticGraphs(count: 256, config: config, seed: 42)
        let meanNodes = Double(graphs.map(\.nodeCount).reduce(0, +)) / Double(graphs.count)
        let meanEdges = Double(graphs.map { 2 * $0.edges.count }.reduce(0, +)) / Double(graphs.count)
        let batches16 = stride(from: 0, to: graphs.count, by: 16).map { Array(graphs[$0..<($0 + 16)]) }

        let reference = SgemmRate()
        let model = try NARFormerModel(config: config, seed: 1)
        let trainer = Trainer(model: model, options: .latency(totalSteps: 1_000_000))
        let targets = [Float](repeating: 1, count: 16)

        func flops(_ batch: [TokenGraph], training: Bool) -> Double {
            let n = batch.map(\.nodeCount).reduce(0, +), e = batch.map { 2 * $0.edges.count }.reduce(0, +)
            return training ? ModelFLOPs.training(config: config, nodes: n, directedEdges: e, graphs: batch.count)
                : ModelFLOPs.forward(config: config, nodes: n, directedEdges: e, graphs: batch.count)
        }
        /// Runs `work` over the batches in turn until `seconds` of model time have passed,
        /// with sgemm runs of about the same length interleaved, so that on a shared
        /// machine both rates see the same load. Returns (graphs/s, GFLOP/s).
        func measure(_ batches: [[TokenGraph]], training: Bool, _ work: ([TokenGraph]) throws -> Void) rethrows -> (Double, Double) {
            // Warm-up on the largest batch: the arena reaches its final size before timing.
            let nodes = batches.map { $0.map(\.nodeCount).reduce(0, +) }
            try work(batches[nodes.firstIndex(of: nodes.max() ?? 0) ?? 0])
            var done = 0, flopCount = 0.0, i = 0, elapsed = 0.0
            repeat {
                let batch = batches[i % batches.count]
                let start = DispatchTime.now().uptimeNanoseconds
                try work(batch)
                let spent = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                elapsed += spent
                done += batch.count
                flopCount += flops(batch, training: training)
                i += 1
                reference.run(forAbout: spent)
            } while elapsed < seconds
            return (Double(done) / elapsed, flopCount / elapsed / 1e9)
        }

        let training = try measure(batches16, training: true) { try trainer.step($0, targets: targets) }
        let single = try measure(graphs.map { [$0] }, training: false) { _ = try model.predict($0) }
        let batched = try measure(batches16, training: false) { _ = try model.predict($0) }
        if let peer { peerRuns.append(try PeerBenchmark.run(python: peer.python, script: peer.script, threads: threads)) }
        return EngineBenchmarkReport(
            threads: threads, config: config, sgemmGFLOPS: reference.rate,
            trainingGraphsPerSecond: training.0, trainingGFLOPS: training.1,
            inferenceBatch1GraphsPerSecond: single.0, inferenceBatch1GFLOPS: single.1,
            inferenceBatch16GraphsPerSecond: batched.0, inferenceBatch16GFLOPS: batched.1,
            meanNodes: meanNodes, meanDirectedEdges: meanEdges, blas: BLASKernels.current,
            peer: peer.map {
                PeerBenchmark.compare(python: $0.python, script: $0.script, runs: peerRuns,
                                      trainingGraphsPerSecond: training.0, inferenceBatch1GraphsPerSecond: single.0)
            },
            trainingShare: training.1 / reference.rate, inferenceBatch1Share: single.1 / reference.rate,
            inferenceBatch16Share: batched.1 / reference.rate)
    }


    /// Random graphs: N = 40 + 280 * u^0.85 nodes (mean about 191), a chain plus N/6
    /// random extra edges, uniform tokens and static vectors.
    public static func syntheticGraphs(count: Int, config: ModelConfig, seed: UInt64) -> [TokenGraph] {
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { _ in
            let n = 40 + Int(280 * pow(Double(rng.nextUnit()), 0.85))
            var edges = (0..<(n - 1)).map { UndirectedEdge($0, $0 + 1) }
            for _ in 0..<(n / 6) {
                let a = Int(rng.next() % UInt64(n)), b = Int(rng.next() % UInt64(n))
                edges.append(UndirectedEdge(a, b))
            }
            let tokens = (0..<(n * config.inDim)).map { _ in rng.nextUnit() }
            let statics = (0..<(config.kind == .latency ? config.staticDim : 0)).map { _ in rng.nextUnit() }
            return TokenGraph(nodeCount: n, tokenDim: config.inDim, tokens: tokens, edges: edges, staticFeatures: statics)
        }
    }
}

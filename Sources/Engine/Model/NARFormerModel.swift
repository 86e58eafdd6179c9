/// NAR-Former V2 on the CPU: all parameters in one contiguous buffer
/// laid out by `ParameterTable` (names and shapes of the reference implementation),
/// gradients in a parallel buffer, activations in one arena reused by every batch.
///
/// A batch of graphs is packed into one node matrix (`PackedBatch`), so each linear
/// layer is one GEMM over all nodes; inference and training share that path.
///
/// Not thread-safe: one thread at a time uses an instance (the arena and gradients are
/// per-instance state). Hold separate instances for concurrent inference and training.
public final class NARFormerModel {
    public let config: ModelConfig
    let layout: ParameterLayout
    let parameters: FloatBuffer
    let gradients: FloatBuffer
    let arena = FloatBuffer(count: 0)
    var batch = PackedBatch()
    /// The plan of the last forward pass; backward reads the same activations.
    var plan: ActivationPlan?
    var lastForwardUsedDropout = false
    var dropoutGenerator: SplitMix64

    /// A freshly initialised model (initialised as the authors' code does) from `seed`.
    public init(config: ModelConfig, seed: UInt64) throws {
        if let problem = config.problems.first { throw EngineError.invalidConfig(problem) }
        self.config = config
        layout = ParameterLayout(config: config)
        parameters = FloatBuffer(count: layout.table.totalCount)
        gradients = FloatBuffer(count: layout.table.totalCount)
        layout.initialise(parameters.pointer, seed: seed)
        dropoutGenerator = SplitMix64(seed: seed ^ 0xD120_7007_5EED_0001)
    }

    /// The size table: every tensor's name, shape and offset.
    public var parameterTable: ParameterTable { layout.table }
    public var parameterCount: Int { layout.table.totalCount }

    /// Predictions (always > 0) for a batch of graphs, in order. No dropout, no gradients.
    ///
    /// Each graph runs alone: a network's prediction must be the same number whatever it is
    /// batched with. Packed with others, its rows go through GEMMs of other shapes and row
    /// splits (the whole batch's rows; the feed-forward's row chunks start wherever the
    /// graph lies), which OpenBLAS does not sum in the same order; measured, a graph's
    /// prediction moved in the last bits with its place in the batch (`BatchCompanionTests`).
    /// One graph per pass costs little at inference (the README's batch 1 and batch 16
    /// rates are within a few percent).
    public func predict(_ graphs: [TokenGraph]) throws -> [Float] {
        try predict(graphs, embeddings: nil)
    }

    /// `predict`, and with `embeddings` (room for `graphs.count * embeddingWidth` floats)
    /// each graph's pooled embedding written there, in order.
    func predict(_ graphs: [TokenGraph], embeddings: UnsafeMutablePointer<Float>?) throws -> [Float] {
        guard !graphs.isEmpty else { throw EngineError.invalidBatch("the batch holds no graphs") }
        var out: [Float] = []
        out.reserveCapacity(graphs.count)
        for (g, graph) in graphs.enumerated() {
            do {
                out.append(contentsOf: try forward([graph], training: false,
                                                   embeddings: embeddings.map { $0 + g * embeddingWidth }))
            } catch EngineError.invalidBatch(let problem) where graphs.count > 1 {
                // The message names the graph by its place in the caller's batch.
                throw EngineError.invalidBatch(problem.replacingOccurrences(of: "graph 0 ", with: "graph \(g) "))
            }
        }
        // A very large network's activations (about 4.7 KB per node for the shipped model)
        // are not kept for the next prediction: the arena would hold them for the life of
        // the model. Up to this size it is kept, so everyday networks allocate nothing.
        if arena.count > Self.keptInferenceArena {
            arena.release()
            batch = PackedBatch()
        }
        return out
    }

    /// Floats of activation arena an inference keeps for the next one (64 MiB): far above
    /// any network of the data sets, far below a 100k-node graph's.
    static let keptInferenceArena = 16 << 20

    /// A copy of one named tensor's values, nil for an unknown name.
    public func tensor(named name: String) -> [Float]? {
        guard let e = layout.table.entry(named: name) else { return nil }
        return Array(UnsafeBufferPointer(start: parameters.pointer + e.offset, count: e.count))
    }

    /// Overwrites one named tensor; the count must match its shape.
    public func setTensor(named name: String, values: [Float]) throws {
        guard let e = layout.table.entry(named: name) else {
            throw EngineError.invalidConfig("the model has no tensor named \(name)")
        }
        guard values.count == e.count else {
            throw EngineError.invalidConfig("tensor \(name) holds \(e.count) values, got \(values.count)")
        }
        let target = parameters.pointer + e.offset
        for (i, v) in values.enumerated() { target[i] = v }
    }

    /// The gradient of one named tensor after the last backward pass.
    func gradient(named name: String) -> [Float]? {
        guard let e = layout.table.entry(named: name) else { return nil }
        return Array(UnsafeBufferPointer(start: gradients.pointer + e.offset, count: e.count))
    }
}

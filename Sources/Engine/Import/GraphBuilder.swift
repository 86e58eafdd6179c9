/// Builds the network IR from a file's raw graph: orders the nodes, infers shapes and
/// adds `Input` nodes the way the authors' extraction does (see docs/import.md):
/// - every graph input becomes an `Input` node;
/// - an initializer read as an op's first (data) input becomes an `Input` node (PyTorch
///   exports share weights through `Identity(initializer)`); weights read as later
///   inputs (Conv W/B, Gemm B/C, BN statistics) are the op's parameters, not nodes;
/// - a Constant becomes an `Input` node with its value's shape;
/// - every other node is kept, named by its first output tensor.
enum GraphBuilder {
    static let maxNodes = 1_000_000
    /// Ops whose inputs after the first are parameters (weights, bias, statistics): the
    /// authors draw no edge from those inputs, even when a node (Identity) produces them.
    static let weightedOps: Set<String> = ["Conv", "ConvTranspose", "Gemm", "BatchNormalization", "InstanceNormalization", "LayerNormalization", "PRelu"]

    /// `raw` built afresh at `batchSize` (a plan made and used once); `order`: `raw`'s
    /// topological order when the caller has it already.
    static func build(_ raw: RawGraph, batchSize: Int?, file: String, order known: [Int]? = nil) throws -> NetworkGraph {
        try Plan(raw, batchSize: batchSize, file: file, order: known).graph(batchSize: batchSize)
    }

    static func checkBatch(_ batchSize: Int?, file: String) throws {
        if let b = batchSize, b < 1 || b > 1 << 20 {
            throw ImportError(.unsupported, file: file, "batch size \(b) is out of range")
        }
    }

    /// The batch a file was exported at: the first dimension its inputs fix (nil when symbolic).
    static func staticBatch(_ raw: RawGraph) -> Int? {
        raw.inputs.lazy.compactMap { $0.dims.first.flatMap { $0 } }.first
    }

    /// Kahn's algorithm over tensor dependencies, keeping file order among ready nodes.
    /// A read of a tensor nobody produces is a dangling input; leftovers form a cycle.
    /// `known`: tensors that exist before any node runs (graph inputs, initializers), by id.
    static func topologicalOrder(_ raw: RawGraph, names: TensorNameTable, known: [Bool], file: String) throws -> [Int] {
        // Nodes by index (`for n in` copies each) and consumers in one array, in the order
        // they are found: this runs for the graph as read and the canonical graph.
        let count = raw.nodes.count
        var producerOf = [Int](repeating: -1, count: names.count)
        for i in 0..<count {
            for (k, o) in names.outputs(of: i).enumerated() where o != TensorNameTable.absent {
                guard producerOf[o] < 0, !known[o] else {
                    let n = raw.nodes[i]
                    throw ImportError(.structure, file: file, node: n.name, op: n.op,
                                      "tensor '\(n.outputs[k])' is produced more than once")
                }
                producerOf[o] = i
            }
        }
        var pending = [Int](repeating: 0, count: count)
        var consumerStart = [Int](repeating: 0, count: count + 1)
        for i in 0..<count {
            for (k, id) in names.inputs(of: i).enumerated() where id != TensorNameTable.absent {
                if producerOf[id] >= 0 {
                    pending[i] += 1
                    consumerStart[producerOf[id] + 1] += 1
                } else if !known[id] {
                    let n = raw.nodes[i]
                    throw ImportError(.structure, file: file, node: n.name, op: n.op,
                                      "input '\(n.inputs[k])' is produced by no node, initializer or graph input")
                }
            }
        }
        for i in 0..<count { consumerStart[i + 1] += consumerStart[i] }
        var consumers = [Int](repeating: 0, count: consumerStart[count])
        var filled = consumerStart
        for i in 0..<count {
            for id in names.inputs(of: i) where id != TensorNameTable.absent && producerOf[id] >= 0 {
                consumers[filled[producerOf[id]]] = i
                filled[producerOf[id]] += 1
            }
        }
        // A min-heap would keep strict file order; a FIFO over file order is enough and O(n).
        var queue = (0..<raw.nodes.count).filter { pending[$0] == 0 }
        var head = 0
        while head < queue.count {
            let i = queue[head]
            head += 1
            for c in consumers[consumerStart[i]..<consumerStart[i + 1]] {
                pending[c] -= 1
                if pending[c] == 0 { queue.append(c) }
            }
        }
        guard queue.count == raw.nodes.count else {
            let stuck = (0..<raw.nodes.count).first { pending[$0] > 0 } ?? 0
            throw ImportError(.structure, file: file, node: raw.nodes[stuck].name, op: raw.nodes[stuck].op,
                              "the graph has a cycle through this node")
        }
        return queue
    }
}

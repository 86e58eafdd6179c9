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

    /// `order`: `raw`'s topological order when the caller has it already (the canonical
    /// graph is built twice from one raw graph, at its batch and at batch 1).
    static func build(_ raw: RawGraph, batchSize: Int?, file: String, order known: [Int]? = nil) throws -> NetworkGraph {
        try buildOrdered(raw, batchSize: batchSize, file: file, order: known).graph
    }

    /// `build`, also giving the topological order of `raw` it used.
    static func buildOrdered(_ raw: RawGraph, batchSize: Int?, file: String,
                             order known: [Int]? = nil) throws -> (graph: NetworkGraph, order: [Int]) {
        guard raw.nodes.count <= maxNodes else {
            throw ImportError(.tooLarge, file: file, "the graph has \(raw.nodes.count) nodes, more than \(maxNodes)")
        }
        if let b = batchSize, b < 1 || b > 1 << 20 {
            throw ImportError(.unsupported, file: file, "batch size \(b) is out of range")
        }
        let names = TensorNameTable(raw)
        // Shapes (and small values) by tensor id; nil: not known yet.
        var tensors = [ShapeInference.Tensor?](repeating: nil, count: names.count)
        var isGraphInput = [Bool](repeating: false, count: names.count)
        for input in raw.inputs {
            var dims: [Int] = []
            for (i, d) in input.dims.enumerated() {
                if i == 0 {
                    dims.append(batchSize ?? d ?? 1)
                } else if let d {
                    dims.append(d)
                } else {
                    throw ImportError(.shape, file: file, node: input.name, op: "Input",
                                      "dimension \(i) of the input has no fixed size")
                }
            }
            guard let id = names.id(input.name) else { continue }
            tensors[id] = .init(shape: dims)
            isGraphInput[id] = true
        }
        // Initializers no node reads change nothing the builder produces.
        for (name, t) in raw.initializers {
            guard let id = names.id(name), tensors[id] == nil else { continue }
            tensors[id] = .init(shape: t.dims, values: t.values)
        }
        // A file exported at a fixed batch, imported at another: its shape constants carry
        // the exported batch and are rescaled (StaticBatchRescaler).
        var rescaler: StaticBatchRescaler?
        if let b = batchSize, let exported = staticBatch(raw), exported != b {
            let batchInputs = raw.inputs.filter { $0.dims.first.flatMap { $0 } == exported }.map(\.name)
            rescaler = StaticBatchRescaler(exported: exported, batch: b, batchInputs: batchInputs)
        }

        let order = try known ?? topologicalOrder(raw, names: names, known: tensors.map { $0 != nil }, file: file)

        let inference = ShapeInference(opset: raw.opset)
        for i in order {
            let node = raw.nodes[i]
            var ins = names.inputs(of: i).map { $0 == TensorNameTable.absent ? nil : tensors[$0] }
            if rescaler != nil {
                rescaler?.prepare(node, &ins) { name, tensor in
                    if let id = names.id(name) { tensors[id] = tensor }
                }
            }
            var outs: [ShapeInference.Tensor] = []
            // A stated output shape is at the file's batch: its first dimension follows the batch.
            var declared = node.declaredOutputShape
            if let b = batchSize, var d = declared, !d.isEmpty { d[0] = b; declared = d }
            do {
                outs = try inference.infer(node, ins)
                if let declared, let inferred = outs.first?.shape, declared != inferred {
                    throw ImportError(.shape, file: file, node: node.name, op: node.op,
                                      "the stated output shape \(declared) differs from the inferred \(inferred)")
                }
            } catch let f as ShapeInference.Failure {
                guard f.statedShapeMayReplace, let declared, node.outputs.count == 1 else {
                    var message = f.message
                    if let r = rescaler {
                        message += " (the file was exported at batch \(r.exported) and is imported at batch \(r.batch): "
                            + "its batch-carrying constants could not all be rescaled; import it at batch \(r.exported) "
                            + "or re-export it with a dynamic batch axis)"
                    }
                    throw ImportError(.shape, file: file, node: node.name, op: node.op, message)
                }
                outs = [.init(shape: declared)]
            }
            rescaler?.record(node, ins, outs)
            for (k, id) in names.outputs(of: i).enumerated() where id != TensorNameTable.absent && k < outs.count {
                let shape = outs[k].shape
                guard shape.count <= 64, shape.allSatisfy({ $0 >= 0 && $0 <= maxDimension }),
                      ShapeInference.elements(shape) <= ShapeInference.maxElements else {
                    throw ImportError(.shape, file: file, node: node.name, op: node.op,
                                      "the output shape \(shape) is negative or impossibly large")
                }
                tensors[id] = outs[k]
            }
        }

        // Input nodes: graph inputs, then initializers read as a first input.
        var nodes: [NetworkNode] = []
        nodes.reserveCapacity(raw.inputs.count + order.count)
        var producer = [Int](repeating: -1, count: names.count)
        for input in raw.inputs {
            let id = names.id(input.name)
            if let id { producer[id] = nodes.count }
            nodes.append(NetworkNode(name: input.name, op: "Input", attributes: [:], inputShapes: [],
                                     outputShapes: [id.flatMap { tensors[$0]?.shape } ?? []], predecessors: [],
                                     hasBias: false, origin: .graphInput))
        }
        for i in order {
            guard let first = names.inputs(of: i).first, first != TensorNameTable.absent, producer[first] < 0,
                  !isGraphInput[first], let t = raw.initializers[raw.nodes[i].inputs[0]] else { continue }
            producer[first] = nodes.count
            nodes.append(NetworkNode(name: raw.nodes[i].inputs[0], op: "Input", attributes: [:], inputShapes: [],
                                     outputShapes: [tensors[first]?.shape ?? t.dims], predecessors: [], hasBias: false,
                                     origin: .initializer))
        }
        for i in order {
            let node = raw.nodes[i]
            var preds: [Int] = []
            var inputShapes: [[Int]] = []
            let connected = weightedOps.contains(node.op) ? 1 : node.inputs.count
            for (k, id) in names.inputs(of: i).enumerated() where id != TensorNameTable.absent {
                if k < connected, producer[id] >= 0, !preds.contains(producer[id]) { preds.append(producer[id]) }
                inputShapes.append(tensors[id]?.shape ?? [])
            }
            let outputIDs = names.outputs(of: i)
            let outputShapes = outputIDs.filter { $0 != TensorNameTable.absent }.map { tensors[$0]?.shape ?? [] }
            let index = nodes.count
            for id in outputIDs where id != TensorNameTable.absent { producer[id] = index }
            let biasIndex: Int? = switch node.op {
            case "Conv", "ConvTranspose", "Gemm": 2
            default: nil
            }
            let hasBias = biasIndex.map { node.inputs.count > $0 && !node.inputs[$0].isEmpty } ?? false
            nodes.append(NetworkNode(name: node.name, op: node.op == "Constant" ? "Input" : node.op,
                                     attributes: node.attributes, inputShapes: inputShapes,
                                     outputShapes: outputShapes, predecessors: preds, hasBias: hasBias,
                                     origin: .operation))
        }
        return (NetworkGraph(nodes: nodes), order)
    }

    /// The batch a file was exported at: the first dimension its inputs fix (nil when symbolic).
    static func staticBatch(_ raw: RawGraph) -> Int? {
        raw.inputs.lazy.compactMap { $0.dims.first.flatMap { $0 } }.first
    }

    /// Kahn's algorithm over tensor dependencies, keeping file order among ready nodes.
    /// A read of a tensor nobody produces is a dangling input; leftovers form a cycle.
    /// `known`: tensors that exist before any node runs (graph inputs, initializers).
    static func topologicalOrder(_ raw: RawGraph, known: Set<String>, file: String) throws -> [Int] {
        let names = TensorNameTable(raw)
        var isKnown = [Bool](repeating: false, count: names.count)
        for name in known { if let id = names.id(name) { isKnown[id] = true } }
        return try topologicalOrder(raw, names: names, known: isKnown, file: file)
    }

    /// `topologicalOrder` over interned names; `known` by tensor id.
    private static func topologicalOrder(_ raw: RawGraph, names: TensorNameTable, known: [Bool],
                                         file: String) throws -> [Int] {
        var producerOf = [Int](repeating: -1, count: names.count)
        for (i, n) in raw.nodes.enumerated() {
            for (k, o) in names.outputs(of: i).enumerated() where o != TensorNameTable.absent {
                guard producerOf[o] < 0, !known[o] else {
                    throw ImportError(.structure, file: file, node: n.name, op: n.op,
                                      "tensor '\(n.outputs[k])' is produced more than once")
                }
                producerOf[o] = i
            }
        }
        var pending = [Int](repeating: 0, count: raw.nodes.count)
        var consumers = [[Int]](repeating: [], count: raw.nodes.count)
        for (i, n) in raw.nodes.enumerated() {
            for (k, id) in names.inputs(of: i).enumerated() where id != TensorNameTable.absent {
                if producerOf[id] >= 0 {
                    pending[i] += 1
                    consumers[producerOf[id]].append(i)
                } else if !known[id] {
                    throw ImportError(.structure, file: file, node: n.name, op: n.op,
                                      "input '\(n.inputs[k])' is produced by no node, initializer or graph input")
                }
            }
        }
        // A min-heap would keep strict file order; a FIFO over file order is enough and O(n).
        var queue = (0..<raw.nodes.count).filter { pending[$0] == 0 }
        var head = 0
        while head < queue.count {
            let i = queue[head]
            head += 1
            for c in consumers[i] {
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

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

    /// `order`: `raw`'s topological order when the caller has it already.
    static func build(_ raw: RawGraph, batchSize: Int?, file: String, order known: [Int]? = nil) throws -> NetworkGraph {
        try Plan(raw, batchSize: batchSize, file: file, order: known).graph(batchSize: batchSize)
    }

    /// What building `raw` at any batch shares: its tensor names as ids, its topological
    /// order and its nodes, edges and attributes; only the shapes depend on the batch.
    ///
    /// Why: import builds the canonical graph at the measurement's batch and again at
    /// batch 1 for the content hash. Interning the names, ordering the nodes and making
    /// the nodes was most of a build; a plan does them once and `graph(batchSize:)` infers
    /// the shapes for each batch.
    struct Plan {
        let raw: RawGraph
        let file: String
        let names: TensorNameTable
        /// A topological order of `raw.nodes`.
        let order: [Int]
        /// What every build starts from: initializers by tensor id (graph inputs are added
        /// with the batch), and which ids are graph inputs.
        private let initializerTensors: [ShapeInference.Tensor?]
        private let inputIDs: [Int?]
        /// The nodes with their shapes not filled in: where a shape is not known after
        /// inference, the value here stays (the initializer's dims of an `Input`, else `[]`).
        private let skeleton: [NetworkNode]
        /// The tensor ids of the skeleton's input and output shapes, node `k`'s at
        /// `shapeIDs[shapeStart[k]..<shapeStart[k + 1]]`: inputs first, then `outputCount[k]` outputs.
        private let shapeIDs: [Int]
        private let shapeStart: [Int]

        /// Checks `raw` (node count, input dimensions, dangling inputs, cycles) in the order
        /// a build reports them; `batchSize` is only checked for range here.
        init(_ raw: RawGraph, batchSize: Int?, file: String, order known: [Int]? = nil) throws {
            guard raw.nodes.count <= GraphBuilder.maxNodes else {
                throw ImportError(.tooLarge, file: file, "the graph has \(raw.nodes.count) nodes, more than \(GraphBuilder.maxNodes)")
            }
            try GraphBuilder.checkBatch(batchSize, file: file)
            self.raw = raw
            self.file = file
            let names = TensorNameTable(raw)
            self.names = names
            var isKnown = [Bool](repeating: false, count: names.count)
            var isGraphInput = [Bool](repeating: false, count: names.count)
            var inputIDs: [Int?] = []
            inputIDs.reserveCapacity(raw.inputs.count)
            for input in raw.inputs {
                for (i, d) in input.dims.enumerated() where i > 0 && d == nil {
                    throw ImportError(.shape, file: file, node: input.name, op: "Input",
                                      "dimension \(i) of the input has no fixed size")
                }
                let id = names.id(input.name)
                inputIDs.append(id)
                if let id {
                    isKnown[id] = true
                    isGraphInput[id] = true
                }
            }
            self.inputIDs = inputIDs
            // Initializers no node reads change nothing the builder produces.
            var initializerTensors = [ShapeInference.Tensor?](repeating: nil, count: names.count)
            for (name, t) in raw.initializers {
                guard let id = names.id(name), !isGraphInput[id] else { continue }
                initializerTensors[id] = .init(shape: t.dims, values: t.values)
                isKnown[id] = true
            }
            self.initializerTensors = initializerTensors
            let order = try known ?? GraphBuilder.topologicalOrder(raw, names: names, known: isKnown, file: file)
            self.order = order

            // Input nodes: graph inputs, then initializers read as a first input.
            var nodes: [NetworkNode] = []
            nodes.reserveCapacity(raw.inputs.count + order.count)
            var shapeIDs: [Int] = []
            shapeIDs.reserveCapacity(order.count * 3)
            var shapeStart = [0]
            shapeStart.reserveCapacity(raw.inputs.count + order.count + 1)
            var producer = [Int](repeating: -1, count: names.count)
            for (input, id) in zip(raw.inputs, inputIDs) {
                if let id {
                    producer[id] = nodes.count
                    shapeIDs.append(id)
                }
                shapeStart.append(shapeIDs.count)
                nodes.append(NetworkNode(name: input.name, op: "Input", attributes: [:], inputShapes: [],
                                         outputShapes: [[]], predecessors: [], hasBias: false, origin: .graphInput))
            }
            for i in order {
                guard let first = names.inputs(of: i).first, first != TensorNameTable.absent, producer[first] < 0,
                      !isGraphInput[first], let t = raw.initializers[raw.nodes[i].inputs[0]] else { continue }
                producer[first] = nodes.count
                shapeIDs.append(first)
                shapeStart.append(shapeIDs.count)
                nodes.append(NetworkNode(name: raw.nodes[i].inputs[0], op: "Input", attributes: [:], inputShapes: [],
                                         outputShapes: [t.dims], predecessors: [], hasBias: false, origin: .initializer))
            }
            for i in order {
                let node = raw.nodes[i]
                var preds: [Int] = []
                let connected = GraphBuilder.weightedOps.contains(node.op) ? 1 : node.inputs.count
                var inputCount = 0
                for (k, id) in names.inputs(of: i).enumerated() where id != TensorNameTable.absent {
                    if k < connected, producer[id] >= 0, !preds.contains(producer[id]) { preds.append(producer[id]) }
                    shapeIDs.append(id)
                    inputCount += 1
                }
                var outputCount = 0
                let index = nodes.count
                for id in names.outputs(of: i) where id != TensorNameTable.absent {
                    producer[id] = index
                    shapeIDs.append(id)
                    outputCount += 1
                }
                shapeStart.append(shapeIDs.count)
                let biasIndex: Int? = switch node.op {
                case "Conv", "ConvTranspose", "Gemm": 2
                default: nil
                }
                let hasBias = biasIndex.map { node.inputs.count > $0 && !node.inputs[$0].isEmpty } ?? false
                nodes.append(NetworkNode(name: node.name, op: node.op == "Constant" ? "Input" : node.op,
                                         attributes: node.attributes,
                                         inputShapes: [[Int]](repeating: [], count: inputCount),
                                         outputShapes: [[Int]](repeating: [], count: outputCount),
                                         predecessors: preds, hasBias: hasBias, origin: .operation))
            }
            self.skeleton = nodes
            self.shapeIDs = shapeIDs
            self.shapeStart = shapeStart
        }

        /// The graph at `batchSize` (nil: the file's own batch, 1 if symbolic).
        func graph(batchSize: Int?) throws -> NetworkGraph {
            try GraphBuilder.checkBatch(batchSize, file: file)
            let tensors = try shapes(batchSize: batchSize)
            var nodes = skeleton
            for k in nodes.indices {
                let ids = shapeIDs[shapeStart[k]..<shapeStart[k + 1]]
                let inputCount = nodes[k].inputShapes.count
                var j = 0
                for id in ids {
                    if let shape = tensors[id]?.shape {
                        if j < inputCount { nodes[k].inputShapes[j] = shape } else { nodes[k].outputShapes[j - inputCount] = shape }
                    }
                    j += 1
                }
            }
            return NetworkGraph(nodes: nodes)
        }

        /// Shapes (and small values) by tensor id after inference at `batchSize`; nil: not known.
        private func shapes(batchSize: Int?) throws -> [ShapeInference.Tensor?] {
            var tensors = initializerTensors
            for (input, id) in zip(raw.inputs, inputIDs) {
                guard let id else { continue }
                var dims: [Int] = []
                dims.reserveCapacity(input.dims.count)
                for (i, d) in input.dims.enumerated() { dims.append(i == 0 ? batchSize ?? d ?? 1 : d ?? 1) }
                tensors[id] = .init(shape: dims)
            }
            // A file exported at a fixed batch, imported at another: its shape constants carry
            // the exported batch and are rescaled (StaticBatchRescaler).
            var rescaler: StaticBatchRescaler?
            if let b = batchSize, let exported = GraphBuilder.staticBatch(raw), exported != b {
                let batchInputs = raw.inputs.filter { $0.dims.first.flatMap { $0 } == exported }.map(\.name)
                rescaler = StaticBatchRescaler(exported: exported, batch: b, batchInputs: batchInputs)
            }

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
            return tensors
        }
    }

    private static func checkBatch(_ batchSize: Int?, file: String) throws {
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

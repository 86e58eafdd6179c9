extension GraphBuilder {
    /// What building `raw` at any batch shares: its tensor names as ids, its topological
    /// order and its nodes, edges and attributes; only the shapes depend on the batch.
    ///
    /// Why: import builds the canonical graph at the measurement's batch and again at
    /// batch 1 for the content hash. Interning the names, ordering the nodes and making
    /// the nodes was most of a build; a plan does them once and `build(batchSize:)` infers
    /// the shapes for each batch. The canonical graph keeps most nodes of the graph as read
    /// unchanged, so its plan also takes their tensor ids, and at the same batch their
    /// inferred shapes, from the plan of the graph as read (`derivedFrom`).
    struct Plan {
        let raw: RawGraph
        let file: String
        let names: TensorNameTable
        /// A topological order of `raw.nodes`.
        let order: [Int]
        /// For each node, the node of the plan this one was derived from that it is the same
        /// as (same op, attributes, inputs and outputs); empty when not derived.
        private let unchangedFrom: [Int?]
        /// What every build starts from: initializers by tensor id (graph inputs are added
        /// with the batch), and the ids of the graph inputs.
        private let initializerTensors: [ShapeInference.Tensor?]
        private let inputIDs: [Int?]
        /// The nodes without their shapes.
        private let skeleton: [NetworkNode]
        /// The tensor ids of node `k`'s input and output shapes,
        /// `shapeIDs[shapeStart[k]..<shapeStart[k + 1]]`, the first `inputCount[k]` its inputs;
        /// `absent` for a graph input the graph does not use.
        private let shapeIDs: [Int]
        private let shapeStart: [Int]
        private let inputCount: [Int]

        /// Checks `raw` (node count, input dimensions, dangling inputs, cycles) in the order
        /// a build reports them; `batchSize` is only checked for range here. `derivedFrom`:
        /// the plan of the graph `raw` was rewritten from (same inputs and initializers, nodes
        /// rewritten), whose node `unchangedFrom[i]` is node `i` of `raw` unchanged (nil for a
        /// node fused or rewritten).
        init(_ raw: RawGraph, batchSize: Int?, file: String, order known: [Int]? = nil,
             derivedFrom base: Plan? = nil, unchangedFrom: [Int?] = []) throws {
            guard raw.nodes.count <= GraphBuilder.maxNodes else {
                throw ImportError(.tooLarge, file: file, "the graph has \(raw.nodes.count) nodes, more than \(GraphBuilder.maxNodes)")
            }
            try GraphBuilder.checkBatch(batchSize, file: file)
            self.raw = raw
            self.file = file
            let derived = base != nil && unchangedFrom.count == raw.nodes.count
            self.unchangedFrom = derived ? unchangedFrom : []
            let names = if let base, derived { TensorNameTable(raw, derivedFrom: base.names, unchangedFrom: unchangedFrom) }
                else { TensorNameTable(raw) }
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
            // Initializers no node reads change nothing the builder produces. A derived plan
            // has the same initializers and, when no name was added, the same ids.
            var initializerTensors: [ShapeInference.Tensor?]
            if let base, derived, base.names.count == names.count, base.inputIDs == inputIDs {
                initializerTensors = base.initializerTensors
            } else {
                initializerTensors = [ShapeInference.Tensor?](repeating: nil, count: names.count)
                for (name, t) in raw.initializers {
                    guard let id = names.id(name), !isGraphInput[id] else { continue }
                    initializerTensors[id] = .init(shape: t.dims, values: t.values)
                }
            }
            for id in initializerTensors.indices where initializerTensors[id] != nil { isKnown[id] = true }
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
            var inputCount: [Int] = []
            inputCount.reserveCapacity(raw.inputs.count + order.count)
            var producer = [Int](repeating: -1, count: names.count)
            for (input, id) in zip(raw.inputs, inputIDs) {
                if let id { producer[id] = nodes.count }
                shapeIDs.append(id ?? TensorNameTable.absent)
                shapeStart.append(shapeIDs.count)
                inputCount.append(0)
                nodes.append(NetworkNode(name: input.name, op: "Input", attributes: [:], inputShapes: [],
                                         outputShapes: [], predecessors: [], hasBias: false, origin: .graphInput))
            }
            for i in order {
                guard let first = names.inputs(of: i).first, first != TensorNameTable.absent, producer[first] < 0,
                      !isGraphInput[first], initializerTensors[first] != nil else { continue }
                producer[first] = nodes.count
                shapeIDs.append(first)
                shapeStart.append(shapeIDs.count)
                inputCount.append(0)
                nodes.append(NetworkNode(name: raw.nodes[i].inputs[0], op: "Input", attributes: [:], inputShapes: [],
                                         outputShapes: [], predecessors: [], hasBias: false, origin: .initializer))
            }
            for i in order {
                let node = raw.nodes[i]
                var preds: [Int] = []
                let connected = GraphBuilder.weightedOps.contains(node.op) ? 1 : node.inputs.count
                var inputs = 0
                for (k, id) in names.inputs(of: i).enumerated() where id != TensorNameTable.absent {
                    if k < connected, producer[id] >= 0, !preds.contains(producer[id]) { preds.append(producer[id]) }
                    shapeIDs.append(id)
                    inputs += 1
                }
                let index = nodes.count
                for id in names.outputs(of: i) where id != TensorNameTable.absent {
                    producer[id] = index
                    shapeIDs.append(id)
                }
                shapeStart.append(shapeIDs.count)
                inputCount.append(inputs)
                let biasIndex: Int? = switch node.op {
                case "Conv", "ConvTranspose", "Gemm": 2
                default: nil
                }
                let hasBias = biasIndex.map { node.inputs.count > $0 && !node.inputs[$0].isEmpty } ?? false
                nodes.append(NetworkNode(name: node.name, op: node.op == "Constant" ? "Input" : node.op,
                                         attributes: node.attributes, inputShapes: [], outputShapes: [],
                                         predecessors: preds, hasBias: hasBias, origin: .operation))
            }
            self.skeleton = nodes
            self.shapeIDs = shapeIDs
            self.shapeStart = shapeStart
            self.inputCount = inputCount
        }

        /// The graph at `batchSize` (nil: the file's own batch, 1 if symbolic).
        func graph(batchSize: Int?) throws -> NetworkGraph {
            try build(batchSize: batchSize).graph
        }

        /// The graph at `batchSize`, and what its build inferred. `earlier`: a build of the
        /// plan this one was derived from, at the same batch; a node that is the same as
        /// that plan's node and reads the same tensors gets that node's outputs without
        /// inferring them again (inference is a function of the node and its inputs).
        func build(batchSize: Int?, reusing earlier: Inferred? = nil) throws -> (graph: NetworkGraph, inferred: Inferred) {
            try GraphBuilder.checkBatch(batchSize, file: file)
            let (tensors, rescaled) = try shapes(batchSize: batchSize, reusing: earlier)
            var nodes = skeleton
            for k in nodes.indices {
                let ids = shapeIDs[shapeStart[k]..<shapeStart[k + 1]]
                let split = ids.startIndex + inputCount[k]
                if split > ids.startIndex {
                    nodes[k].inputShapes = ids[..<split].map { tensors[$0]?.shape ?? [] }
                }
                let origin = nodes[k].origin, name = nodes[k].name
                nodes[k].outputShapes = ids[split...].map { id in
                    if id != TensorNameTable.absent, let shape = tensors[id]?.shape { return shape }
                    // Not known: an initializer's stated dims, else nothing.
                    return origin == .initializer ? raw.initializers[name]?.dims ?? [] : []
                }
            }
            return (NetworkGraph(nodes: nodes), Inferred(names: names, tensors: tensors, batchSize: batchSize, rescaled: rescaled))
        }

        /// Shapes (and small values) by tensor id after inference at `batchSize`; nil: not
        /// known. `rescaled`: whether the batch was rescaled (`StaticBatchRescaler`).
        private func shapes(batchSize: Int?, reusing earlier: Inferred?) throws -> (tensors: [ShapeInference.Tensor?], rescaled: Bool) {
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
            // A rescaler's state depends on every node before: nothing is reused with one.
            let reuse = earlier.flatMap { e in
                rescaler == nil && !e.rescaled && e.batchSize == batchSize && !unchangedFrom.isEmpty ? e : nil
            }
            let inference = ShapeInference(opset: raw.opset)
            var written: [(String, ShapeInference.Tensor)] = []
            for i in order {
                var ins = names.inputs(of: i).map { $0 == TensorNameTable.absent ? nil : tensors[$0] }
                if let reuse, let j = unchangedFrom[i], reuse.reads(node: j, ins) {
                    reuse.copyOutputs(of: j, to: names.outputs(of: i), in: &tensors)
                    continue
                }
                let node = raw.nodes[i]
                if rescaler != nil {
                    // Constants the rescaler changes, for every reader (and the graph's Input node).
                    rescaler?.prepare(node, &ins) { written.append(($0, $1)) }
                    for (name, tensor) in written { if let id = names.id(name) { tensors[id] = tensor } }
                    written.removeAll(keepingCapacity: true)
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
            return (tensors, rescaler != nil)
        }
    }

    /// What a build inferred: tensors by its plan's ids, at `batchSize`. A class: a build
    /// looks at it for every node, and a struct of arrays would be copied each time.
    final class Inferred {
        let names: TensorNameTable
        let tensors: [ShapeInference.Tensor?]
        let batchSize: Int?
        let rescaled: Bool

        init(names: TensorNameTable, tensors: [ShapeInference.Tensor?], batchSize: Int?, rescaled: Bool) {
            self.names = names
            self.tensors = tensors
            self.batchSize = batchSize
            self.rescaled = rescaled
        }

        /// Whether node `j` of this build read exactly `ins`.
        func reads(node j: Int, _ ins: [ShapeInference.Tensor?]) -> Bool {
            let ids = names.inputs(of: j)
            guard ids.count == ins.count else { return false }
            for (id, t) in zip(ids, ins) where (id == TensorNameTable.absent ? nil : tensors[id]) != t { return false }
            return true
        }

        /// Node `j`'s outputs, written where the same tensors (`outputs`, by another plan's ids) go.
        func copyOutputs(of j: Int, to outputs: ArraySlice<Int>, in target: inout [ShapeInference.Tensor?]) {
            for (id, source) in zip(outputs, names.outputs(of: j)) where id != TensorNameTable.absent && source != TensorNameTable.absent {
                if let t = tensors[source] { target[id] = t }
            }
        }
    }
}

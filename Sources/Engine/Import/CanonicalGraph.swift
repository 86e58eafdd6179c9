/// The canonical graph's last steps, after the pattern folds of `GraphCanonicalizer`: what
/// does not depend on the values a network runs on is dropped, views (Reshape, Flatten,
/// Squeeze, Unsqueeze, a Gather of a whole axis in order, a Transpose of size-1 axes) become
/// one kind, a chain of views and transposes becomes one node, a mean over all spatial axes
/// is a global average pool, and the rest is put in an order that depends on the graph, not
/// the file.
///
/// Why: exporters differ in what they compute at run time that is in fact constant (torch's
/// TorchScript exporter builds Swin's pads, window masks and reshape targets from Shape,
/// Gather, Concat, Range and ScatterND nodes that its default exporter folds), in whether a
/// weight is an initializer or a Constant node, in the order they write independent branches
/// (q, k and v) and in the operand order of commutative ops. None of that is work the
/// network does on its input, so none of it is in the graph the hash and the `costs2` tokens
/// are taken over. The same holds for how a layout change is spelled: one exporter writes
/// Transpose then Reshape where the other writes Reshape then Transpose, Flatten or Reshape,
/// GlobalAveragePool or ReduceMean; what moves is the same.
enum CanonicalGraph {
    /// Ops whose operands can be swapped without changing the result.
    static let commutativeOps: Set<String> = ["Add", "Mul", "Max", "Min", "Sum", "Mean", "Equal", "And", "Or", "Xor"]
    /// Ops that read only their input's shape, which import always knows.
    static let shapeOnlyOps: Set<String> = ["Shape", "Size"]

    /// Names of the raw nodes whose outputs do not depend on the graph inputs' values:
    /// Constants, and everything computed from initializers, constants and shapes alone;
    /// and how many of those nodes are not Constants (what `inspect` reports as folded).
    /// Tensors by the plan's ids: hashing their names here was a tenth of finding the
    /// canonical form.
    static func constantNodes(_ plan: GraphBuilder.Plan) -> (names: Set<String>, computed: Int) {
        let raw = plan.raw, names = plan.names
        var isData = [Bool](repeating: false, count: names.count)
        for input in raw.inputs where raw.initializers[input.name] == nil {
            if let id = names.id(input.name) { isData[id] = true }
        }
        var constant = Set<String>()
        var computed = 0
        // Whether every node is named after one of its outputs (tensors have one producer,
        // so the names are then distinct and counting nodes is counting names).
        var namedByOutput = true
        for i in plan.order {
            let n = raw.nodes[i]
            namedByOutput = namedByOutput && !n.name.isEmpty && n.outputs.contains(n.name)
            let readsData = !shapeOnlyOps.contains(n.op)
                && names.inputs(of: i).contains { $0 != TensorNameTable.absent && isData[$0] }
            if readsData {
                for o in names.outputs(of: i) where o != TensorNameTable.absent { isData[o] = true }
            } else {
                constant.insert(n.name)
                if n.op != "Constant" { computed += 1 }
            }
        }
        if !namedByOutput {
            computed = raw.nodes.filter { $0.op != "Constant" && constant.contains($0.name) }.count
        }
        return (constant, computed)
    }

    /// Ops that only re-label the same elements.
    static let viewOps: Set<String> = ["Reshape", "Flatten", "Squeeze", "Unsqueeze"]

    /// `graph` without its constant nodes and initializer inputs, views and transposes
    /// normalised and chains of them joined, its nodes in canonical order, commutative
    /// operands sorted. `graph` is consumed: when the caller passes its only copy, its nodes are moved into
    /// the result, not copied.
    static func apply(_ graph: consuming NetworkGraph, constantNodes: Set<String>, viewGathers: Set<String> = []) -> NetworkGraph {
        var nodes: [NetworkNode] = []
        swap(&nodes, &graph.nodes)
        // Nodes by index throughout: `for n in` copies each.
        var keep = [Bool](repeating: false, count: nodes.count)
        for i in nodes.indices {
            switch nodes[i].origin {
            case .graphInput: keep[i] = true
            case .initializer: keep[i] = false
            case .operation: keep[i] = nodes[i].op != "Input" && !constantNodes.contains(nodes[i].name)
            }
        }
        var preds = [[Int]](repeating: [], count: nodes.count)
        var consumerCount = [Int](repeating: 0, count: nodes.count)
        for i in nodes.indices where keep[i] {
            preds[i] = nodes[i].predecessors.filter { keep[$0] }
            for p in preds[i] { consumerCount[p] += 1 }
        }
        // Views and transposes: one spelling each, read only through their data input.
        var layout = [Layout?](repeating: nil, count: nodes.count)
        var globalMean = [Bool](repeating: false, count: nodes.count)
        nodes.withUnsafeBufferPointer { nodes in
            for i in nodes.indices where keep[i] {
                layout[i] = Self.layout(of: nodes[i], viewGathers: viewGathers)
                globalMean[i] = isGlobalMean(nodes[i])
            }
        }
        // A chain of them is one node: the last takes the first's input (nodes are in
        // topological order, so a chain is joined front to back). `inputsOf[v]`: the node
        // whose data input `v` reads.
        var inputsOf = Array(nodes.indices)
        for v in nodes.indices where keep[v] && layout[v] != nil && preds[v].count == 1 {
            let u = preds[v][0]
            guard let lu = layout[u], consumerCount[u] == 1, nodes[u].origin == .operation else { continue }
            inputsOf[v] = inputsOf[u]
            preds[v] = preds[u]
            if lu == .transpose { layout[v] = .transpose }
            keep[u] = false
        }
        // The kept nodes as they are written out (moved out of `nodes`, then out of
        // `edited` below), what they are apart from where they sit, and whether their
        // operands commute.
        var edited = [NetworkNode?](repeating: nil, count: nodes.count)
        var signature = [[UInt8]](repeating: [], count: nodes.count)
        var commutative = [Bool](repeating: false, count: nodes.count)
        let hole = NetworkNode(name: "", op: "", attributes: [:], inputShapes: [], outputShapes: [], predecessors: [],
                               hasBias: false, origin: .operation)
        for i in nodes.indices where keep[i] {
            // A chain's data input is that of its first node, which is not kept (so not moved).
            let chainInputs = layout[i] == nil ? [] : Array(nodes[inputsOf[i]].inputShapes.prefix(1))
            var n = hole
            swap(&n, &nodes[i])
            if let l = layout[i] {
                n.inputShapes = chainInputs
                n.op = l == .transpose ? "Transpose" : "Reshape"
                n.attributes = [:]
            } else if globalMean[i] {
                n.op = "GlobalAveragePool"
                n.attributes = [:]
                n.inputShapes = Array(n.inputShapes.prefix(1))
            }
            commutative[i] = commutativeOps.contains(n.op)
            signature[i] = signatureBytes(of: n, commutative: commutative[i])
            edited[i] = n
        }
        var consumers = [[Int]](repeating: [], count: nodes.count)
        var pending = [Int](repeating: 0, count: nodes.count)
        for i in nodes.indices where keep[i] {
            for p in preds[i] { consumers[p].append(i) }
            pending[i] = preds[i].count
        }
        // What follows each node (a hash of its signature and its consumers' hashes, in
        // reverse topological order): two ready nodes that look alike, such as the first
        // MatMuls of two branches, are told apart by what they feed.
        var below = [UInt64](repeating: 0, count: nodes.count)
        for i in nodes.indices.reversed() where keep[i] {
            var h = FNV64()
            h.add(signature[i])
            switch consumers[i].count {
            case 0: break
            case 1: h.add(below[consumers[i][0]])
            default: for c in consumers[i].map({ below[$0] }).sorted() { h.add(c) }
            }
            below[i] = h.value
        }
        var position = [Int](repeating: -1, count: nodes.count)
        var placedPreds = [[Int]](repeating: [], count: nodes.count)
        var ready = ReadyHeap { a, b in
            if placedPreds[a] != placedPreds[b] { return placedPreds[a].lexicographicallyPrecedes(placedPreds[b]) }
            if signature[a] != signature[b] { return signature[a].lexicographicallyPrecedes(signature[b]) }
            return below[a] < below[b]
        }
        for i in nodes.indices where keep[i] && pending[i] == 0 { ready.push(i) }
        var order: [Int] = []
        order.reserveCapacity(nodes.count)
        while let i = ready.pop() {
            position[i] = order.count
            order.append(i)
            for c in consumers[i] {
                pending[c] -= 1
                if pending[c] == 0 {
                    placedPreds[c] = preds[c].map { position[$0] }.sorted()
                    ready.push(c)
                }
            }
        }
        var out: [NetworkNode] = []
        out.reserveCapacity(order.count)
        for i in order {
            var slot: NetworkNode?
            swap(&slot, &edited[i])
            guard var n = slot else { continue }
            n.predecessors = preds[i].map { position[$0] }
            if commutative[i] {
                n.predecessors.sort()
                n.inputShapes.sort { $0.lexicographicallyPrecedes($1) }
            }
            out.append(n)
        }
        return NetworkGraph(nodes: out)
    }

    enum Layout { case view, transpose }

    static func layout(of n: NetworkNode, viewGathers: Set<String>) -> Layout? {
        if viewOps.contains(n.op) || (n.op == "Gather" && viewGathers.contains(n.name)) { return .view }
        guard n.op == "Transpose", let shape = n.inputShapes.first else { return nil }
        let perm = n.attributes["perm"]?.asInts ?? Array(shape.indices.reversed())
        // Moving only axes of size 1 keeps every element where it was.
        let moved = perm.filter { $0 < shape.count && shape[$0] != 1 }
        return moved == moved.sorted() ? .view : .transpose
    }

    /// A ReduceMean over every axis after the channels, keeping them: a global average pool.
    static func isGlobalMean(_ n: NetworkNode) -> Bool {
        guard n.op == "ReduceMean", let x = n.inputShapes.first, x.count >= 3 else { return false }
        let y = n.outputShape
        return y.count == x.count && y[0] == x[0] && y[1] == x[1] && y.dropFirst(2).allSatisfy { $0 == 1 }
    }

    /// What a node is, apart from where it sits: op, shapes and attributes, as bytes
    /// (written directly: formatting them as text was a third of the canonical pass).
    private static func signatureBytes(of n: NetworkNode, commutative: Bool) -> [UInt8] {
        var out: [UInt8] = []
        var words = 2 + n.outputShapes.count + n.inputShapes.count
        for s in n.outputShapes { words += s.count }
        for s in n.inputShapes { words += s.count }
        out.reserveCapacity(n.op.utf8.count + 1 + 8 * words + 32 * n.attributes.count)
        func int(_ v: Int) {
            var x = UInt64(bitPattern: Int64(v))  // little-endian bytes
            for _ in 0..<8 {
                out.append(UInt8(truncatingIfNeeded: x))
                x >>= 8
            }
        }
        func shapes(_ list: [[Int]]) {
            int(list.count)
            for shape in list { int(shape.count); for d in shape { int(d) } }
        }
        func attribute(_ key: String, _ value: AttributeValue) {
            out.append(contentsOf: key.utf8)
            out.append(0)
            switch value {
            case .int(let v): out.append(1); int(v)
            case .ints(let v): out.append(2); int(v.count); for x in v { int(x) }
            case .float(let v): out.append(3); int(Int(v.bitPattern))
            case .floats(let v): out.append(4); int(v.count); for x in v { int(Int(x.bitPattern)) }
            case .string(let v): out.append(5); out.append(contentsOf: v.utf8); out.append(0)
            case .tensor(let t): out.append(6); int(Int(t.dataType)); int(t.dims.count); for d in t.dims { int(d) }
            case .other: out.append(7)
            }
        }
        out.append(contentsOf: n.op.utf8)
        out.append(0)
        shapes(n.outputShapes)
        shapes(commutative ? n.inputShapes.sorted { $0.lexicographicallyPrecedes($1) } : n.inputShapes)
        // Sorted by name; one attribute (or none) needs no sorting.
        if n.attributes.count == 1 {
            for (key, value) in n.attributes { attribute(key, value) }
        } else if n.attributes.count > 1 {
            for key in n.attributes.keys.sorted() { attribute(key, n.attributes[key] ?? .other) }
        }
        return out
    }

    /// FNV-1a, 64 bits: the same value in every process (Swift's `Hasher` is seeded per run).
    private struct FNV64 {
        var value: UInt64 = 0xcbf2_9ce4_8422_2325

        mutating func add(_ bytes: [UInt8]) {
            for b in bytes {
                value ^= UInt64(b)
                value = value &* 0x100_0000_01b3
            }
        }

        mutating func add(_ word: UInt64) {
            var w = word
            for _ in 0..<8 {
                value ^= w & 0xff
                value = value &* 0x100_0000_01b3
                w >>= 8
            }
        }
    }

    /// A binary min-heap of node positions under a caller's order.
    private struct ReadyHeap {
        var items: [Int] = []
        let less: (Int, Int) -> Bool

        init(less: @escaping (Int, Int) -> Bool) { self.less = less }

        mutating func push(_ x: Int) {
            items.append(x)
            var c = items.count - 1
            while c > 0 {
                let p = (c - 1) / 2
                guard less(items[c], items[p]) else { break }
                items.swapAt(c, p)
                c = p
            }
        }

        mutating func pop() -> Int? {
            guard let top = items.first else { return nil }
            let last = items.removeLast()
            if !items.isEmpty {
                items[0] = last
                var p = 0
                while true {
                    let l = 2 * p + 1, r = l + 1
                    var m = p
                    if l < items.count, less(items[l], items[m]) { m = l }
                    if r < items.count, less(items[r], items[m]) { m = r }
                    if m == p { break }
                    items.swapAt(p, m)
                    p = m
                }
            }
            return top
        }
    }
}

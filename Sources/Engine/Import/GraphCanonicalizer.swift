/// Rewrites the exporter variants of one network into one form, before the canonical
/// graph (the content hash and the `costs2` tokens) is built.
///
/// Why: torch's TorchScript exporter writes GELU as Div/Erf/Add/Mul/Mul and LayerNorm as
/// ReduceMean/Sub/Pow/ReduceMean/Add/Sqrt/Div/Mul/Add, its default exporter one `Gelu` and
/// one `LayerNormalization` node; both add Identity nodes that share weights. Without this
/// the same network gets two hashes (two stored networks) and two predictions.
///
/// Patterns are matched on the raw graph, where constants have values: every interior
/// tensor of a pattern must be read by the pattern alone, and its constants must be the
/// ones the formula needs (1/sqrt(2), 0.5, 1, 3, 6, ...), so a look-alike that computes
/// something else is left as it is. The as-read graph (`ImportedNetwork.graph`, what the
/// shipped `baseline` and `costs` models read) is not changed by any of this.
enum GraphCanonicalizer {
    struct Result {
        var raw: RawGraph
        /// What was folded, by kind (`Fold.rawValue`) with counts; empty when nothing was.
        var folds: [String: Int]
        /// Whether `raw` differs from the input (folds, or defaults filled in).
        var changed: Bool
        /// `raw`'s topological order when no fold removed a node (the input's order);
        /// nil when the graph builder must find it.
        var order: [Int]?
        /// Gathers of `raw` that only re-label elements (a whole axis, in order).
        var viewGathers: Set<String>
        /// For each node of `raw`, the index of the input's node it is unchanged from (same
        /// op, attributes, inputs and outputs); nil for a fused or rewritten node.
        var unchangedFrom: [Int?]
    }

    /// The kinds of rewrite, as `inspect` reports them.
    enum Fold: String, CaseIterable {
        case identity = "Identity removed"
        case dropout = "Dropout removed"
        case cast = "no-op Cast removed"
        case reshape = "no-op Reshape removed"
        case slice = "no-op Slice removed"
        case geluErf = "Gelu from Div/Erf/Add/Mul/Mul"
        case geluTanh = "Gelu from Pow/Mul/Add/Mul/Tanh/Add/Mul/Mul"
        case layerNorm = "LayerNormalization from ReduceMean/Sub/Pow/ReduceMean/Add/Sqrt/Div(/Mul/Add)"
        case hardSigmoid = "HardSigmoid from Add/Clip/Div"
        case hardSwish = "HardSwish from Mul(x, HardSigmoid(x)) or Add/Clip/Mul/Div"
        case constant = "unused Constant removed"
        case computedConstant = "constant computation folded (shapes, masks, tables)"
    }

    /// `asRead` is `raw` built into a graph: it supplies the shapes that tell a no-op
    /// Reshape (output shape = input shape) from a real one. `order` is `raw`'s topological
    /// order, reused when no fold removed a node (the structure is then the same).
    static func canonicalize(_ raw: RawGraph, asRead: NetworkGraph, order rawOrder: [Int]? = nil) -> Result {
        var w = Work(raw)
        w.removePassThroughNodes(asRead: asRead)
        w.fuseGelu()
        w.fuseLayerNorm()
        w.fuseHardSwishAndHardSigmoid()
        w.normaliseAttributes(asRead: asRead)
        w.removeUnusedConstants()
        let viewGathers = w.viewGathers(asRead: asRead)
        let (folded, unchangedFrom) = w.result()
        let order = folded.nodes.count == raw.nodes.count ? rawOrder : nil
        return Result(raw: folded, folds: w.folds, changed: w.changed, order: order, viewGathers: viewGathers,
                      unchangedFrom: unchangedFrom)
    }

    /// The graph being rewritten: removed nodes become nil, fused nodes take the place of
    /// the pattern's last node (so node order, and with it the hash, follows the file).
    private struct Work {
        var raw: RawGraph
        var nodes: [RawNode?]
        var producer: [String: Int] = [:]
        var consumers: [String: [Int]] = [:]
        var folds: [String: Int] = [:]
        var changed = false
        /// Nodes fused in, or given other inputs or attributes, by index.
        var rewritten: [Bool]

        init(_ raw: RawGraph) {
            self.raw = raw
            self.nodes = raw.nodes
            self.rewritten = [Bool](repeating: false, count: raw.nodes.count)
            index()
        }

        mutating func index() {
            producer.removeAll(keepingCapacity: true)
            consumers.removeAll(keepingCapacity: true)
            producer.reserveCapacity(nodes.count)
            consumers.reserveCapacity(nodes.count * 2)
            for i in nodes.indices {
                guard let n = nodes[i] else { continue }
                for o in n.outputs where !o.isEmpty { producer[o] = i }
                for name in n.inputs where !name.isEmpty { consumers[name, default: []].append(i) }
            }
        }

        /// Takes node `i` (as `n`) out of the index, and `add` puts one in: the index stays
        /// what `index()` would build (consumers in ascending node order, a node once per
        /// read; no entry for a tensor nobody reads) without rebuilding it for every rewrite.
        mutating func remove(_ n: RawNode, at i: Int) {
            for o in n.outputs where !o.isEmpty && producer[o] == i { producer[o] = nil }
            for name in n.inputs where !name.isEmpty {
                guard var list = consumers[name], let k = list.firstIndex(of: i) else { continue }
                list.remove(at: k)
                consumers[name] = list.isEmpty ? nil : list
            }
        }

        mutating func add(_ n: RawNode, at i: Int) {
            for o in n.outputs where !o.isEmpty { producer[o] = i }
            for name in n.inputs where !name.isEmpty {
                var list = consumers[name] ?? []
                list.insert(i, at: list.firstIndex { $0 > i } ?? list.endIndex)
                consumers[name] = list
            }
        }

        func result() -> (RawGraph, unchangedFrom: [Int?]) {
            var out = raw
            out.nodes = nodes.compactMap { $0 }
            var unchangedFrom: [Int?] = []
            unchangedFrom.reserveCapacity(out.nodes.count)
            for i in nodes.indices where nodes[i] != nil { unchangedFrom.append(rewritten[i] ? nil : i) }
            return (out, unchangedFrom)
        }

        mutating func count(_ fold: Fold) {
            folds[fold.rawValue, default: 0] += 1
            changed = true
        }

        // MARK: constants

        /// The values of a constant tensor: a small initializer or a Constant's value.
        func constant(_ name: String) -> [Double]? {
            if let t = raw.initializers[name] { return t.values }
            guard let p = producer[name], let n = nodes[p], n.op == "Constant" else { return nil }
            if case .tensor(let t)? = n.attributes["value"] { return t.values }
            if case .float(let f)? = n.attributes["value_float"] { return [Double(f)] }
            if let f = n.attributes["value_floats"]?.asFloats { return f.map(Double.init) }
            if let i = n.attributes["value_int"]?.asInt { return [Double(i)] }
            return nil
        }

        func isScalar(_ name: String, _ value: Double, tolerance: Double = 1e-4) -> Bool {
            guard let v = constant(name), v.count == 1 else { return false }
            return abs(v[0] - value) <= tolerance * max(1, abs(value))
        }

        func node(_ name: String, _ op: String) -> (Int, RawNode)? {
            guard let p = producer[name], let n = nodes[p], n.op == op else { return nil }
            return (p, n)
        }

        /// The single node reading `name`, if it has that op.
        func onlyConsumer(_ name: String, _ op: String) -> (Int, RawNode)? {
            guard let c = consumers[name], c.count == 1, let n = nodes[c[0]], n.op == op else { return nil }
            return (c[0], n)
        }

        /// For a binary op reading `name`: its other input.
        func other(_ n: RawNode, than name: String) -> String? {
            guard n.inputs.count == 2 else { return nil }
            if n.inputs[0] == name { return n.inputs[1] }
            if n.inputs[1] == name { return n.inputs[0] }
            return nil
        }

        /// Replaces the nodes `removed` by `fused`, placed where the last of them was.
        mutating func replace(_ removed: [Int], with fused: RawNode, _ fold: Fold) {
            let at = removed.max() ?? 0
            for i in removed {
                if let n = nodes[i] { remove(n, at: i) }
                nodes[i] = nil
            }
            nodes[at] = fused
            add(fused, at: at)
            rewritten[at] = true
            count(fold)
        }

        // MARK: views spelled as a Gather

        /// Gathers that take a whole axis in order (indices 0, 1, ..., n-1 of an axis of n):
        /// torch's default exporter writes some views (`as_strided`) this way.
        func viewGathers(asRead: NetworkGraph) -> Set<String> {
            var inputShape: [String: [Int]] = [:]
            for k in asRead.nodes.indices where asRead.nodes[k].op == "Gather" {
                inputShape[asRead.nodes[k].name] = asRead.nodes[k].inputShapes.first
            }
            var out = Set<String>()
            for case let n? in nodes where n.op == "Gather" && n.inputs.count == 2 {
                guard let shape = inputShape[n.name], !shape.isEmpty, let values = constant(n.inputs[1]) else { continue }
                let axis = n.attributes["axis"]?.asInt ?? 0
                let a = axis < 0 ? axis + shape.count : axis
                guard a >= 0, a < shape.count, values.count == shape[a],
                      values.enumerated().allSatisfy({ Double($0.offset) == $0.element }) else { continue }
                out.insert(n.name)
            }
            return out
        }

        // MARK: pass-through nodes

        mutating func removePassThroughNodes(asRead: NetworkGraph) {
            var noOpReshapes = Set<String>()
            var sameShapeSlices = Set<String>()
            // By index, not `for n in`: a copy of every node was most of this pass.
            for k in asRead.nodes.indices where asRead.nodes[k].origin == .operation {
                let op = asRead.nodes[k].op
                guard op == "Reshape" || op == "Slice", asRead.nodes[k].inputShapes.first == asRead.nodes[k].outputShape else { continue }
                if op == "Reshape" { noOpReshapes.insert(asRead.nodes[k].name) } else { sameShapeSlices.insert(asRead.nodes[k].name) }
            }
            var rename: [String: String] = [:]
            // Taken out of the index after the loop: the checks above read it as it was.
            var removed: [(Int, RawNode)] = []
            for (i, n) in nodes.enumerated() {
                guard let n, let input = n.inputs.first, !input.isEmpty, let out = n.outputs.first, !out.isEmpty else { continue }
                let fold: Fold?
                switch n.op {
                case "Identity":
                    fold = .identity
                case "Dropout":
                    // Inference: output 0 is the input; a mask that someone reads keeps the node.
                    fold = n.outputs.count < 2 || n.outputs[1].isEmpty || consumers[n.outputs[1]] == nil ? .dropout : nil
                case "Cast":
                    fold = isNoOpCast(n, rename: rename) ? .cast : nil
                case "Reshape":
                    fold = noOpReshapes.contains(n.name) ? .reshape : nil
                case "Slice":
                    // Everything, forwards (x[:, :H] of a tensor of height H); a reversing
                    // slice keeps the shape too but moves the elements.
                    fold = sameShapeSlices.contains(n.name) && forwardSteps(n) ? .slice : nil
                default:
                    fold = nil
                }
                guard let fold else { continue }
                rename[out] = rename[input] ?? input
                nodes[i] = nil
                removed.append((i, n))
                count(fold)
            }
            guard !rename.isEmpty else { return }
            for (i, n) in removed { remove(n, at: i) }
            for i in nodes.indices {
                guard var n = nodes[i] else { continue }
                let inputs = n.inputs.map { rename[$0] ?? $0 }
                guard inputs != n.inputs else { continue }
                remove(n, at: i)
                n.inputs = inputs
                add(n, at: i)
                nodes[i] = n
                rewritten[i] = true
            }
        }

        /// A Slice whose steps are all positive (or not given).
        func forwardSteps(_ n: RawNode) -> Bool {
            guard n.inputs.count > 4, !n.inputs[4].isEmpty else { return true }
            return constant(n.inputs[4])?.allSatisfy { $0 > 0 } ?? false
        }

        /// A Cast to the type its input already has: the input is an initializer of that
        /// type or the output of a Cast to it.
        func isNoOpCast(_ n: RawNode, rename: [String: String]) -> Bool {
            guard let to = n.attributes["to"]?.asInt else { return false }
            let input = rename[n.inputs[0]] ?? n.inputs[0]
            if let t = raw.initializers[input] { return Int(t.dataType) == to }
            if let p = producer[input], let pn = nodes[p], pn.op == "Cast" { return pn.attributes["to"]?.asInt == to }
            return false
        }

        // MARK: GELU

        mutating func fuseGelu() {
            for i in nodes.indices {
                guard let n = nodes[i] else { continue }
                if n.op == "Erf", let (d, x) = scaledInput(n.inputs[0]), let tail = geluTail(activation: i, x: x) {
                    replace([d] + tail.removed, with: gelu(x: x, output: tail.output, approximate: "none"), .geluErf)
                } else if n.op == "Tanh", let (inner, x) = tanhGeluInner(n.inputs[0]), let tail = geluTail(activation: i, x: x) {
                    replace(inner + tail.removed, with: gelu(x: x, output: tail.output, approximate: "tanh"), .geluTanh)
                }
            }
        }

        func gelu(x: String, output: String, approximate: String) -> RawNode {
            RawNode(name: output, op: "Gelu", inputs: [x], outputs: [output], attributes: ["approximate": .string(approximate)])
        }

        /// x / sqrt(2) or x * (1 / sqrt(2)), read only by the Erf: the node and x.
        func scaledInput(_ name: String) -> (Int, String)? {
            guard consumers[name]?.count == 1, let p = producer[name], let n = nodes[p], n.inputs.count == 2 else { return nil }
            if n.op == "Div", isScalar(n.inputs[1], 2.0.squareRoot()) { return (p, n.inputs[0]) }
            if n.op == "Mul" {
                if isScalar(n.inputs[1], 0.5.squareRoot()) { return (p, n.inputs[0]) }
                if isScalar(n.inputs[0], 0.5.squareRoot()) { return (p, n.inputs[1]) }
            }
            return nil
        }

        /// sqrt(2/pi) * (x + 0.044715 x^3), the Tanh's input: the nodes and x.
        func tanhGeluInner(_ name: String) -> ([Int], String)? {
            guard consumers[name]?.count == 1, let (m, mn) = node(name, "Mul") else { return nil }
            let c = (2.0 / Double.pi).squareRoot()
            guard let s = isScalar(mn.inputs[1], c, tolerance: 1e-3) ? mn.inputs[0]
                    : isScalar(mn.inputs[0], c, tolerance: 1e-3) ? mn.inputs[1] : nil,
                  consumers[s]?.count == 1, let (a, an) = node(s, "Add") else { return nil }
            for (x, p) in [(an.inputs[0], an.inputs[1]), (an.inputs[1], an.inputs[0])] {
                guard consumers[p]?.count == 1, let (k, kn) = node(p, "Mul") else { continue }
                guard let q = isScalar(kn.inputs[1], 0.044715, tolerance: 1e-3) ? kn.inputs[0]
                        : isScalar(kn.inputs[0], 0.044715, tolerance: 1e-3) ? kn.inputs[1] : nil,
                      consumers[q]?.count == 1 else { continue }
                if let (c3, cn) = node(q, "Pow"), cn.inputs[0] == x, isScalar(cn.inputs[1], 3) {
                    return ([m, a, k, c3], x)
                }
                if let (c3, cn) = node(q, "Mul"), let sq = other(cn, than: x), consumers[sq]?.count == 1,
                   let (c2, sn) = node(sq, "Mul"), sn.inputs == [x, x] {
                    return ([m, a, k, c3, c2], x)
                }
            }
            return nil
        }

        /// 0.5 x (1 + act): Add(act, 1), then Mul by x and by 0.5 in either order.
        func geluTail(activation i: Int, x: String) -> (removed: [Int], output: String)? {
            guard let act = nodes[i]?.outputs.first, let (a, an) = onlyConsumer(act, "Add"),
                  let one = other(an, than: act), isScalar(one, 1), let plus = an.outputs.first,
                  let (m1, m1n) = onlyConsumer(plus, "Mul"), let o = other(m1n, than: plus), let out1 = m1n.outputs.first else {
                return nil
            }
            if o == x, let (m2, m2n) = onlyConsumer(out1, "Mul"), let h = other(m2n, than: out1), isScalar(h, 0.5),
               let out = m2n.outputs.first {
                return ([i, a, m1, m2], out)
            }
            if consumers[o]?.count == 1, let (h, hn) = node(o, "Mul"), other(hn, than: x).map({ isScalar($0, 0.5) }) == true {
                return ([i, a, m1, h], out1)
            }
            if isScalar(o, 0.5), let (m2, m2n) = onlyConsumer(out1, "Mul"), other(m2n, than: out1) == x,
               let out = m2n.outputs.first {
                return ([i, a, m1, m2], out)
            }
            return nil
        }

        // MARK: LayerNorm

        mutating func fuseLayerNorm() {
            for i in nodes.indices {
                guard let s = nodes[i], s.op == "Sqrt", let match = layerNorm(sqrt: i, s) else { continue }
                replace(match.removed, with: match.node, .layerNorm)
            }
        }

        func reduceAxes(_ n: RawNode) -> [Int]? {
            if let a = n.attributes["axes"]?.asInts { return a }
            if n.inputs.count > 1 { return constant(n.inputs[1])?.map { Int($0) } }
            return nil
        }

        /// (x - mean) / sqrt(mean((x - mean)^2) + eps) [* gamma] [+ beta] over the last axes.
        func layerNorm(sqrt i: Int, _ s: RawNode) -> (removed: [Int], node: RawNode)? {
            guard consumers[s.inputs[0]]?.count == 1, let (a, an) = node(s.inputs[0], "Add") else { return nil }
            for (v, eps) in [(an.inputs[0], an.inputs[1]), (an.inputs[1], an.inputs[0])] {
                guard let e = constant(eps), e.count == 1, e[0] > 0, e[0] < 0.1,
                      consumers[v]?.count == 1, let (rv, rvn) = node(v, "ReduceMean"), consumers[rvn.inputs[0]]?.count == 1,
                      let axes = reduceAxes(rvn), (rvn.attributes["keepdims"]?.asInt ?? 1) == 1 else { continue }
                let sq = rvn.inputs[0]
                let d: String, p: Int
                if let (pi, pn) = node(sq, "Pow"), isScalar(pn.inputs[1], 2) { d = pn.inputs[0]; p = pi }
                else if let (pi, pn) = node(sq, "Mul"), pn.inputs.count == 2, pn.inputs[0] == pn.inputs[1] { d = pn.inputs[0]; p = pi }
                else { continue }
                guard let (sub, subn) = node(d, "Sub"), let (m, mn) = node(subn.inputs[1], "ReduceMean"),
                      mn.inputs[0] == subn.inputs[0], reduceAxes(mn) == axes, consumers[mn.outputs[0]]?.count == 1,
                      let sout = s.outputs.first, let (dv, dvn) = onlyConsumer(sout, "Div"), dvn.inputs == [d, sout],
                      Set(consumers[d] ?? []) == Set([p, dv]) else { continue }
                let x = subn.inputs[0]
                var removed = [m, sub, p, rv, a, i, dv]
                var out = dvn.outputs[0]
                var inputs = [x]
                if let (g, gn) = onlyConsumer(out, "Mul"), let gamma = other(gn, than: out), raw.initializers[gamma] != nil {
                    removed.append(g)
                    inputs.append(gamma)
                    out = gn.outputs[0]
                    if let (b, bn) = onlyConsumer(out, "Add"), let beta = other(bn, than: out), raw.initializers[beta] != nil {
                        removed.append(b)
                        inputs.append(beta)
                        out = bn.outputs[0]
                    }
                }
                guard axes.count == 1 || axes == Array((axes.min() ?? 0)...(axes.max() ?? 0)) else { continue }
                let fused = RawNode(name: out, op: "LayerNormalization", inputs: inputs, outputs: [out],
                                    attributes: ["axis": .int(axes.min() ?? -1), "epsilon": .float(Float(e[0])), "stash_type": .int(1)])
                return (removed, fused)
            }
            return nil
        }

        // MARK: HardSwish / HardSigmoid

        mutating func fuseHardSwishAndHardSigmoid() {
            // x * clip(x + 3, 0, 6) / 6 first: its Clip is also the start of the HardSigmoid spelling.
            for i in nodes.indices {
                guard let c = nodes[i], c.op == "Clip", let (add, x) = plusThree(c), let out = c.outputs.first,
                      let (m, mn) = onlyConsumer(out, "Mul"), other(mn, than: out) == x,
                      let (d, dn) = divBySix(mn.outputs[0]) else { continue }
                replace([add, i, m, d], with: RawNode(name: dn.outputs[0], op: "HardSwish", inputs: [x],
                                                      outputs: [dn.outputs[0]], attributes: [:]), .hardSwish)
            }
            for i in nodes.indices {
                guard let c = nodes[i], c.op == "Clip", let (add, x) = plusThree(c), let out = c.outputs.first,
                      let (d, dn) = divBySix(out) else { continue }
                replace([add, i, d], with: RawNode(name: dn.outputs[0], op: "HardSigmoid", inputs: [x], outputs: [dn.outputs[0]],
                                                   attributes: ["alpha": .float(Float(1.0 / 6.0)), "beta": .float(0.5)]),
                        .hardSigmoid)
            }
            for i in nodes.indices {
                guard let h = nodes[i], h.op == "HardSigmoid", let x = h.inputs.first, let out = h.outputs.first,
                      abs(Double(h.attributes["alpha"]?.asFloats?.first ?? 0.2) - 1.0 / 6.0) < 1e-4,
                      abs(Double(h.attributes["beta"]?.asFloats?.first ?? 0.5) - 0.5) < 1e-4,
                      let (m, mn) = onlyConsumer(out, "Mul"), other(mn, than: out) == x else { continue }
                replace([i, m], with: RawNode(name: mn.outputs[0], op: "HardSwish", inputs: [x], outputs: [mn.outputs[0]],
                                              attributes: [:]), .hardSwish)
            }
        }

        /// A Clip to [0, 6] of x + 3 (read only by the Clip): the Add and x.
        func plusThree(_ c: RawNode) -> (Int, String)? {
            let lo = c.attributes["min"]?.asFloats?.first.map(Double.init) ?? (c.inputs.count > 1 ? constant(c.inputs[1])?.first : nil)
            let hi = c.attributes["max"]?.asFloats?.first.map(Double.init) ?? (c.inputs.count > 2 ? constant(c.inputs[2])?.first : nil)
            guard lo == 0, hi == 6, consumers[c.inputs[0]]?.count == 1, let (a, an) = node(c.inputs[0], "Add") else { return nil }
            if isScalar(an.inputs[1], 3) { return (a, an.inputs[0]) }
            if isScalar(an.inputs[0], 3) { return (a, an.inputs[1]) }
            return nil
        }

        /// The only reader of `name` divides it by 6 (or multiplies by 1/6).
        func divBySix(_ name: String) -> (Int, RawNode)? {
            if let (d, dn) = onlyConsumer(name, "Div"), dn.inputs[0] == name, isScalar(dn.inputs[1], 6) { return (d, dn) }
            if let (d, dn) = onlyConsumer(name, "Mul"), let k = other(dn, than: name), isScalar(k, 1.0 / 6.0) { return (d, dn) }
            return nil
        }

        // MARK: attributes and leftovers

        /// One spelling of each node's attributes (`CanonicalAttributes`). Ranks come from
        /// the graph as read: a fused node takes the place, and the rank, of its last node.
        mutating func normaliseAttributes(asRead: NetworkGraph) {
            // Built when an op with an axis first asks (most nodes have none).
            var ranks: [String: Int]?
            func rank(of name: String) -> Int? {
                if ranks == nil {
                    var table: [String: Int] = [:]
                    table.reserveCapacity(asRead.nodes.count)
                    for k in asRead.nodes.indices {
                        let op = asRead.nodes[k].op
                        table[asRead.nodes[k].name] = CanonicalAttributes.axisOps.contains(op) || CanonicalAttributes.axesOps.contains(op)
                            ? asRead.nodes[k].inputShapes.first?.count : asRead.nodes[k].outputShape.count
                    }
                    ranks = table
                }
                return ranks?[name]
            }
            for i in nodes.indices {
                guard var n = nodes[i] else { continue }
                let normal = CanonicalAttributes.normalise(n, rank: { rank(of: n.name) }, opset: raw.opset)
                guard normal != n.attributes else { continue }
                n.attributes = normal
                nodes[i] = n
                rewritten[i] = true
                changed = true
            }
        }

        /// Constants whose readers were all folded away (the 0.5 and sqrt(2) of a GELU).
        mutating func removeUnusedConstants() {
            // Taken out of the index after the loop: the check reads it as it was.
            var removed: [(Int, RawNode)] = []
            for (i, n) in nodes.enumerated() {
                guard let n, n.op == "Constant", n.outputs.allSatisfy({ consumers[$0] == nil }) else { continue }
                nodes[i] = nil
                removed.append((i, n))
                count(.constant)
            }
            for (i, n) in removed { remove(n, at: i) }
        }
    }
}

/// Imports a file exported at a fixed batch (its input says `[4, 3, 160, 160]`) at another
/// batch.
///
/// Why: a static export writes the batch into its shape constants, and not only as a
/// leading dimension: torch's attention reshapes to `[101, 32, 48]` (32 = batch 4 x 8 heads),
/// `[404, 384]` (101 tokens x batch 4) or, in Swin, `[128, 49, 64]` (batch 2 x 64 windows).
/// Replacing the input's batch alone makes the first such Reshape fail. So the rescaler
/// follows where the batch sits in every tensor (`BatchPlace`), and when a constant
/// Reshape/Expand target meets a batch-carrying tensor it finds the target dimension that
/// holds the batch (by the flat element ranges Reshape preserves) and scales that
/// dimension by batch / exported batch. Constants concatenated or broadcast against a
/// batch-carrying tensor (a class token folded to `[4, 1, 384]`) are scaled the same way.
///
/// A file exported at batch 1 leaves one ambiguity: a batch of 1 merged into a
/// neighbouring dimension (`[101, 1, 384] -> [101, 8, 48]`) could be the outer factor of
/// the dimension on its right or the inner factor of the one on its left. torch's layouts
/// put it as the outer factor of the right-hand dimension unless that is the last one (the
/// features: `[101, 1, 8, 48] -> [101, 384]` is 101 x batch rows), and that is the rule.
struct StaticBatchRescaler {
    typealias Tensor = ShapeInference.Tensor

    /// Where the batch sits: in dimension `axis`, with `inner` elements of that dimension
    /// below it (the dimension is outer x batch x inner).
    struct BatchPlace: Equatable {
        var axis: Int
        var inner: Int
    }

    let exported: Int
    let batch: Int
    private(set) var places: [String: BatchPlace] = [:]
    /// Tensors whose values come from a run-time shape (Shape, Size and arithmetic on
    /// them): they already follow the batch and are never rescaled.
    private var shapeDerived: Set<String> = []
    private var pending: [String: BatchPlace] = [:]

    init(exported: Int, batch: Int, batchInputs: [String]) {
        self.exported = exported
        self.batch = batch
        for name in batchInputs { places[name] = BatchPlace(axis: 0, inner: 1) }
    }

    /// Rewrites the inputs of `node` that carry the exported batch before its shapes are
    /// inferred; constants that are rescaled are written back through `write` so that every
    /// reader (and the graph's Input node) sees the same shape.
    mutating func prepare(_ node: RawNode, _ ins: inout [Tensor?], write: (String, Tensor) -> Void) {
        switch node.op {
        case "Reshape":
            rescaleReshapeTarget(node, &ins)
        case "Expand":
            guard ins.count > 1, let x = ins[0], let place = places[node.inputs[0]], let t = ins[1],
                  var target = t.values, !shapeDerived.contains(node.inputs[1]) else { return }
            let a = place.axis + target.count - x.shape.count
            guard a >= 0, a < target.count, let exportedDim = exportedDimension(x.shape[place.axis], place),
                  target[a] == Double(exportedDim), exportedDim != x.shape[place.axis] else { return }
            target[a] = Double(x.shape[place.axis])
            ins[1] = Tensor(shape: t.shape, values: target)
        case "Concat":
            rescaleConstants(node, &ins, write: write, rightAligned: false)
        default:
            if ShapeInference.families[node.op] == .broadcast {
                rescaleConstants(node, &ins, write: write, rightAligned: true)
            }
        }
    }

    /// Records where the batch sits in the outputs of `node`.
    mutating func record(_ node: RawNode, _ ins: [Tensor?], _ outs: [Tensor]) {
        let names = node.outputs
        if outs.contains(where: { $0.values != nil }),
           node.op == "Shape" || node.op == "Size" || node.inputs.contains(where: shapeDerived.contains) {
            for name in names where !name.isEmpty { shapeDerived.insert(name) }
        }
        if let p = pending.removeValue(forKey: names.first ?? "") {
            places[names[0]] = p
            return
        }
        guard let (i, place) = firstPlaced(node), i < ins.count, let x = ins[i] else { return }
        let attrs = node.attributes
        var out: BatchPlace?
        switch node.op {
        case "Transpose":
            let perm = attrs["perm"]?.asInts ?? Array((0..<x.shape.count).reversed())
            out = perm.firstIndex(of: place.axis).map { BatchPlace(axis: $0, inner: place.inner) }
        case "Unsqueeze", "Squeeze":
            // The batch axis keeps its position among the axes that are not inserted/removed.
            guard let o = outs.first else { return }
            let before = x.shape.count, after = o.shape.count
            let given = ins.count > 1 ? ins[1]?.values : nil
            guard given?.allSatisfy({ $0.isFinite && abs($0) <= 64 }) ?? true else { return }
            let axes = (attrs["axes"]?.asInts ?? given?.map { Int($0) }) ?? []
            let rank = node.op == "Unsqueeze" ? after : before
            let resolved = Set(axes.map { $0 < 0 ? $0 + rank : $0 })
            if node.op == "Unsqueeze" {
                let kept = (0..<after).filter { !resolved.contains($0) }
                out = place.axis < kept.count ? BatchPlace(axis: kept[place.axis], inner: place.inner) : nil
            } else {
                let removed = axes.isEmpty ? Set(x.shape.indices.filter { x.shape[$0] == 1 }) : resolved
                if !removed.contains(place.axis) {
                    out = BatchPlace(axis: place.axis - removed.filter { $0 < place.axis }.count, inner: place.inner)
                }
            }
        case "Gather":
            let g0 = attrs["axis"]?.asInt ?? 0
            let g = g0 < 0 ? g0 + x.shape.count : g0
            guard i == 0, place.axis != g, ins.count > 1, let idx = ins[1] else { return }
            out = BatchPlace(axis: place.axis < g ? place.axis : place.axis + idx.shape.count - 1, inner: place.inner)
        case "Reshape", "Flatten":
            // A target computed from the shapes at run time: the batch moved as the shapes say.
            guard i == 0, let o = outs.first else { return }
            out = Self.locate(in: o.shape, from: x.shape, place: place, factor: batch)
        default:
            guard let o = outs.first else { return }
            let a = place.axis + o.shape.count - x.shape.count
            guard a >= 0, a < o.shape.count, o.shape[a] == x.shape[place.axis] else { return }
            out = BatchPlace(axis: a, inner: place.inner)
            for (k, name) in names.enumerated() where !name.isEmpty && k < outs.count
                && outs[k].shape.count == o.shape.count && outs[k].shape[a] == o.shape[a] {
                places[name] = out
            }
            return
        }
        if let out, let name = names.first, !name.isEmpty { places[name] = out }
    }

    /// The first input of `node` that carries the batch, and where.
    private func firstPlaced(_ node: RawNode) -> (Int, BatchPlace)? {
        for (k, name) in node.inputs.enumerated() {
            if let p = places[name] { return (k, p) }
        }
        return nil
    }

    /// The dimension a batch-carrying dimension had at the exported batch.
    private func exportedDimension(_ dim: Int, _ place: BatchPlace) -> Int? {
        let unit = batch * place.inner
        guard unit > 0, dim % unit == 0 else { return nil }
        return dim / batch * exported
    }

    private mutating func rescaleReshapeTarget(_ node: RawNode, _ ins: inout [Tensor?]) {
        guard ins.count > 1, let x = ins[0], let place = places[node.inputs[0]], let t = ins[1],
              let values = t.values, !shapeDerived.contains(node.inputs[1]),
              let exportedDim = exportedDimension(x.shape[place.axis], place) else { return }
        var x0 = x.shape
        x0[place.axis] = exportedDim
        let allowZero = (node.attributes["allowzero"]?.asInt ?? 0) != 0
        // The target as the exporter resolved it, at the exported batch.
        // Hostile files: only finite, bounded values are shape constants.
        guard values.allSatisfy({ $0.isFinite && abs($0) <= Double(maxAttributeMagnitude) }) else { return }
        var target = values.map { Int($0) }
        var unknown: Int?
        for (k, d) in target.enumerated() {
            if d == 0 && !allowZero {
                guard k < x0.count else { return }
                target[k] = x0[k]
            } else if d == -1 {
                guard unknown == nil else { return }
                unknown = k
            } else if d < 0 {
                return
            }
        }
        let total = ShapeInference.elements(x0)
        if let u = unknown {
            target[u] = 1
            let rest = ShapeInference.elements(target)
            guard rest > 0, total % rest == 0 else { return }
            target[u] = total / rest
        }
        guard ShapeInference.elements(target) == total,
              let found = Self.locate(in: target, from: x0, place: place, factor: exported),
              target[found.axis] % exported == 0 else { return }
        target[found.axis] = target[found.axis] / exported * batch
        ins[1] = Tensor(shape: t.shape, values: target.map(Double.init))
        pending[node.outputs.first ?? ""] = found
    }

    /// Where a batch (of `factor` at `place` in `input`) lands in `output` of the same
    /// element count, by the flat index range it spans; nil when no dimension holds it whole.
    static func locate(in output: [Int], from input: [Int], place: BatchPlace, factor: Int) -> BatchPlace? {
        guard place.axis < input.count, output.allSatisfy({ $0 > 0 }) else { return nil }
        // Products stay below 2^63: tensors are bounded by ShapeInference.maxElements, and
        // anything that is not (a hostile file) finds no place.
        let limit = ShapeInference.maxElements
        let lo = place.inner.multipliedReportingOverflow(by: ShapeInference.elements(Array(input[(place.axis + 1)...])))
        guard !lo.overflow, lo.partialValue <= limit, ShapeInference.elements(output) <= limit else { return nil }
        return locateBounded(in: output, lo: lo.partialValue, factor: factor)
    }

    private static func locateBounded(in output: [Int], lo: Int, factor: Int) -> BatchPlace? {
        let hi = lo * factor
        var strides = [Int](repeating: 1, count: output.count)
        for k in stride(from: output.count - 2, through: 0, by: -1) { strides[k] = strides[k + 1] * output[k + 1] }
        if factor > 1 {
            for k in output.indices where strides[k] <= lo && hi <= strides[k] * output[k]
                && lo % strides[k] == 0 && (strides[k] * output[k]) % hi == 0 {
                return BatchPlace(axis: k, inner: lo / strides[k])
            }
            return nil
        }
        // A batch of 1: a literal 1 at the boundary, else the rule in the type's comment.
        if let k = output.indices.first(where: { output[$0] == 1 && strides[$0] == lo }) {
            return BatchPlace(axis: k, inner: 1)
        }
        let top = output.indices.first { output[$0] > 1 && strides[$0] * output[$0] == lo }
        let bottom = output.indices.first { output[$0] > 1 && strides[$0] == lo }
        if let top, top != output.count - 1 || bottom == nil { return BatchPlace(axis: top, inner: output[top]) }
        if let bottom { return BatchPlace(axis: bottom, inner: 1) }
        return nil
    }

    /// Constants (no batch place) whose dimension at the batch axis is the exported one:
    /// scaled to the batch (a class token folded at the exported batch).
    private mutating func rescaleConstants(_ node: RawNode, _ ins: inout [Tensor?], write: (String, Tensor) -> Void,
                                           rightAligned: Bool) {
        guard let (i, place) = firstPlaced(node), i < ins.count, let x = ins[i], let exportedDim = exportedDimension(x.shape[place.axis], place),
              exportedDim != x.shape[place.axis] else { return }
        if node.op == "Concat" {
            let a0 = node.attributes["axis"]?.asInt ?? 0
            if (a0 < 0 ? a0 + x.shape.count : a0) == place.axis { return }
        }
        for (j, name) in node.inputs.enumerated() where j != i && j < ins.count && !name.isEmpty
            && places[name] == nil && !shapeDerived.contains(name) {
            guard var t = ins[j] else { continue }
            let a = rightAligned ? place.axis - (x.shape.count - t.shape.count) : place.axis
            guard a >= 0, a < t.shape.count, t.shape[a] == exportedDim, rightAligned ? exportedDim != 1 : true else { continue }
            t.shape[a] = x.shape[place.axis]
            t.values = nil
            ins[j] = t
            write(name, t)
            places[name] = BatchPlace(axis: a, inner: place.inner)
        }
    }
}

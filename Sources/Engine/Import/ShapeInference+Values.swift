/// Values of small constant tensors through the ops that rearrange them (Slice with any
/// step, Transpose, Concat on any axis). Exporters compute pads and target shapes this way
/// (torch's TorchScript exporter reverses a pads table with a step -1 Slice of a 2-D
/// Reshape, then transposes it), and a shape that depends on such a value is only known
/// when the value is.
extension ShapeInference {
    /// Tensors carried as values have at most this many elements (shape vectors, pads).
    static let maxValueElements = 64

    static func strides(_ shape: [Int]) -> [Int] {
        var s = Array(repeating: 1, count: shape.count)
        var acc = 1
        for i in shape.indices.reversed() {
            s[i] = acc
            acc *= shape[i]
        }
        return s
    }

    /// Calls `body` with each multi-index of `shape`, in row-major order.
    static func forEachIndex(_ shape: [Int], _ body: ([Int]) -> Void) {
        let n = elements(shape)
        guard n > 0 else { return }
        var index = Array(repeating: 0, count: shape.count)
        for _ in 0..<n {
            body(index)
            var d = shape.count - 1
            while d >= 0 {
                index[d] += 1
                if index[d] < shape[d] { break }
                index[d] = 0
                d -= 1
            }
        }
    }

    /// `x` sliced: output element `o` along axis `a` is input element `first[a] + o * step[a]`.
    static func sliceValues(_ values: [Double], shape: [Int], outShape: [Int], first: [Int], step: [Int]) -> [Double]? {
        guard values.count == elements(shape), elements(outShape) <= maxValueElements else { return nil }
        let st = strides(shape)
        var out: [Double] = []
        out.reserveCapacity(elements(outShape))
        forEachIndex(outShape) { o in
            var k = 0
            for d in o.indices { k += (first[d] + o[d] * step[d]) * st[d] }
            out.append(values[k])
        }
        return out
    }

    static func transposeValues(_ values: [Double], shape: [Int], perm: [Int]) -> [Double]? {
        guard values.count == elements(shape), values.count <= maxValueElements else { return nil }
        let st = strides(shape)
        var out: [Double] = []
        out.reserveCapacity(values.count)
        forEachIndex(perm.map { shape[$0] }) { o in
            var k = 0
            for (d, p) in perm.enumerated() { k += o[d] * st[p] }
            out.append(values[k])
        }
        return out
    }

    /// Inputs joined along `axis`, when every input's values are known.
    static func concatValues(_ inputs: [Tensor], axis: Int, outShape: [Int]) -> [Double]? {
        guard elements(outShape) <= maxValueElements else { return nil }
        var parts: [(values: [Double], shape: [Int])] = []
        for t in inputs {
            guard let v = t.values, v.count == elements(t.shape) else { return nil }
            parts.append((v, t.shape))
        }
        // Row-major: for each prefix (the axes before `axis`), each input's block in turn.
        let outer = elements(Array(outShape[..<axis]))
        var out: [Double] = []
        out.reserveCapacity(elements(outShape))
        for o in 0..<outer {
            for p in parts {
                let block = elements(Array(p.shape[axis...]))
                out.append(contentsOf: p.values[(o * block)..<((o + 1) * block)])
            }
        }
        return out
    }
}

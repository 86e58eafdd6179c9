/// Per-graph readouts over the packed node matrix: the sum or mean of each graph's
/// rows, written with a row stride so several readouts can share one matrix.
enum SegmentReadout {
    static func forward(x: UnsafePointer<Float>, width: Int, offsets: [Int], mean: Bool,
                        y: UnsafeMutablePointer<Float>, rowStride: Int) {
        for g in 0..<(offsets.count - 1) {
            let out = y + g * rowStride
            out.update(repeating: 0, count: width)
            for n in offsets[g]..<offsets[g + 1] {
                let row = x + n * width
                for j in 0..<width { out[j] += row[j] }
            }
            if mean {
                let inv = 1 / Float(offsets[g + 1] - offsets[g])
                for j in 0..<width { out[j] *= inv }
            }
        }
    }

    /// Adds the readout gradient to every node row of its graph.
    static func backward(dy: UnsafePointer<Float>, rowStride: Int, width: Int, offsets: [Int], mean: Bool,
                         dx: UnsafeMutablePointer<Float>) {
        for g in 0..<(offsets.count - 1) {
            let src = dy + g * rowStride
            let factor: Float = mean ? 1 / Float(offsets[g + 1] - offsets[g]) : 1
            for n in offsets[g]..<offsets[g + 1] {
                let row = dx + n * width
                for j in 0..<width { row[j] += src[j] * factor }
            }
        }
    }
}

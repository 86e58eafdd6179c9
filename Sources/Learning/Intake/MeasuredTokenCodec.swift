import Engine

/// The binary layout of one network's tokens in the store's `tokens` table (the store
/// deflates it). All integers and floats little-endian:
///
///     layout u8 (1) | nodeCount u32 | tokenDim u32 | edgeCount u32 | staticCount u32
///     nonzero bitmap: ceil(tokenDim / 8) bytes per row, bit c % 8 of byte c / 8 set when
///                     column c of the row is nonzero (its bit pattern, so -0.0 is kept)
///     the nonzero tokens, f32, row by row
///     edges: (a u32, b u32) x edgeCount
///     static features: f32 x staticCount
///
/// Two thirds of a token matrix are zeros (one-hot op slots, unused shape columns), so
/// the bitmap makes the input of the compression a third as long; it then runs twice as
/// fast and ends smaller than on the plain matrix (docs/store.md, table `tokens`).
package enum MeasuredTokenCodec {
    package static let layout: UInt8 = 1

    package struct Corrupt: Error, CustomStringConvertible {
        package var description: String
    }

    package static func encode(_ graph: TokenGraph) -> [UInt8] {
        let rowBitmapCount = (graph.tokenDim + 7) / 8
        let nonzero = graph.tokens.reduce(0) { $0 + ($1.bitPattern != 0 ? 1 : 0) }
        let count = 17 + graph.nodeCount * rowBitmapCount + 4 * nonzero + 8 * graph.edges.count
            + 4 * graph.staticFeatures.count
        // One pass into a buffer of the exact size: this runs for every encoding of every
        // imported network.
        return [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            var out = Writer(base: buffer.baseAddress!)
            out.byte(layout)
            for value in [graph.nodeCount, graph.tokenDim, graph.edges.count, graph.staticFeatures.count] {
                out.u32(UInt32(value))
            }
            graph.tokens.withUnsafeBufferPointer { tokens in
                var bitmap = out.position
                out.zeros(graph.nodeCount * rowBitmapCount)
                for row in 0..<graph.nodeCount {
                    let base = row * graph.tokenDim
                    for column in 0..<graph.tokenDim {
                        let bits = tokens[base + column].bitPattern
                        if bits != 0 {
                            bitmap[column >> 3] |= 1 << UInt8(column & 7)
                            out.u32(bits)
                        }
                    }
                    bitmap += rowBitmapCount
                }
            }
            for edge in graph.edges {
                out.u32(UInt32(bitPattern: edge.a))
                out.u32(UInt32(bitPattern: edge.b))
            }
            for value in graph.staticFeatures { out.u32(value.bitPattern) }
            initialized = out.position - buffer.baseAddress!
            precondition(initialized == count, "token layout size miscounted")
        }
    }

    /// Writes forward from `position`; the caller sized the buffer.
    private struct Writer {
        var position: UnsafeMutablePointer<UInt8>

        init(base: UnsafeMutablePointer<UInt8>) { position = base }

        mutating func byte(_ value: UInt8) {
            position.pointee = value
            position += 1
        }

        mutating func u32(_ value: UInt32) {
            UnsafeMutableRawPointer(position).storeBytes(of: value.littleEndian, as: UInt32.self)
            position += 4
        }

        mutating func zeros(_ count: Int) {
            position.initialize(repeating: 0, count: count)
            position += count
        }
    }

    /// The graph, checked against the encoding its key names (`expectedTokenDim`).
    package static func decode(_ bytes: [UInt8], expectedTokenDim: Int) throws -> TokenGraph {
        do {
            return try decodeFields(bytes, expectedTokenDim: expectedTokenDim)
        } catch let truncated as LittleEndianReader.Truncated {
            throw Corrupt(description: bytes.isEmpty ? "empty" : "ends \(truncated.missing) bytes early")
        }
    }

    private static func decodeFields(_ bytes: [UInt8], expectedTokenDim: Int) throws -> TokenGraph {
        var reader = LittleEndianReader(bytes)
        let found = try reader.byte()
        guard found == layout else { throw Corrupt(description: "token layout \(found) is unknown (this code reads \(layout))") }
        let nodeCount = Int(try reader.u32())
        let tokenDim = Int(try reader.u32())
        let edgeCount = Int(try reader.u32())
        let staticCount = Int(try reader.u32())
        guard tokenDim == expectedTokenDim else {
            throw Corrupt(description: "rows of \(tokenDim) tokens where the encoding has \(expectedTokenDim)")
        }
        let rowBitmapCount = (tokenDim + 7) / 8
        guard nodeCount <= reader.remaining / max(rowBitmapCount, 1) else {
            throw Corrupt(description: "\(nodeCount) rows do not fit in \(bytes.count) bytes")
        }
        let bitmaps = try reader.take(nodeCount * rowBitmapCount)
        var tokens = [Float](repeating: 0, count: nodeCount * tokenDim)
        try tokens.withUnsafeMutableBufferPointer { out in
            for row in 0..<nodeCount {
                let bitmap = bitmaps.startIndex + row * rowBitmapCount
                for column in 0..<tokenDim where bitmaps[bitmap + column >> 3] & (1 << UInt8(column & 7)) != 0 {
                    out[row * tokenDim + column] = Float(bitPattern: try reader.u32())
                }
            }
        }
        guard edgeCount <= reader.remaining / 8 else { throw Corrupt(description: "\(edgeCount) edges run past the end") }
        var edges: [UndirectedEdge] = []
        edges.reserveCapacity(edgeCount)
        for _ in 0..<edgeCount {
            let a = Int(try reader.u32()), b = Int(try reader.u32())
            guard a < nodeCount, b < nodeCount, a != b else {
                throw Corrupt(description: "edge \(a)-\(b) is outside the \(nodeCount) nodes or a self loop")
            }
            edges.append(UndirectedEdge(a, b))
        }
        guard staticCount == reader.remaining / 4, reader.remaining % 4 == 0 else {
            throw Corrupt(description: "\(reader.remaining) bytes left for \(staticCount) static features")
        }
        var staticFeatures: [Float] = []
        staticFeatures.reserveCapacity(staticCount)
        for _ in 0..<staticCount { staticFeatures.append(Float(bitPattern: try reader.u32())) }
        return TokenGraph(nodeCount: nodeCount, tokenDim: tokenDim, tokens: tokens, edges: edges,
                          staticFeatures: staticFeatures)
    }
}

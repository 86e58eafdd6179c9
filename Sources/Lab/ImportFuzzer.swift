import Engine
import Foundation
import ONNX

/// A mutation harness over the ONNX and graph-JSON readers: truncations, bit flips,
/// hostile varints, huge length claims, and hand-built hostile graphs (cycles,
/// dangling inputs, huge dimensions). Every case must end in an `ImportedNetwork` or
/// an `ImportError`; any other error, or a case slower than `slowCaseSeconds`, is a
/// finding. (A crash ends the process, which is a finding too.)
public struct ImportFuzzer {
    public struct Seed: Sendable {
        public var name: String
        public var data: Data
        public var format: NetworkImporter.Format
        public init(name: String, data: Data, format: NetworkImporter.Format) {
            self.name = name
            self.data = data
            self.format = format
        }
    }

    public struct Report: Sendable, CustomStringConvertible {
        public var cases = 0
        public var imported = 0
        public var rejected = 0
        public var seconds = 0.0
        public var slowestCaseSeconds = 0.0
        public var findings: [String] = []
        public var description: String {
            "\(cases) cases in \(String(format: "%.1f", seconds)) s: \(imported) imported, \(rejected) rejected with an ImportError, "
                + "slowest \(String(format: "%.1f", slowestCaseSeconds * 1000)) ms, \(findings.count) findings"
                + findings.prefix(10).map { "\n  - " + $0 }.joined()
        }
    }

    public static let slowCaseSeconds = 2.0
    public var seeds: [Seed]
    private var rng: SplitMix64

    public init(seeds: [Seed], seed: UInt64) {
        self.seeds = seeds + Self.hostileSeeds()
        self.rng = SplitMix64(seed: seed)
    }

    /// Runs until `cases` cases or `seconds` elapse, whichever comes first.
    public mutating func run(cases limit: Int = .max, seconds: Double = .infinity) -> Report {
        var report = Report()
        let start = Date()
        while report.cases < limit, Date().timeIntervalSince(start) < seconds, !seeds.isEmpty {
            let seed = seeds[Int(rng.next() % UInt64(seeds.count))]
            let (label, data) = mutate(seed)
            let t0 = Date()
            do {
                let network = try NetworkImporter.importData(
                    data, format: seed.format, name: "fuzz-\(report.cases).\(seed.format == .onnx ? "onnx" : "json")",
                    batchSize: rng.next() % 4 == 0 ? Int(rng.next() % 64) + 1 : nil)
                // Every encoding's tokenizer reads the graph: the canonical one too.
                for encoding in network.storedEncodings { _ = try network.tokens(for: encoding) }
                report.imported += 1
            } catch is ImportError {
                report.rejected += 1
            } catch {
                report.findings.append("\(seed.name) \(label): not an ImportError: \(error)")
            }
            let dt = Date().timeIntervalSince(t0)
            report.slowestCaseSeconds = max(report.slowestCaseSeconds, dt)
            if dt > Self.slowCaseSeconds { report.findings.append("\(seed.name) \(label): took \(dt) s") }
            report.cases += 1
        }
        report.seconds = Date().timeIntervalSince(start)
        return report
    }

    private mutating func random(_ n: Int) -> Int { n <= 0 ? 0 : Int(rng.next() % UInt64(n)) }

    private mutating func mutate(_ seed: Seed) -> (String, Data) {
        var bytes = [UInt8](seed.data)
        guard !bytes.isEmpty else { return ("empty", Data()) }
        switch random(7) {
        case 0:
            let n = random(bytes.count)
            return ("truncated at \(n)", Data(bytes.prefix(n)))
        case 1:
            let flips = 1 + random(8)
            for _ in 0..<flips { bytes[random(bytes.count)] ^= UInt8(1 << random(8)) }
            return ("\(flips) bit flips", Data(bytes))
        case 2:
            // A hostile varint: ten 0xFF bytes (longer than 64 bits) or a huge length.
            let at = random(bytes.count)
            let hostile: [UInt8] = random(2) == 0 ? Array(repeating: 0xFF, count: 10) : [0xFF, 0xFF, 0xFF, 0xFF, 0x0F]
            bytes.insert(contentsOf: hostile, at: at)
            return ("hostile varint at \(at)", Data(bytes))
        case 3:
            let at = random(bytes.count)
            let n = min(bytes.count - at, 1 + random(64))
            for i in at..<(at + n) { bytes[i] = UInt8(truncatingIfNeeded: rng.next()) }
            return ("\(n) random bytes at \(at)", Data(bytes))
        case 4:
            // Splice: a chunk of the file repeated (duplicated nodes, repeated fields).
            let a = random(bytes.count), b = min(bytes.count, a + random(512))
            bytes.insert(contentsOf: bytes[a..<b], at: random(bytes.count))
            return ("spliced \(b - a) bytes", Data(bytes))
        case 5 where seed.format == .graphJSON:
            // Numbers made huge, negative or fractional.
            let text = String(decoding: bytes, as: UTF8.self)
            let replacement = ["99999999999999999999", "-1", "0", "2147483648", "1e300", "3.5", "null"][random(7)]
            var out = ""
            var replaced = false
            for part in text.split(separator: ",", omittingEmptySubsequences: false) {
                if !out.isEmpty { out += "," }
                if !replaced, random(8) == 0, let first = part.firstIndex(where: { $0.isNumber }) {
                    var p = String(part)
                    let idx = p.index(p.startIndex, offsetBy: part.distance(from: part.startIndex, to: first))
                    let end = p[idx...].firstIndex(where: { !$0.isNumber }) ?? p.endIndex
                    p.replaceSubrange(idx..<end, with: replacement)
                    out += p
                    replaced = true
                } else {
                    out += part
                }
            }
            return ("number replaced by \(replacement)", Data(out.utf8))
        default:
            return ("unchanged", seed.data)
        }
    }

    /// Hand-built hostile files the mutations rarely reach by chance.
    package static func hostileSeeds() -> [Seed] {
        func model(_ build: (inout Onnx_GraphProto) -> Void) -> Data {
            var g = Onnx_GraphProto()
            var input = Onnx_ValueInfoProto()
            input.name = "x"
            var tensorType = Onnx_TypeProto.Tensor()
            tensorType.elemType = 1
            for d in [1, 3, 8, 8] {
                var dim = Onnx_TensorShapeProto.Dimension()
                dim.dimValue = Int64(d)
                tensorType.shape.dim.append(dim)
            }
            input.type.tensorType = tensorType
            g.input = [input]
            build(&g)
            var m = Onnx_ModelProto()
            m.irVersion = 8
            var opset = Onnx_OperatorSetIdProto()
            opset.version = 13
            m.opsetImport = [opset]
            m.graph = g
            return (try? m.serializedBytes()) ?? Data()
        }
        func node(_ op: String, _ inputs: [String], _ output: String) -> Onnx_NodeProto {
            var n = Onnx_NodeProto()
            n.opType = op
            n.input = inputs
            n.output = [output]
            n.name = output
            return n
        }
        func weight(_ name: String, _ dims: [Int64]) -> Onnx_TensorProto {
            var t = Onnx_TensorProto()
            t.name = name
            t.dims = dims
            t.dataType = 1
            return t
        }
        var seeds: [Seed] = []
        seeds.append(Seed(name: "cycle", data: model { g in
            g.node = [node("Relu", ["b"], "a"), node("Relu", ["a"], "b")]
        }, format: .onnx))
        seeds.append(Seed(name: "dangling input", data: model { g in
            g.node = [node("Add", ["x", "nowhere"], "y")]
        }, format: .onnx))
        seeds.append(Seed(name: "huge conv weight", data: model { g in
            g.node = [node("Conv", ["x", "w"], "y")]
            g.initializer = [weight("w", [Int64(1) << 31, 3, 1, 1])]
        }, format: .onnx))
        seeds.append(Seed(name: "huge dims", data: model { g in
            g.node = [node("Conv", ["x", "w"], "y"), node("Relu", ["y"], "z")]
            g.initializer = [weight("w", [Int64.max, 3, Int64.max, 1])]
        }, format: .onnx))
        seeds.append(Seed(name: "reshape to a huge shape", data: model { g in
            g.node = [node("Reshape", ["x", "s"], "y")]
            var s = weight("s", [4])
            s.dataType = 7
            s.int64Data = [Int64.max, Int64.max, -1, 0]
            g.initializer = [s]
        }, format: .onnx))
        seeds.append(Seed(name: "valid conv", data: model { g in
            g.node = [node("Conv", ["x", "w", "b"], "y"), node("Relu", ["y"], "z"), node("GlobalAveragePool", ["z"], "p")]
            g.initializer = [weight("w", [16, 3, 3, 3]), weight("b", [16])]
        }, format: .onnx))
        // A graph message that claims 10^7 nodes' worth of bytes but holds none.
        var claim = Data([0x3A])  // field 7 (graph), wire type 2
        var length: UInt64 = 10_000_000 * 40
        while length >= 0x80 { claim.append(UInt8(length & 0x7F) | 0x80); length >>= 7 }
        claim.append(UInt8(length))
        claim.append(contentsOf: [0x0A, 0x02, 0x3A, 0x00])
        seeds.append(Seed(name: "10^7 nodes claimed", data: claim, format: .onnx))
        let json = #"""
        {"format": "narformer-graph", "version": 1, "inputs": [{"name": "x", "shape": [1, 3, 8, 8]}],
         "initializers": [{"name": "w", "shape": [8, 3, 3, 3]}],
         "nodes": [{"name": "c", "op": "Conv", "inputs": ["x", "w"], "attributes": {"pads": [1, 1, 1, 1]}},
                   {"name": "r", "op": "Relu", "inputs": ["c"]},
                   {"name": "a", "op": "Add", "inputs": ["r", "c"], "output_shape": [1, 8, 8, 8]}]}
        """#
        seeds.append(Seed(name: "json network", data: Data(json.utf8), format: .graphJSON))
        let cycle = #"{"format": "narformer-graph", "version": 1, "inputs": [{"name": "x", "shape": [1, 4]}], "nodes": [{"name": "a", "op": "Relu", "inputs": ["b"]}, {"name": "b", "op": "Relu", "inputs": ["a"]}]}"#
        seeds.append(Seed(name: "json cycle", data: Data(cycle.utf8), format: .graphJSON))
        let cell = #"{"format": "narformer-graph", "version": 1, "cell": "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|"}"#
        seeds.append(Seed(name: "json cell", data: Data(cell.utf8), format: .graphJSON))
        return seeds
    }
}

import ArgumentParser
import Engine
import Foundation

/// `narformer inspect FILE`: what the importer makes of a network file.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Import an ONNX or graph-JSON file and show its graph, shapes, costs and hash."
    )

    @Argument(help: "An .onnx or .json (graph JSON or NAS-Bench-201 cell) file.")
    var file: String

    @Option(help: "Batch size that replaces the input's batch dimension.")
    var batch: Int?

    @Flag(help: "Print JSON for scripts.")
    var json = false

    @Flag(help: "List every node with its op and output shape.")
    var nodes = false

    func run() throws {
        let net: ImportedNetwork
        do {
            net = try NetworkImporter.importFile(at: URL(fileURLWithPath: file), batchSize: batch)
        } catch let error as ImportError {
            throw CommandFailure(error.description)
        }
        let tokens = net.tokens()
        // Outputs: nodes no node reads (one pass; a search per node was quadratic).
        var read = [Bool](repeating: false, count: net.graph.nodes.count)
        for node in net.graph.nodes { for p in node.predecessors { read[p] = true } }
        let outputs = net.graph.nodes.indices.filter { !read[$0] }.map { net.graph.nodes[$0] }
        if json {
            var object: [String: Any] = [
                "file": net.name,
                "hash": net.contentHash,
                "batch": net.batchSize,
                "nodes": net.graph.nodes.count,
                "edges": tokens.edges.count,
                "ops": net.graph.opHistogram,
                "flops": net.totals.flops,
                "params": net.totals.params,
                "memory_access": net.totals.memoryAccess,
                "unknown_ops": net.unknownOps,
                "folded": net.folds,
                "outputs": outputs.map { ["name": $0.name, "op": $0.op, "shape": $0.outputShape] as [String: Any] },
            ]
            if case .cell(let arch) = net.kind { object["cell"] = arch }
            if nodes {
                object["node_list"] = zip(net.graph.nodes, net.nodeCosts).map { n, c in
                    ["name": n.name, "op": n.op, "shape": n.outputShape, "inputs": n.predecessors,
                     "flops": c.flops, "params": c.params, "memory_access": c.memoryAccess] as [String: Any]
                }
            }
            let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        print("file            \(net.name)")
        if case .cell(let arch) = net.kind { print("cell            \(arch)") }
        print("hash            \(net.contentHash)")
        print("batch           \(net.batchSize)")
        print("nodes           \(net.graph.nodes.count)")
        print("edges           \(tokens.edges.count)")
        print("FLOPs           \(Self.format(net.totals.flops)) (\(String(format: "%.4f", net.totals.flops / 1e9)) G)")
        print("params          \(Self.format(net.totals.params))")
        print("memory access   \(Self.format(net.totals.memoryAccess))")
        print("unknown ops     \(net.unknownOps.isEmpty ? "none" : net.unknownOps.sorted { $0.key < $1.key }.map { "\($0.key) x\($0.value)" }.joined(separator: ", "))")
        print("folded          \(net.folds.isEmpty ? "nothing (already canonical)" : net.folds.sorted { $0.key < $1.key }.map { "\($0.key) x\($0.value)" }.joined(separator: ", "))")
        print("ops")
        for (op, count) in net.graph.opHistogram.sorted(by: { ($0.value, $1.key) > ($1.value, $0.key) }) {
            print("  \(op.padding(toLength: 22, withPad: " ", startingAt: 0)) \(count)")
        }
        print("outputs")
        for o in outputs { print("  \(o.name) (\(o.op)) \(o.outputShape)") }
        if nodes {
            print("nodes (position, op, output shape, inputs, FLOPs)")
            for (i, (n, c)) in zip(net.graph.nodes, net.nodeCosts).enumerated() {
                print("  \(i) \(n.op) \(n.outputShape) <- \(n.predecessors) \(Self.format(c.flops))  \(n.name)")
            }
        }
    }

    static func format(_ v: Double) -> String {
        let n = Int64(v.rounded())
        let digits = String(n)
        var out = ""
        for (i, ch) in digits.reversed().enumerated() {
            if i > 0 && i % 3 == 0 && ch != "-" { out.append(",") }
            out.append(ch)
        }
        return String(out.reversed())
    }
}

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

    @Flag(help: "Show the canonical graph (exporter variants folded, the graph the hash is taken over) instead of the graph as the file states it.")
    var canonical = false

    func run() throws {
        let net: ImportedNetwork
        do {
            net = try NetworkImporter.importFile(at: URL(fileURLWithPath: file), batchSize: batch)
        } catch let error as ImportError {
            throw CommandFailure(error.description)
        }
        let tokens = net.tokens()
        let graph = canonical ? net.canonicalGraph : net.graph
        let costs = canonical ? net.canonicalCosts : net.nodeCosts
        let totals = canonical ? net.canonicalTotals : net.totals
        let unknownOps = canonical ? net.canonicalUnknownOps : net.unknownOps
        // Nodes nobody reads; one pass, so a graph of a million nodes is not a quadratic walk.
        var read = [Bool](repeating: false, count: graph.nodes.count)
        for n in graph.nodes { for p in n.predecessors { read[p] = true } }
        let outputs = graph.nodes.indices.filter { !read[$0] }.map { graph.nodes[$0] }
        if json {
            var object: [String: Any] = [
                "file": net.name,
                "hash": net.contentHash,
                "batch": net.batchSize,
                "nodes": graph.nodes.count,
                "edges": tokens.edges.count,
                "ops": graph.opHistogram,
                "flops": totals.flops,
                "params": totals.params,
                "memory_access": totals.memoryAccess,
                "unknown_ops": unknownOps,
                "folded": net.folds,
                "outputs": outputs.map { ["name": $0.name, "op": $0.op, "shape": $0.outputShape] as [String: Any] },
            ]
            if case .cell(let arch) = net.kind { object["cell"] = arch }
            if nodes {
                object["node_list"] = zip(graph.nodes, costs).map { n, c in
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
        print("nodes           \(graph.nodes.count)")
        print("edges           \(tokens.edges.count)")
        print("FLOPs           \(Self.format(totals.flops)) (\(String(format: "%.4f", totals.flops / 1e9)) G)")
        print("params          \(Self.format(totals.params))")
        print("memory access   \(Self.format(totals.memoryAccess))")
        print("unknown ops     \(unknownOps.isEmpty ? "none" : unknownOps.sorted { $0.key < $1.key }.map { "\($0.key) x\($0.value)" }.joined(separator: ", "))")
        print("folded          \(net.folds.isEmpty ? "nothing (already canonical)" : net.folds.sorted { $0.key < $1.key }.map { "\($0.key) x\($0.value)" }.joined(separator: ", "))")
        print("ops")
        for (op, count) in graph.opHistogram.sorted(by: { ($0.value, $1.key) > ($1.value, $0.key) }) {
            print("  \(op.padding(toLength: 22, withPad: " ", startingAt: 0)) \(count)")
        }
        print("outputs")
        for o in outputs { print("  \(o.name) (\(o.op)) \(o.outputShape)") }
        if nodes {
            print("nodes (position, op, output shape, inputs, FLOPs)")
            for (i, (n, c)) in zip(graph.nodes, costs).enumerated() {
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

/// A raw graph's tensor names as dense ids, and every node's inputs and outputs as ids.
///
/// The graph builder looks a tensor up several times per edge (its shape, its producer,
/// whether it is a graph input); with names as dictionary keys each look-up hashes the
/// whole name (ONNX exporters write long ones, `/blocks.0/attn/Reshape_output_0`), which
/// was the largest single cost of an import. Interning hashes each occurrence once; the
/// builder then indexes arrays.
struct TensorNameTable {
    private var ids: [String: Int] = [:]
    /// Ids of node `i`'s inputs are `inputIDs[inputStart[i]..<inputStart[i + 1]]`, in order;
    /// -1 for an empty name (an omitted optional input). Outputs alike.
    private(set) var inputStart: [Int] = [0]
    private(set) var inputIDs: [Int] = []
    private(set) var outputStart: [Int] = [0]
    private(set) var outputIDs: [Int] = []

    static let absent = -1

    /// Every name `raw`'s nodes and graph inputs use.
    init(_ raw: RawGraph) {
        ids.reserveCapacity(raw.nodes.count * 2 + raw.inputs.count)
        inputIDs.reserveCapacity(raw.nodes.count * 2)
        outputIDs.reserveCapacity(raw.nodes.count)
        for input in raw.inputs { _ = intern(input.name) }
        for node in raw.nodes {
            for name in node.inputs { inputIDs.append(name.isEmpty ? Self.absent : intern(name)) }
            inputStart.append(inputIDs.count)
            for name in node.outputs { outputIDs.append(name.isEmpty ? Self.absent : intern(name)) }
            outputStart.append(outputIDs.count)
        }
    }

    /// The names of `raw`, a rewrite of the graph `base` names (the canonical graph of the
    /// graph as read): node `i` with `unchangedFrom[i] = j` reads and writes what `base`'s
    /// node `j` does, so its ids are copied rather than looked up; other names are interned
    /// as usual, after `base`'s (whose ids stay, used or not).
    init(_ raw: RawGraph, derivedFrom base: TensorNameTable, unchangedFrom: [Int?]) {
        ids = base.ids
        inputIDs.reserveCapacity(base.inputIDs.count)
        outputIDs.reserveCapacity(base.outputIDs.count)
        for input in raw.inputs { _ = intern(input.name) }
        for i in raw.nodes.indices {
            if i < unchangedFrom.count, let j = unchangedFrom[i] {
                inputIDs.append(contentsOf: base.inputs(of: j))
                outputIDs.append(contentsOf: base.outputs(of: j))
            } else {
                for name in raw.nodes[i].inputs { inputIDs.append(name.isEmpty ? Self.absent : intern(name)) }
                for name in raw.nodes[i].outputs { outputIDs.append(name.isEmpty ? Self.absent : intern(name)) }
            }
            inputStart.append(inputIDs.count)
            outputStart.append(outputIDs.count)
        }
    }

    var count: Int { ids.count }

    /// The id of a name the graph uses; nil for one it does not (a derived table also
    /// knows the names of its base).
    func id(_ name: String) -> Int? { ids[name] }

    func inputs(of node: Int) -> ArraySlice<Int> { inputIDs[inputStart[node]..<inputStart[node + 1]] }
    func outputs(of node: Int) -> ArraySlice<Int> { outputIDs[outputStart[node]..<outputStart[node + 1]] }

    private mutating func intern(_ name: String) -> Int {
        if let id = ids[name] { return id }
        let id = ids.count
        ids[name] = id
        return id
    }
}

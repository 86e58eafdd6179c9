import Foundation

/// Reads the graph JSON format (docs/graph-json.md, schema docs/graph.schema.json):
/// a network as ONNX-like nodes, or a NAS-Bench-201 cell. The schema's rules are
/// checked here; each violation names the JSON path at fault.
enum GraphJSONReader {
    enum Content {
        case network(RawGraph)
        case cell(NB201Cell)
    }

    static let formatName = "narformer-graph"
    static let version = 1
    static let maxNodes = 1_000_000
    static let maxRank = 16

    static func read(_ data: Data, file: String) throws -> Content {
        func fail(_ path: String, _ message: String) -> ImportError {
            ImportError(.schema, file: file, "\(path): \(message)")
        }
        let root: Any
        do {
            root = try JSONSerialization.jsonObject(with: data, options: [])
        } catch {
            throw ImportError(.malformed, file: file, JSONProblem.describe(data, error: error))
        }
        guard let object = root as? [String: Any] else { throw fail("$", "must be an object") }
        let allowed: Set<String> = ["format", "version", "name", "cell", "inputs", "initializers", "nodes", "opset"]
        if let extra = object.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw fail("$.\(extra)", "is not a known field (known: \(allowed.sorted().joined(separator: ", ")))")
        }
        guard object["format"] as? String == formatName else { throw fail("$.format", "must be \"\(formatName)\"") }
        guard let v = object["version"] as? NSNumber, isInteger(v), v.intValue == version else {
            throw fail("$.version", "must be \(version)")
        }
        if let name = object["name"], !(name is String) { throw fail("$.name", "must be a string") }
        if let cell = object["cell"] {
            guard let arch = cell as? String else { throw fail("$.cell", "must be an arch string") }
            for key in ["inputs", "initializers", "nodes"] where object[key] != nil {
                throw fail("$.\(key)", "a cell file cannot also list \(key)")
            }
            do { return .cell(try NB201Cell(arch: arch)) } catch let e as NB201Cell.ArchError {
                throw fail("$.cell", e.message)
            }
        }
        var opset = 13
        if let o = object["opset"] {
            guard let n = o as? NSNumber, isInteger(n), (7...21).contains(n.intValue) else {
                throw fail("$.opset", "must be an integer from 7 to 21")
            }
            opset = n.intValue
        }
        guard let inputs = object["inputs"] as? [Any], !inputs.isEmpty else {
            throw fail("$.inputs", "must be a non-empty array of {name, shape}")
        }
        var names = Set<String>()
        var graphInputs: [(name: String, dims: [Int?])] = []
        for (i, item) in inputs.enumerated() {
            let path = "$.inputs[\(i)]"
            guard let o = item as? [String: Any] else { throw fail(path, "must be an object") }
            let name = try string(o["name"], "\(path).name", fail)
            guard names.insert(name).inserted else { throw fail("\(path).name", "'\(name)' is defined twice") }
            graphInputs.append((name, try shape(o["shape"], "\(path).shape", fail).map { Optional($0) }))
        }
        var initializers: [String: TensorInfo] = [:]
        if let list = object["initializers"] {
            guard let items = list as? [Any] else { throw fail("$.initializers", "must be an array") }
            for (i, item) in items.enumerated() {
                let path = "$.initializers[\(i)]"
                guard let o = item as? [String: Any] else { throw fail(path, "must be an object") }
                let name = try string(o["name"], "\(path).name", fail)
                guard names.insert(name).inserted else { throw fail("\(path).name", "'\(name)' is defined twice") }
                let dims = try shape(o["shape"], "\(path).shape", fail)
                var values: [Double]?
                if let vs = o["values"] {
                    guard let arr = vs as? [NSNumber], arr.count == ShapeInference.elements(dims), arr.count <= 4096 else {
                        throw fail("\(path).values", "must be an array of numbers, one per element (at most 4096)")
                    }
                    values = arr.map { $0.doubleValue }
                }
                initializers[name] = TensorInfo(dims: dims, dataType: 1, values: values)
            }
        }
        guard let nodeList = object["nodes"] as? [Any], !nodeList.isEmpty else {
            throw fail("$.nodes", "must be a non-empty array of nodes")
        }
        guard nodeList.count <= maxNodes else { throw fail("$.nodes", "has \(nodeList.count) nodes, more than \(maxNodes)") }
        var nodes: [RawNode] = []
        nodes.reserveCapacity(nodeList.count)
        for (i, item) in nodeList.enumerated() {
            let path = "$.nodes[\(i)]"
            guard let o = item as? [String: Any] else { throw fail(path, "must be an object") }
            let nodeKeys: Set<String> = ["name", "op", "inputs", "outputs", "attributes", "output_shape"]
            if let extra = o.keys.sorted().first(where: { !nodeKeys.contains($0) }) {
                throw fail("\(path).\(extra)", "is not a known node field")
            }
            let name = try string(o["name"], "\(path).name", fail)
            let op = try string(o["op"], "\(path).op", fail)
            guard let ins = o["inputs"] as? [Any] else { throw fail("\(path).inputs", "must be an array of tensor names") }
            let inputNames = try ins.enumerated().map { try string($1, "\(path).inputs[\($0)]", fail) }
            var outputs = [name]
            if let outs = o["outputs"] {
                guard let arr = outs as? [Any], !arr.isEmpty else { throw fail("\(path).outputs", "must be a non-empty array") }
                outputs = try arr.enumerated().map { try string($1, "\(path).outputs[\($0)]", fail) }
            }
            for out in outputs {
                guard names.insert(out).inserted else { throw fail("\(path)", "output '\(out)' is defined twice") }
            }
            var attributes: [String: AttributeValue] = [:]
            if let a = o["attributes"] {
                guard let dict = a as? [String: Any] else { throw fail("\(path).attributes", "must be an object") }
                for (key, value) in dict {
                    attributes[key] = try attribute(value, "\(path).attributes.\(key)", fail)
                }
            }
            var declared: [Int]?
            if let s = o["output_shape"] { declared = try shape(s, "\(path).output_shape", fail) }
            nodes.append(RawNode(name: outputs[0], op: op, inputs: inputNames, outputs: outputs,
                                 attributes: attributes, declaredOutputShape: declared))
        }
        for (i, node) in nodes.enumerated() {
            for (k, input) in node.inputs.enumerated() where !input.isEmpty && !names.contains(input) {
                throw fail("$.nodes[\(i)].inputs[\(k)]", "'\(input)' is not a graph input, initializer or node output")
            }
        }
        return .network(RawGraph(nodes: nodes, initializers: initializers, inputs: graphInputs, opset: opset))
    }

    private static func isInteger(_ n: NSNumber) -> Bool {
        let d = n.doubleValue
        return d.isFinite && d == d.rounded() && abs(d) < 9e15 && String(cString: n.objCType) != "c"
    }

    private static func string(_ v: Any?, _ path: String, _ fail: (String, String) -> ImportError) throws -> String {
        guard let s = v as? String, !s.isEmpty, s.utf8.count <= 4096 else { throw fail(path, "must be a non-empty string") }
        return s
    }

    private static func shape(_ v: Any?, _ path: String, _ fail: (String, String) -> ImportError) throws -> [Int] {
        guard let arr = v as? [Any], arr.count <= maxRank else {
            throw fail(path, "must be an array of at most \(maxRank) dimensions")
        }
        return try arr.enumerated().map { i, d in
            guard let n = d as? NSNumber, isInteger(n), n.doubleValue >= 0, n.doubleValue <= Double(maxDimension) else {
                throw fail("\(path)[\(i)]", "must be a non-negative integer up to 2^31")
            }
            return n.intValue
        }
    }

    private static func attribute(_ v: Any, _ path: String, _ fail: (String, String) -> ImportError) throws -> AttributeValue {
        if let s = v as? String { return .string(s) }
        if let n = v as? NSNumber {
            return isInteger(n) ? .int(boundedInt(n.int64Value)) : .float(n.floatValue)
        }
        if let arr = v as? [NSNumber] {
            guard arr.count <= 4096 else { throw fail(path, "has more than 4096 values") }
            if arr.allSatisfy(isInteger) { return .ints(arr.map { boundedInt($0.int64Value) }) }
            return .floats(arr.map { $0.floatValue })
        }
        throw fail(path, "must be a number, a string or an array of numbers")
    }
}

import Foundation

/// Labelled samples ready for the model: a latency list tokenised through the token
/// cache, or NAS-Bench-201 cells.
public struct TrainingDataset: Sendable {
    /// Names the token encoding the samples use; stored in checkpoints so a model is
    /// never fed tokens of another encoding.
    public var encoding: String
    public var samples: [TrainingSample]

    public init(encoding: String, samples: [TrainingSample]) {
        self.encoding = encoding
        self.samples = samples
    }

    /// The paper's whole-network token encoding, as cached and as checkpoints name it.
    public static let networkEncoding = ModelTokens.baseline.storedName
    /// The cell token encoding (64 operation + 64 position columns).
    public static let cellEncoding = ModelTokens.cell.storedName
    /// The cell encoding with a one-hot of the device as static features (one latency
    /// model for many devices).
    public static func cellDeviceEncoding(devices: [String]) -> String {
        "nb201-cell-128+device:" + devices.joined(separator: ",")
    }

    public var count: Int { samples.count }
    public var graphs: [TokenGraph] { samples.map(\.graph) }
    public var targets: [Double] { samples.map(\.target) }
    public var families: [String] { samples.map(\.family) }

    /// Imports every network of `list` at its measured batch size (through `cache` when
    /// given); `progress` is called after each file with (done, total).
    ///
    /// The cache must be keyed by `encoding` (`TokenCache(encoding: encoding.storedName)`):
    /// entries of another encoding would be read as if they were this one.
    public static func latency(_ list: LatencyList, cache: TokenCache?, encoding: TokenEncoding = .baseline,
                               progress: ((Int, Int) -> Void)? = nil) throws -> TrainingDataset {
        if let cache, cache.encoding != encoding.storedName {
            throw DatasetError(file: list.source, problem: "the token cache is keyed '\(cache.encoding)' but the tokens asked for are '\(encoding.storedName)'")
        }
        let load = { (file: URL, batchSize: Int) in try importTokens(file, batchSize, encoding: encoding) }
        var samples: [TrainingSample] = []
        samples.reserveCapacity(list.records.count)
        for (i, record) in list.records.enumerated() {
            let entry: CachedTokens
            do {
                if let cache {
                    entry = try cache.tokens(for: record.onnxFile, batchSize: record.batchSize, load: load).tokens
                } else {
                    entry = try load(record.onnxFile, record.batchSize)
                }
            } catch let error as ImportError {
                throw DatasetError(file: list.source, line: record.line,
                                   problem: "network \(record.onnxFile.path) cannot be imported: \(error.description)")
            }
            samples.append(TrainingSample(name: record.id, graph: entry.graph, target: record.latencyMs,
                                          family: record.family, costs: entry.costs))
            progress?(i + 1, list.records.count)
        }
        return TrainingDataset(encoding: encoding.storedName, samples: samples)
    }

    /// The cells of `table`, target = its selected column, tokens in `encoding`.
    public static func cells(_ table: NB201Table, encoding: CellEncoding = .trans) throws -> TrainingDataset {
        var samples: [TrainingSample] = []
        samples.reserveCapacity(table.rows.count)
        for row in table.rows {
            let cell: NB201Cell
            do { cell = try NB201Cell(arch: row.arch) } catch {
                throw DatasetError(file: table.source.path, line: row.line, problem: "\(error)")
            }
            samples.append(TrainingSample(name: String(row.index), graph: cell.tokenGraph(encoding: encoding),
                                          target: row.target, family: row.family, cell: cell))
        }
        return TrainingDataset(encoding: encoding.storedName, samples: samples)
    }

    /// The cells of `table` once per device column of `devices`, each with the device's
    /// one-hot as static features and the device as its family.
    public static func cellsOnDevices(_ table: NB201Table, devices: [String]) throws -> TrainingDataset {
        var samples: [TrainingSample] = []
        for (d, device) in devices.enumerated() {
            let column = try NB201Table.load(from: table.source, target: device)
            let wanted = Set(table.rows.map(\.index))
            var oneHot = [Float](repeating: 0, count: devices.count)
            oneHot[d] = 1
            for row in column.rows where wanted.contains(row.index) {
                let cell: NB201Cell
                do { cell = try NB201Cell(arch: row.arch) } catch {
                    throw DatasetError(file: table.source.path, line: row.line, problem: "\(error)")
                }
                var graph = cell.tokenGraph()
                graph.staticFeatures = oneHot
                samples.append(TrainingSample(name: "\(row.index)@\(device)", graph: graph, target: row.target,
                                              family: device, cell: cell))
            }
        }
        return TrainingDataset(encoding: cellDeviceEncoding(devices: devices), samples: samples)
    }

    /// The tokens and costs of one network file at one batch size (what the cache stores).
    public static func importTokens(_ file: URL, _ batchSize: Int, encoding: TokenEncoding = .baseline) throws -> CachedTokens {
        let network = try NetworkImporter.importFile(at: file, batchSize: batchSize)
        return CachedTokens(graph: network.tokens(encoding: encoding),
                            costs: NetworkCostSummary(flops: network.totals.flops, params: network.totals.params,
                                                      memoryAccess: network.totals.memoryAccess))
    }

    /// A subset by sample positions, in the given order.
    public func subset(_ indices: [Int]) -> TrainingDataset {
        TrainingDataset(encoding: encoding, samples: indices.map { samples[$0] })
    }

    /// SHA-256 (hex) of the sorted sample names and targets: which data trained a model.
    public var digest: String {
        let lines = samples.map { "\($0.name)\t\($0.target)" }.sorted().joined(separator: "\n")
        return TrainedModel.sha256Hex(Data(lines.utf8))
    }
}

import Foundation
import XCTest
@testable import Store

/// A fresh directory per test under the system temp dir, removed afterwards.
final class TemporaryDirectory {
    let url: URL

    init(_ name: String = #function) throws {
        let safe = name.filter { $0.isLetter || $0.isNumber }
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("narformer-store-\(safe)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    var path: String { url.path }

    func child(_ name: String) -> String { url.appendingPathComponent(name).path }

    deinit { try? FileManager.default.removeItem(at: url) }
}

/// Deterministic sample records: the same index always builds the same record.
enum Sample {
    static let base = Date(timeIntervalSince1970: 1_790_000_000)

    static func hash(_ index: Int) -> String {
        ContentHash.sha256Hex(of: Data("graph \(index)".utf8))
    }

    /// A graph blob whose bytes depend on `index`, `size` bytes long.
    static func blob(_ index: Int, size: Int) -> Data {
        var state = UInt64(truncatingIfNeeded: index) &* 0x9E37_79B9_7F4A_7C15 | 1
        var bytes = [UInt8](repeating: 0, count: size)
        for i in bytes.indices {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            bytes[i] = UInt8(truncatingIfNeeded: state)
        }
        return Data(bytes)
    }

    static func graph(_ index: Int, size: Int = 64, kind: GraphKind = .network) -> GraphRecord {
        GraphRecord(hash: hash(index), graph: blob(index, size: size), sourceFileName: "net\(index).onnx",
                    firstSeen: base.addingTimeInterval(Double(index)), nodeCount: 10 + index, kind: kind)
    }

    static func measurement(_ index: Int, platform: String = "gpu-a100", storedAt: Date? = nil) -> LatencyMeasurement {
        LatencyMeasurement(graphHash: hash(index), platform: platform, batchSize: 1 + index % 4,
                          latencyMs: 1.5 + Double(index) * 0.25, source: "lab/run-\(index)",
                          measuredAt: base.addingTimeInterval(Double(index)),
                          storedAt: storedAt ?? base.addingTimeInterval(Double(index) + 3600))
    }

    /// A store of the older schema `version` at `path`: only the tables that version had,
    /// its version recorded, and what `fill` puts, in one transaction (the environment is
    /// closed again on return: one environment of a path per process at a time).
    static func olderStore(version: UInt32, at path: String, _ fill: (Transaction, Tables) throws -> Void) throws {
        let env = try Environment(path: path, options: EnvironmentOptions(mapSize: 1 << 20, maxDatabases: 16))
        try env.write { txn in
            let tables = try Tables(in: txn, schema: version,
                                    creating: Set(Tables.all).subtracting(Tables.introduced(after: version)))
            try SchemaCheck.write(version, in: txn, meta: tables.meta)
            try fill(txn, tables)
        }
    }
}

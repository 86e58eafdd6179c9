import Foundation

/// A real latency measurement of a graph on a platform.
public struct LatencyMeasurement: Codable, Sendable, Equatable {
    public var graphHash: String
    public var platform: String
    public var batchSize: Int
    public var latencyMs: Double
    /// Free text naming where the number came from: a file, a lab, a device.
    public var source: String
    public var measuredAt: Date
    /// When the store received it; "measurements since T" scans use this time.
    public var storedAt: Date

    public init(graphHash: String, platform: String, batchSize: Int, latencyMs: Double,
                source: String, measuredAt: Date, storedAt: Date = Date()) {
        self.graphHash = graphHash.lowercased()
        self.platform = platform
        self.batchSize = batchSize
        self.latencyMs = latencyMs
        self.source = source
        self.measuredAt = StoreTime.normalized(measuredAt)
        self.storedAt = StoreTime.normalized(storedAt)
    }

    /// The content-derived id (64 hex characters): the SHA-256 of graph hash, platform, batch
    /// size, latency, source and measured-at time, so the same measurement is stored once.
    /// `storedAt` is deliberately not part of it.
    public var id: String {
        ContentHash.sha256Hex(of: identityBytes)
    }

    /// The canonical bytes hashed into `id` (documented in docs/store.md).
    var identityBytes: [UInt8] {
        var bytes = [UInt8]()
        func field(_ text: String) {
            let utf8 = Array(text.utf8)
            withUnsafeBytes(of: UInt32(utf8.count).bigEndian) { bytes.append(contentsOf: $0) }
            bytes.append(contentsOf: utf8)
        }
        field(graphHash)
        field(platform)
        withUnsafeBytes(of: Int64(batchSize).bigEndian) { bytes.append(contentsOf: $0) }
        withUnsafeBytes(of: latencyMs.bitPattern.bigEndian) { bytes.append(contentsOf: $0) }
        field(source)
        withUnsafeBytes(of: StoreTime.milliseconds(measuredAt).bigEndian) { bytes.append(contentsOf: $0) }
        return bytes
    }
}

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
    /// The file it arrived in (a measurement drop, or the latency list an import read); nil
    /// in records of earlier versions. Not part of `id`: the same measurement sent again in
    /// another file is the same measurement, and keeps the first file's name.
    public var file: String?

    public init(graphHash: String, platform: String, batchSize: Int, latencyMs: Double,
                source: String, measuredAt: Date, storedAt: Date = Date(), file: String? = nil) {
        self.graphHash = graphHash.lowercased()
        self.platform = platform
        self.batchSize = batchSize
        self.latencyMs = latencyMs
        self.source = source
        self.measuredAt = StoreTime.normalized(measuredAt)
        self.storedAt = StoreTime.normalized(storedAt)
        self.file = file
    }

    /// How far `predicted` (ms) is from this measurement, relative to it: positive when the
    /// prediction is slower than measured (0.1: 10% over). The one definition of the error
    /// that result notes, `query` and `export` print.
    public func relativeError(of predicted: Double) -> Double {
        (predicted - latencyMs) / latencyMs
    }

    /// True when the lab did not say when it measured (stored as 1970-01-01T00:00:00Z).
    public var measuredAtIsUnknown: Bool { measuredAt.timeIntervalSince1970 == 0 }

    /// The content-derived id (64 hex characters): the SHA-256 of graph hash, platform, batch
    /// size, latency, source and measured-at time, so the same measurement is stored once.
    /// `storedAt` and `file` are deliberately not part of it.
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

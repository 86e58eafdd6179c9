import Engine
import Foundation
import Store

/// A platform's measurements as training samples of one kind.
///
/// A platform can be measured on NAS-Bench-201 cells and on whole networks; one latency
/// model reads one kind of tokens, so a retrain trains the kind most of its measurements
/// are and counts the others, as it counts measurements whose network has no stored tokens
/// (both are said in the outcome line, never dropped silently).
package struct PlatformSamples: Sendable {
    package enum Kind: String, Sendable, Equatable {
        case cell, network

        /// How the outcome line names measurements of this kind.
        package var plural: String { self == .cell ? "cells" : "whole networks" }

        /// The kind of network a model reading `tokens` predicts.
        package init(_ tokens: ModelTokens) {
            if case .cell = tokens { self = .cell } else { self = .network }
        }
    }

    /// Samples of `kind`, each with its graph in the trained encoding and, when the
    /// compared model reads another encoding, in that one too.
    package var samples: [MeasuredSample]
    package var kind: Kind
    /// Measurements whose network has no stored tokens in the encodings needed.
    package var withoutTokens = 0
    /// Measurements of the other kind (not trained on by this retrain).
    package var otherKind = 0
    /// Measurements folded into another of the same network at the same batch size.
    package var repeats = 0

    /// Distinct networks among the samples.
    package var networks: Int { Set(samples.map(\.graphHash)).count }

    /// Reads the tokens of every measurement: cells in the cell encoding, whole networks in
    /// `networkEncoding` (the start model's when it reads networks); `comparedEncoding` is
    /// also loaded when it differs and reads the same kind.
    ///
    /// Repeated measurements of one network at one batch size (runs of a lab's benchmark)
    /// are one sample at their geometric mean: the model learns the network's latency, and
    /// a network measured ten times does not weigh ten times as much as one measured once.
    package static func load(_ measurements: [LatencyMeasurement], tokens: MeasuredTokenStore,
                             networkEncoding: ModelTokens, comparedEncoding: ModelTokens?) throws -> PlatformSamples {
        let (distinct, repeats) = mergedRepeats(measurements)
        let measurements = distinct
        var cells: [MeasuredSample] = []
        var networks: [MeasuredSample] = []
        var withoutTokens = 0
        for measurement in measurements {
            if let graph = try tokens.tokens(graphHash: measurement.graphHash, batchSize: measurement.batchSize,
                                             encoding: .cell) {
                cells.append(MeasuredSample(measurementID: measurement.id, graphHash: measurement.graphHash,
                                            graph: graph, latencyMs: Float(measurement.latencyMs),
                                            storedAt: measurement.storedAt))
            } else if let graph = try tokens.tokens(graphHash: measurement.graphHash, batchSize: measurement.batchSize,
                                                    encoding: networkEncoding) {
                networks.append(MeasuredSample(measurementID: measurement.id, graphHash: measurement.graphHash,
                                               graph: graph, latencyMs: Float(measurement.latencyMs),
                                               storedAt: measurement.storedAt))
            } else {
                withoutTokens += 1
            }
        }
        let kind: Kind = cells.count > networks.count ? .cell : .network
        var result = PlatformSamples(samples: kind == .cell ? cells : networks, kind: kind,
                                     withoutTokens: withoutTokens, otherKind: kind == .cell ? networks.count : cells.count,
                                     repeats: repeats)
        // The compared model judges the same networks in its own encoding.
        if kind == .network, let compared = comparedEncoding, Kind(compared) == .network, compared != networkEncoding {
            let byID = Dictionary(measurements.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
            var kept: [MeasuredSample] = []
            for var sample in result.samples {
                guard let measurement = byID[sample.measurementID],
                      let other = try tokens.tokens(graphHash: measurement.graphHash, batchSize: measurement.batchSize,
                                                    encoding: compared) else {
                    result.withoutTokens += 1
                    continue
                }
                sample.comparedGraph = other
                kept.append(sample)
            }
            result.samples = kept
        }
        return result
    }

    /// One measurement per network and batch size, in first-seen order, at the geometric mean
    /// of its repeats' latencies; and how many measurements were folded in.
    package static func mergedRepeats(_ measurements: [LatencyMeasurement]) -> (measurements: [LatencyMeasurement], repeats: Int) {
        struct Key: Hashable { var graphHash: String; var batchSize: Int }
        var order: [Key] = []
        var groups: [Key: [LatencyMeasurement]] = [:]
        for measurement in measurements {
            let key = Key(graphHash: measurement.graphHash, batchSize: measurement.batchSize)
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(measurement)
        }
        let merged = order.map { key -> LatencyMeasurement in
            let group = groups[key] ?? []
            guard group.count > 1 else { return group[0] }
            var first = group.min { $0.id < $1.id } ?? group[0]
            first.latencyMs = exp(group.map { log($0.latencyMs) }.reduce(0, +) / Double(group.count))
            first.storedAt = group.map(\.storedAt).min() ?? first.storedAt
            return first
        }
        return (merged, measurements.count - merged.count)
    }

    /// The words the outcome line adds for measurements not trained on, e.g.
    /// ", 3 without tokens, 2 whole networks not read by a cell model".
    package var unusedNote: String {
        Self.unusedNote(kind: kind, withoutTokens: withoutTokens, otherKind: otherKind, repeats: repeats)
    }

    /// `unusedNote` from the counts alone (a report keeps the counts, not the samples).
    package static func unusedNote(kind: Kind, withoutTokens: Int, otherKind: Int, repeats: Int) -> String {
        var note = ""
        if repeats > 0 { note += ", \(repeats) repeated measurements averaged" }
        if withoutTokens > 0 { note += ", \(withoutTokens) without tokens" }
        if otherKind > 0 {
            let other: Kind = kind == .cell ? .network : .cell
            note += ", \(otherKind) \(other.plural) not read by a \(kind == .cell ? "cell" : "whole-network") model"
        }
        return note
    }
}

import ArgumentParser
import Engine
import Foundation
import Learning
import Store

/// `narformer models list|promote VERSION|rollback`: the model versions of each platform.
struct ModelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "List, promote or roll back the latency model versions of each platform.",
        subcommands: [List.self, Promote.self, Rollback.self]
    )

    struct Common: ParsableArguments {
        @OptionGroup var options: ConfigOption

        @Option(help: "Only this platform.")
        var platform: String?

        @Flag(help: "Print JSON for scripts.")
        var json = false

        func context(readOnly: Bool = false) throws -> LearningContext {
            let context = try LearningContext(options, readOnly: readOnly)
            if let platform { try context.requirePlatform(platform) }
            return context
        }

        func requiredPlatform(_ context: LearningContext) throws -> String {
            if let platform { return platform }
            guard context.config.platforms.count == 1, let only = context.config.platforms.first else {
                throw CommandFailure("give --platform: the config has \(context.config.platforms.count) platforms")
            }
            return only.name
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Versions with state, holdout metrics, training size and dates.")

        @OptionGroup var common: Common

        func run() throws {
            let context = try common.context(readOnly: true)
            let platforms = common.platform.map { [$0] } ?? context.config.platforms.map(\.name)
            let records = try context.store.read { reader in try platforms.flatMap { try reader.models(platform: $0) } }
            if common.json {
                print(String(decoding: try StoreJSON.encode(records), as: UTF8.self))
                return
            }
            print(Self.table(records))
            for record in records where record.state == .held {
                print("note: " + Self.heldNote(record))
            }
            for platform in platforms {
                let removed = records.filter { $0.platform == platform && $0.weightsRemoved != nil }.map(\.version)
                guard !removed.isEmpty else { continue }
                print("note: \(platform): \(removed.count) rejected version\(removed.count == 1 ? "" : "s") ("
                      + Self.versionRanges(removed) + ") keep\(removed.count == 1 ? "s" : "") the record only; "
                      + "the weights were removed (retraining.keep_rejected)")
            }
            // A platform without a version of its own is predicted with the default model,
            // which may have been trained on another machine's measurements.
            var uncalibrated = UncalibratedLookup(store: context.store, models: context.config.models)
            for platform in platforms where !records.contains(where: { $0.platform == platform && $0.state == .active }) {
                if let note = try uncalibrated.note(platform: platform, modelVersion: 0) {
                    print("note: \(platform) predicts with its default model (v0): \(note)")
                }
            }
        }

        /// Why a held version waits and what a person can do about it.
        static func heldNote(_ record: ModelRecord) -> String {
            let serving = ScaleHold.servingName(version: record.metrics["compared_version"].map { Int($0) })
            let why = record.metrics["scale_ratio"].map { ScaleHold.describe(ratio: $0, serving: serving) }
                ?? "its latency scale is far from \(serving)'s"
            return "\(record.platform) v\(record.version) is held for a person: \(why). If its measurements are in "
                + "the right unit: narformer models promote v\(record.version) --platform \(record.platform)"
        }

        /// "v1-v4, v7" for versions 1, 2, 3, 4 and 7.
        static func versionRanges(_ versions: [Int]) -> String {
            var ranges: [(Int, Int)] = []
            for version in versions.sorted() {
                if let last = ranges.last, last.1 + 1 == version { ranges[ranges.count - 1].1 = version } else { ranges.append((version, version)) }
            }
            return ranges.map { $0.0 == $0.1 ? "v\($0.0)" : "v\($0.0)-v\($0.1)" }.joined(separator: ", ")
        }

        static func table(_ records: [ModelRecord]) -> String {
            func number(_ value: Double?, _ format: String) -> String { value.map { String(format: format, $0) } ?? "-" }
            func pad(_ text: String, _ width: Int) -> String {
                text.count >= width ? text + " " : text.padding(toLength: width, withPad: " ", startingAt: 0)
            }
            let widths = [17, 9, 10, 9, 9, 8, 9, 6]
            func row(_ cells: [String]) -> String {
                zip(cells, widths).map { pad($0, $1) }.joined() + (cells.last ?? "")
            }
            var lines = [row(["platform", "version", "state", "mape", "acc10", "rho", "trained", "base", "created"])]
            for r in records {
                lines.append(row([r.platform, "v\(r.version)", r.state.rawValue, number(r.metrics["mape"], "%.2f%%"),
                                  number(r.metrics["acc10"], "%.1f%%"), number(r.metrics["spearman"], "%.3f"),
                                  "\(r.trainingSetSize)", r.baseVersion.map { "v\($0)" } ?? "-",
                                  StoreJSON.timestamp(r.created)]))
            }
            if records.isEmpty { lines.append("(no model versions yet: every platform predicts with its default model)") }
            return lines.joined(separator: "\n")
        }
    }

    struct Promote: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make a version the active model of its platform.")

        @OptionGroup var common: Common

        @Argument(help: "The version, e.g. 3 or v3.")
        var version: String

        func run() throws {
            let context = try common.context()
            let platform = try common.requiredPlatform(context)
            guard let number = Int(version.hasPrefix("v") ? String(version.dropFirst()) : version) else {
                throw ValidationError("'\(version)' is not a version number such as 3 or v3")
            }
            do {
                _ = try ModelVersions(store: context.store).promote(platform: platform, version: number)
            } catch let failure as ModelVersions.Failure {
                throw CommandFailure(failure.description)
            }
            print("\(platform): v\(number) is active; the running daemon switches to it within seconds")
        }
    }

    struct Rollback: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Take the active version out and reactivate the previous one (or the default model).")

        @OptionGroup var common: Common

        func run() throws {
            let context = try common.context()
            let platform = try common.requiredPlatform(context)
            let result: (removed: Int, restored: Int?)
            do {
                result = try ModelVersions(store: context.store).rollback(platform: platform)
            } catch let failure as ModelVersions.Failure {
                throw CommandFailure(failure.description)
            }
            let now = result.restored.map { "v\($0) is active again" } ?? "no version is active: the default model predicts"
            print("\(platform): v\(result.removed) rolled back; \(now)")
        }
    }
}

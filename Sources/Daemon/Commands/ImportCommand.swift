import ArgumentParser
import Engine
import Foundation
import Glibc
import Store

/// `narformer import DATASET --platform P`: a lab's measured history into the store.
struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import an NNLQP latency list (graphs and measurements) into the store; importing twice stores nothing twice."
    )

    @Argument(help: "The latency list: '<id> <onnx path> <batch> <latency ms> <family> ...' per line.")
    var dataset: String

    @Option(help: "The platform the latencies were measured on.")
    var platform: String

    @Option(help: "The daemon's config file (gives the store and the platforms).")
    var config: String?

    @Option(help: "A store directory to use instead of the config's (platform not checked).")
    var store: String?

    func validate() throws {
        if config != nil && store != nil { throw ValidationError("give --config or --store, not both") }
    }

    func run() throws {
        let storeHandle: NarformerStore
        let tokens: MeasuredTokenStore
        do {
            if let store {
                storeHandle = try NarformerStore(path: store)
                tokens = MeasuredTokenStore(storePath: store)
            } else {
                let context = try LearningContext(configPath: config ?? LearningContext.defaultConfigPath)
                try context.requirePlatform(platform)
                storeHandle = context.store
                tokens = context.tokens
            }
        } catch {
            throw ValidationError("\(error)")
        }
        let list: LatencyList
        do {
            list = try LatencyList.load(from: URL(fileURLWithPath: dataset))
        } catch {
            throw ValidationError("\(error)")
        }
        let showBar = isatty(STDERR_FILENO) == 1
        var lastDrawn = -1
        let summary = try LatencyListImport(store: storeHandle, tokens: tokens, platform: platform).run(list) { done, total in
            guard showBar else { return }
            let percent = done * 100 / total
            guard percent != lastDrawn || done == total else { return }
            lastDrawn = percent
            let filled = percent * 30 / 100
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: 30 - filled)
            FileHandle.standardError.write(Data("\r[\(bar)] \(done)/\(total)\u{1B}[K".utf8))
            if done == total { FileHandle.standardError.write(Data("\n".utf8)) }
        }
        for failure in summary.failures {
            FileHandle.standardError.write(Data("\(failure)\n".utf8))
        }
        print("\(list.records.count) records: \(summary.new) new, \(summary.alreadyStored) already stored, "
              + "\(summary.failures.count) failed (platform \(platform))")
        if !summary.failures.isEmpty { throw ExitCode.failure }
    }
}

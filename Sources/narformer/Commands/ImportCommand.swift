import ArgumentParser
import Engine
import Foundation
import Glibc
import Learning
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

    @OptionGroup var location: StoreOptions

    func run() throws {
        let storeHandle: NarformerStore
        let tokens: MeasuredTokenStore
        if let store = location.store {
            do {
                storeHandle = try NarformerStore(path: store)
            } catch {
                throw CommandFailure("cannot open the store \(store): \(error)")
            }
            tokens = MeasuredTokenStore(store: storeHandle)
        } else {
            let context = try LearningContext(location.configOption)
            try context.requirePlatform(platform)
            storeHandle = context.store
            tokens = context.tokens
        }
        let list: LatencyList
        do {
            list = try LatencyList.load(from: URL(fileURLWithPath: dataset))
        } catch {
            throw CommandFailure("\(error)")
        }
        // A store of an earlier version keeps its tokens in JSON files; they go into the
        // store first, so this import adds to one place.
        let conversion = try tokens.convertLegacyFiles()
        for problem in conversion.unreadable {
            FileHandle.standardError.write(Data("token file left as it is: \(problem)\n".utf8))
        }
        if conversion.converted > 0 {
            FileHandle.standardError.write(Data("moved \(conversion.converted) token files of an earlier version into the store\n".utf8))
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

import ArgumentParser
import Engine
import Foundation
import Learning

/// `narformer predict FILE...`: latency of networks (ONNX, graph JSON) and accuracy of
/// NAS-Bench-201 cells (cell JSON), with the shipped models unless `--model` is given.
struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Predict the latency (networks) or accuracy (NAS-Bench-201 cells) of files, one line per file."
    )

    @Argument(help: "ONNX or graph-JSON files.")
    var files: [String]

    @Option(help: "Batch size the latency is predicted for (default: the file's own, or 1).")
    var batch: Int?

    @Option(help: "Platform the latency is predicted for; must be the latency model's platform.")
    var platform: String?

    @Option(help: "A latency checkpoint to use instead of the shipped one.")
    var model: String?

    @Option(help: "An accuracy checkpoint to use instead of the shipped one.")
    var accuracyModel: String?

    @Flag(help: "One JSON object per line.")
    var json = false

    func validate() throws {
        if let batch, batch < 1 { throw ValidationError("--batch must be at least 1") }
    }

    func run() throws {
        var latencyModel: TrainedModel?
        var accuracy: TrainedModel?
        var failed = 0
        for file in files {
            do {
                let network = try NetworkImporter.importFile(at: URL(fileURLWithPath: file), batchSize: batch)
                var line: [String: Any] = ["file": file]
                if case .cell(let arch) = network.kind {
                    if accuracy == nil { accuracy = try load(accuracyModel, kind: .accuracy) }
                    guard let accuracy else { continue }
                    let answer = try accuracy.predictWithNovelty([network.tokens(storedEncoding: accuracy.metadata.tokenEncoding)])
                    let value = answer.values[0]
                    line["cell"] = arch
                    line["accuracy_percent"] = value
                    line["dataset"] = accuracy.metadata.platform
                    describe(accuracy, file: accuracyModel, into: &line)
                    let novelty = describe(answer.novelty?[0], into: &line)
                    emit(line, text: "\(file)  \(accuracy.metadata.platform)  accuracy \(String(format: "%.2f", value))%  "
                         + novelty + modelName(accuracy, file: accuracyModel))
                } else {
                    if latencyModel == nil { latencyModel = try load(model, kind: .latency) }
                    guard let latencyModel else { continue }
                    if let platform, platform != latencyModel.metadata.platform {
                        throw CommandFailure("there is no model for platform '\(platform)'; the latency model is for '\(latencyModel.metadata.platform)' (pass --model)")
                    }
                    let answer = try latencyModel.predictWithNovelty([network.tokens(storedEncoding: latencyModel.metadata.tokenEncoding)])
                    let value = answer.values[0]
                    line["platform"] = latencyModel.metadata.platform
                    line["batch"] = network.batchSize
                    line["latency_ms"] = value
                    describe(latencyModel, file: model, into: &line)
                    let novelty = describe(answer.novelty?[0].adding(unknownOps: network.opsWithoutToken(for: latencyModel.metadata.tokens ?? .baseline)), into: &line)
                    emit(line, text: "\(file)  \(latencyModel.metadata.platform)  batch \(network.batchSize)  "
                         + "\(String(format: "%.3f", value)) ms  " + novelty + modelName(latencyModel, file: model))
                }
            } catch let failure as CommandFailure {
                throw failure
            } catch {
                failed += 1
                if json {
                    emit(["file": file, "error": "\(error)"], text: "")
                } else {
                    FileHandle.standardError.write(Data("\(file): \(error)\n".utf8))
                }
            }
        }
        if failed > 0 { throw ExitCode(1) }
    }

    private func load(_ path: String?, kind: ModelConfig.Kind) throws -> TrainedModel {
        let trained = try CommandFailure.wrap {
            if let path { return try TrainedModel.load(from: URL(fileURLWithPath: path)) }
            return try TrainedModel.load(from: DefaultModels.url(for: kind, platform: kind == .latency ? platform : nil))
        }
        guard trained.kind == kind else {
            throw CommandFailure("\(path ?? "the default model") is a \(trained.kind.rawValue) model, not a \(kind.rawValue) model")
        }
        return trained
    }

    /// A model is named as everywhere else: `model_version` 0 is the shipped default (a file
    /// given with `--model` has no store version), and `model_digest` tells files apart.
    private func describe(_ trained: TrainedModel, file: String?, into line: inout [String: Any]) {
        if let file {
            line["model_file"] = file
        } else {
            line["model_version"] = 0
        }
        line["model_digest"] = trained.version
    }

    /// `novelty` and `novelty_reason` of the JSON line; the text's "novelty N  " (with the
    /// reason in brackets), empty for a model without a training summary.
    private func describe(_ novelty: Novelty?, into line: inout [String: Any]) -> String {
        guard let novelty else { return "" }
        line["novelty"] = novelty.score
        if let reason = novelty.reason { line["novelty_reason"] = reason }
        return String(format: "novelty %.2f  ", novelty.score) + (novelty.reason.map { "(\($0))  " } ?? "")
    }

    private func modelName(_ trained: TrainedModel, file: String?) -> String {
        file == nil ? "model v0 (\(trained.version))" : "model \(file ?? "") (\(trained.version))"
    }

    private func emit(_ object: [String: Any], text: String) {
        if json, let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) {
            print(String(decoding: data, as: UTF8.self))
        } else {
            print(text)
        }
    }
}

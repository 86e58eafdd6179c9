import Foundation
import XCTest
import Lab
import TestSupport

/// A platform served by another platform's model, measured through the real daemon: the
/// uncalibrated note at start (log), in `status`, `models list` and every result; bad
/// measurement drops failed with a clear note and kept; ten identical records stored once;
/// each measured network compared with its prediction, and `query` / `export --kind
/// measurements` showing the measurements beside the predictions.
final class IntegrationMeasuredTests: XCTestCase {
    func testAnUncalibratedPlatformSaysSoAndItsMeasurementsStandBesideThePredictions() async throws {
        guard let executable = DaemonProcess.locateExecutable() else {
            throw XCTSkip("the narformer binary is not built next to the test bundle; run `swift build` first")
        }
        let f = try DaemonFixture(executable: executable)
        let titan = f.root + "/inbox/titan", netsOnly = f.root + "/inbox/nets-only"
        // The fixture's default model was trained on platform lab; titan has none of its own.
        try """
            store: { path: \(f.store) }
            models:
              directory: \(f.root)/models
              default_latency: \(f.root)/shipped/latency.safetensors
              default_accuracy: \(f.root)/shipped/accuracy.safetensors
            engine: { threads: 1 }
            platforms: [{ name: lab }, { name: titan }]
            inboxes:
              - { name: nets, path: \(f.nets), platform: lab, batch_sizes: [1] }
              - { name: titan, path: \(titan), platform: titan, batch_sizes: [1] }
              - { name: nets-only, path: \(netsOnly), platform: titan, batch_sizes: [1], accept: [onnx, json] }
            logging: { level: info }
            """.write(toFile: f.configFile, atomically: true, encoding: .utf8)
        let unmeasured = "uncalibrated: predicted with the lab model; no measurement of titan yet"
        let measured = "uncalibrated: predicted with the lab model; titan has measurements but no model trained from them yet"
        let files = try MeasuredFile.take(2)
        let daemon = try await f.start()
        defer { daemon.kill() }

        XCTAssertEqual(f.logLines("warning", unmeasured), 1, f.log)
        XCTAssertEqual(f.logLines("uncalibrated", "lab:"), 0, "lab's own model is calibrated: \(f.log)")
        let status = try f.command(["status", "--config", f.configFile])
        XCTAssertTrue(status.output.contains(unmeasured), status.output)
        let models = try f.command(["models", "list", "--config", f.configFile])
        XCTAssertTrue(models.output.contains("note: titan predicts with its default model (v0): " + unmeasured), models.output)
        XCTAssertFalse(models.output.contains("note: lab"), models.output)

        try f.drop(Data(contentsOf: files[0].file), as: files[0].name, into: titan)
        let predicted = await f.waitUntilFiled(1, in: titan, timeout: .seconds(30))
        XCTAssertTrue(predicted, f.log)
        let first = try f.result(files[0].name, in: titan)
        XCTAssertEqual(first["notes"] as? [String], [unmeasured])
        let prediction = try XCTUnwrap((first["predictions"] as? [[String: Any]])?.first?["latency_ms"] as? Double)

        // Bad input: a measurement file where only networks are taken; a platform not in
        // the config. Each is failed whole with a note, the file kept in failed/.
        let cell = "|nor_conv_3x3~0|+|none~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_1x1~1|skip_connect~2|"
        try f.drop(Data("measurements:\n  - { cell: \"\(cell)\", batch_size: 1, latency_ms: 3 }\n".utf8),
                   as: "cells.yaml", into: netsOnly)
        try f.drop(Data("measurements:\n  - { network: \(files[0].name), platform: tpu, batch_size: 1, latency_ms: 3 }\n".utf8),
                   as: "tpu.yaml", into: titan)
        // Ten identical records, and a cell on titan, whose model reads whole networks.
        let record = "  - { network: \(files[0].name), batch_size: 1, latency_ms: \(files[0].latency) }\n"
        try f.drop(Data(("measurements:\n" + String(repeating: record, count: 10)).utf8), as: "ten.yaml", into: titan)
        try f.drop(Data("measurements:\n  - { cell: \"\(cell)\", batch_size: 1, latency_ms: 3 }\n".utf8),
                   as: "cell.yaml", into: titan)
        let filed = await f.waitUntilFiled(1, in: netsOnly, timeout: .seconds(30))
        let filedTitan = await f.waitUntilFiled(4, in: titan, timeout: .seconds(30))
        XCTAssertTrue(filed && filedTitan, f.log)
        XCTAssertEqual(f.names(netsOnly, "failed"), ["cells.yaml"])
        XCTAssertTrue(f.errorNote("cells.yaml", in: netsOnly).contains("accepts only .json, .onnx"),
                      f.errorNote("cells.yaml", in: netsOnly))
        XCTAssertEqual(f.names(titan, "failed"), ["tpu.yaml"])
        let tpu = f.errorNote("tpu.yaml", in: titan)
        XCTAssertTrue(tpu.contains("tpu.yaml:2") && tpu.contains("'tpu' is not in the daemon's config"), tpu)

        let ten = try f.result("ten.yaml", in: titan)
        XCTAssertEqual(ten["new"] as? Int, 1)
        XCTAssertEqual(ten["repeats"] as? Int, 9)
        XCTAssertEqual(ten["compared"] as? Int, 1)
        XCTAssertEqual(ten["notes"] as? [String], [measured])
        let tenth = try XCTUnwrap((ten["measurements"] as? [[String: Any]])?.last)
        XCTAssertEqual(tenth["stored"] as? String, "repeat of line 2")
        XCTAssertEqual(try XCTUnwrap(tenth["predicted_latency_ms"] as? Double), prediction, accuracy: 1e-9 * prediction,
                       "the prediction the network got when it was dropped")
        let error = (prediction - files[0].latency) / files[0].latency
        XCTAssertEqual(try XCTUnwrap(tenth["relative_error"] as? Double), error, accuracy: 1e-9)
        XCTAssertEqual(try XCTUnwrap(ten["mape"] as? Double), 100 * abs(error), accuracy: 1e-7)
        let cellRecord = try XCTUnwrap((try f.result("cell.yaml", in: titan)["measurements"] as? [[String: Any]])?.first)
        XCTAssertEqual(cellRecord["stored"] as? String, "new")
        XCTAssertEqual(cellRecord["no_prediction"] as? String,
                       "the latency model of titan reads whole networks, not NAS-Bench-201 cells")

        // Measured beside predicted.
        let query = try f.command(["query", titan + "/done/" + files[0].name, "--config", f.configFile, "--json"])
        let answer = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(query.output.utf8)) as? [String: Any])
        let measurement = try XCTUnwrap((answer["measurements"] as? [[String: Any]])?.first, query.output)
        XCTAssertEqual(measurement["file"] as? String, "ten.yaml")
        XCTAssertEqual(measurement["latency_ms"] as? Double, files[0].latency)
        XCTAssertEqual(try XCTUnwrap(measurement["relative_error"] as? Double), error, accuracy: 1e-9)
        XCTAssertEqual(measurement["note"] as? String, measured)
        XCTAssertEqual((answer["predictions"] as? [[String: Any]])?.first?["note"] as? String, measured)
        let export = try f.command(["export", "--config", f.configFile, "--kind", "measurements", "--platform", "titan"])
        XCTAssertEqual(export.output.split(separator: "\n").count, 2, export.output)
        let predictions = try f.command(["export", "--config", f.configFile, "--platform", "titan"])
        XCTAssertTrue(predictions.output.contains(measured), predictions.output)

        // A network predicted now says that titan has measurements.
        try f.drop(Data(contentsOf: files[1].file), as: files[1].name, into: titan)
        let second = await f.waitUntilFiled(5, in: titan, timeout: .seconds(30))
        XCTAssertTrue(second, f.log)
        XCTAssertEqual(try f.result(files[1].name, in: titan)["notes"] as? [String], [measured])
        XCTAssertEqual(f.logLines("warning", "uncalibrated"), 1, "said once, at start: \(f.log)")
    }
}

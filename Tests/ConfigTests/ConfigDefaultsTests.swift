import XCTest
import Config

final class ConfigDefaultsTests: ConfigTestCase {
    func testMinimalConfigGetsEveryDefault() throws {
        let result = check(Self.minimal)
        let config = try XCTUnwrap(result.config, "\(result.issues)")
        let base = directory.standardizedFileURL.path
        XCTAssertEqual(config.store, StoreConfig(path: base + "/state/store", mapSize: .gibibytes(1), maxReaders: 126))
        XCTAssertEqual(config.engine, EngineConfig(threads: 2, batchSize: 16, blasCore: .auto))
        XCTAssertEqual(config.models, ModelsConfig(directory: base + "/state/models", defaultLatency: nil, defaultAccuracy: nil))
        XCTAssertEqual(config.platforms, [PlatformConfig(name: "cpu")])
        XCTAssertEqual(config.inboxes, [])
        XCTAssertEqual(config.retraining.enabled, true)
        XCTAssertEqual(config.retraining.interval, .seconds(6 * 3600))
        XCTAssertEqual(config.retraining.minNewMeasurements, 50)
        XCTAssertEqual(config.retraining.epochs, 30)
        XCTAssertEqual(config.retraining.batchSize, 16)
        XCTAssertEqual(config.retraining.learningRate, 1e-3)
        XCTAssertEqual(config.retraining.holdoutShare, 0.2)
        XCTAssertEqual(config.retraining.initialWeights, .activeModel)
        XCTAssertEqual(config.retraining.promotion, PromotionRule(metric: .mape, minImprovement: 0))
        XCTAssertEqual(config.retraining.recomputePredictions, false)
        XCTAssertEqual(config.retraining.nice, 10)
        XCTAssertEqual(config.retraining.holdScaleFactor, 10)
        XCTAssertEqual(config.logging, LoggingConfig(level: .info, format: .text))
        XCTAssertEqual(config.limits, LimitsConfig(batchMemory: .mebibytes(256), measurementRecords: 100_000,
                                                   networkNodes: 1_000_000, importTime: .seconds(120), recoveryAttempts: 3))
    }

    func testLimitsAreReadAndCheckedWithTheirKeyPaths() throws {
        let yaml = Self.minimal + "\nlimits: { batch_memory: 64MiB, measurement_records: 500, network_nodes: 20000, "
            + "import_time: 30s, recovery_attempts: 5 }\n"
        let config = try XCTUnwrap(check(yaml).config)
        XCTAssertEqual(config.limits, LimitsConfig(batchMemory: .mebibytes(64), measurementRecords: 500, networkNodes: 20_000,
                                                   importTime: .seconds(30), recoveryAttempts: 5))
        let tooMany = onlyIssue(Self.minimal + "\nlimits:\n  network_nodes: 2000000\n")
        assertIssue(tooMany, line: 8, column: 18, keyPath: "limits.network_nodes", contains: "1000000")
        let zero = onlyIssue(Self.minimal + "\nlimits:\n  recovery_attempts: 0\n")
        assertIssue(zero, line: 8, column: 22, keyPath: "limits.recovery_attempts", contains: "1")
        let tiny = onlyIssue(Self.minimal + "\nlimits:\n  batch_memory: 1KiB\n")
        assertIssue(tiny, line: 8, column: 17, keyPath: "limits.batch_memory", contains: "at least")
    }

    func testInboxDefaultsAndExplicitValues() throws {
        let yaml = Self.minimal + """

            inboxes:
              - name: plain
                path: in/plain
                platform: cpu
              - name: tuned
                path: in/tuned
                platform: cpu
                batch_sizes: [1, 8, 32]
                accept: [measurements]
                measurement_timeout: 1h30m
                cell_accuracy: false
            """
        let config = try XCTUnwrap(check(yaml).config)
        XCTAssertEqual(config.inboxes[0].batchSizes, [1])
        XCTAssertEqual(config.inboxes[0].accept, [.onnx, .json, .measurements])
        XCTAssertEqual(config.inboxes[0].measurementTimeout, .seconds(86_400))
        XCTAssertEqual(config.inboxes[0].cellAccuracy, true)
        XCTAssertEqual(config.inboxes[1].batchSizes, [1, 8, 32])
        XCTAssertEqual(config.inboxes[1].accept, [.measurements])
        XCTAssertFalse(config.inboxes[1].accept.contains(.onnx))
        XCTAssertEqual(config.inboxes[1].measurementTimeout, .seconds(5_400))
        XCTAssertEqual(config.inboxes[1].cellAccuracy, false)
        XCTAssertEqual(config.inbox(named: "tuned")?.path, directory.standardizedFileURL.path + "/in/tuned")
        XCTAssertEqual(config.platform(named: "cpu")?.name, "cpu")
        XCTAssertNil(config.inbox(named: "nope"))
    }

    func testEmptyValuesMeanDefaults() throws {
        let yaml = Self.minimal + """

            engine:
            platformz: ~
            """
        // `engine:` with nothing under it is fine; an unknown key is still an error.
        let issue = onlyIssue(yaml)
        assertIssue(issue, line: 8, column: 1, keyPath: "platformz", contains: "did you mean 'platforms'?")
        let config = try XCTUnwrap(check(Self.minimal + "\nengine:\nretraining: ~\n").config)
        XCTAssertEqual(config.engine, EngineConfig())
        XCTAssertEqual(config.retraining, RetrainingConfig())
    }

    func testEveryRetrainingKeyIsRead() throws {
        let yaml = Self.minimal + """

            retraining:
              enabled: no
              interval: 2d
              min_new_measurements: 10
              epochs: 5
              batch_size: 64
              learning_rate: 1e-4
              holdout_share: 0.25
              init: default
              promotion:
                metric: acc10
                min_improvement: 2
                min_holdout: 7
                cross_validate_below: 30
              recompute_predictions: true
              nice: 19
              hold_scale_factor: 100
              keep_rejected: 3
            logging: {level: debug, format: json}
            engine: {threads: 8, batch_size: 128, blas_core: sandybridge}
            store: {path: /var/s, map_size: 8GiB, max_readers: 500}
            """
        // `store` is given twice above (minimal has one): YAML itself refuses that.
        XCTAssertTrue(check(yaml).issues.first?.message.contains("'store' appears more than once") ?? false)
        let config = try XCTUnwrap(check(yaml.replacingOccurrences(of: "\nstore: {path: /var/s, map_size: 8GiB, max_readers: 500}",
                                                                   with: "")).config)
        XCTAssertEqual(config.retraining, RetrainingConfig(
            enabled: false, interval: .seconds(172_800), minNewMeasurements: 10, epochs: 5, batchSize: 64,
            learningRate: 1e-4, holdoutShare: 0.25, initialWeights: .defaultModel,
            promotion: PromotionRule(metric: .acc10, minImprovement: 2, minHoldout: 7, crossValidateBelow: 30),
            recomputePredictions: true, nice: 19,
            holdScaleFactor: 100, keepRejected: 3))
        XCTAssertEqual(config.logging, LoggingConfig(level: .debug, format: .json))
        XCTAssertEqual(config.engine, EngineConfig(threads: 8, batchSize: 128, blasCore: .sandybridge))
    }

    func testRelativePathsResolveAgainstTheConfigFilesDirectoryNotTheWorkingDirectory() throws {
        let configDirectory = directory.appendingPathComponent("etc/narformer")
        try FileManager.default.createDirectory(at: configDirectory, withIntermediateDirectories: true)
        let file = configDirectory.appendingPathComponent("demo.yaml")
        try """
            store:
              path: ../../var/store
            models:
              directory: /opt/models
            platforms:
              - name: cpu
            """.write(to: file, atomically: true, encoding: .utf8)
        let previous = FileManager.default.currentDirectoryPath
        defer { _ = FileManager.default.changeCurrentDirectoryPath(previous) }
        XCTAssertTrue(FileManager.default.changeCurrentDirectoryPath("/"))
        let config = try NarformerConfig.load(contentsOf: file.path)
        let base = directory.standardizedFileURL.path
        XCTAssertEqual(config.store.path, base + "/var/store")
        XCTAssertEqual(config.models.directory, "/opt/models")
    }

    func testTheShippedDemoConfigValidatesOnAFreshClone() throws {
        // The demo's paths lie under var/, which a fresh clone lacks: they are noted as
        // "will be created", never refused.
        let file = Self.repositoryRoot.appendingPathComponent("etc/narformer/demo.yaml").path
        let result = NarformerConfig.check(contentsOf: file)
        let config = try XCTUnwrap(result.config, "\(result.issues)")
        let root = Self.repositoryRoot.standardizedFileURL.path
        XCTAssertEqual(config.store.path, root + "/var/store")
        XCTAssertEqual(config.inbox(named: "demo")?.path, root + "/var/inbox/demo")
        XCTAssertEqual(config.inbox(named: "demo")?.platform, "cpu-ort-1t")
        XCTAssertEqual(config.inbox(named: "demo")?.batchSizes, [1])
    }

    func testTheShippedProductionConfigValidatesAndSpellsOutEveryKey() throws {
        let file = Self.repositoryRoot.appendingPathComponent("etc/narformer/narformer.yaml").path
        let result = NarformerConfig.check(contentsOf: file, checkFileSystem: false)
        let config = try XCTUnwrap(result.config, "\(result.issues)")
        XCTAssertEqual(config.store.path, "/var/lib/narformer/store")
        XCTAssertEqual(config.models.directory, "/var/lib/narformer/models")
        XCTAssertTrue(config.inboxes.allSatisfy { $0.path.hasPrefix("/srv/narformer/inbox/") })
        // Every key the reader knows appears in the production file.
        let text = try String(contentsOfFile: file, encoding: .utf8)
        let keys = ["store", "path", "map_size", "max_readers", "engine", "threads", "batch_size", "blas_core", "models", "directory",
                    "default_latency", "default_accuracy", "platforms", "name", "description", "inboxes", "platform",
                    "batch_sizes", "accept", "measurement_timeout", "cell_accuracy", "watch", "rescan_interval",
                    "poll_interval", "retraining", "enabled",
                    "interval", "min_new_measurements", "epochs", "learning_rate", "holdout_share", "init",
                    "promotion", "metric", "min_improvement", "min_holdout", "cross_validate_below", "recompute_predictions", "nice", "hold_scale_factor", "keep_rejected", "logging", "level",
                    "format"]
        for key in keys {
            XCTAssertNotNil(text.range(of: "\n *(- )?\(key):", options: .regularExpression), "no '\(key):' line")
        }
    }

    func testShownYAMLAndJSONLoadBackToTheSameConfig() throws {
        let yaml = Self.minimal + """

            inboxes:
              - {name: a, path: in/a, platform: cpu, batch_sizes: [2, 4], measurement_timeout: 90m}
            retraining: {interval: 1h30m, promotion: {metric: spearman, min_improvement: 0.01}, init: scratch}
            """
        let config = try XCTUnwrap(check(yaml).config)
        let shown = try config.renderedYAML()
        XCTAssertTrue(shown.contains("interval: 1h30m"), shown)
        XCTAssertTrue(shown.contains("map_size: 1GiB"), shown)
        XCTAssertTrue(shown.contains("holdout_share: 0.2\n"), "decimals as people write them: \(shown)")
        XCTAssertTrue(shown.contains("min_improvement: 0.01\n"), shown)
        XCTAssertFalse(shown.contains("e-"), shown)
        XCTAssertEqual(try NarformerConfig.parse(yaml: shown, file: "shown.yaml", baseDirectory: "/nowhere",
                                                 checkFileSystem: false), config)
        let json = try config.renderedJSON()
        // JSON is YAML too.
        XCTAssertEqual(try NarformerConfig.parse(yaml: json, file: "shown.json", baseDirectory: "/nowhere",
                                                 checkFileSystem: false), config)
    }

    func testPromotionRule() {
        let mape = PromotionRule(metric: .mape, minImprovement: 0)
        XCTAssertTrue(mape.promotes(candidate: 9.9, over: 10))
        XCTAssertFalse(mape.promotes(candidate: 10, over: 10))
        let spearman = PromotionRule(metric: .spearman, minImprovement: 0.01)
        XCTAssertTrue(spearman.promotes(candidate: 0.95, over: 0.93))
        XCTAssertFalse(spearman.promotes(candidate: 0.935, over: 0.93))
        XCTAssertFalse(spearman.promotes(candidate: 0.90, over: 0.93))
        // Cross-validation gives way to the fixed holdout at min_holdout unless told later,
        // never earlier; rules that judge alike are equal.
        XCTAssertEqual(PromotionRule(minHoldout: 7).fixedHoldoutFrom, 7)
        XCTAssertEqual(PromotionRule(minHoldout: 7, crossValidateBelow: 3).fixedHoldoutFrom, 7)
        XCTAssertEqual(PromotionRule(minHoldout: 7, crossValidateBelow: 20).fixedHoldoutFrom, 20)
        XCTAssertEqual(PromotionRule(minHoldout: 7), PromotionRule(minHoldout: 7, crossValidateBelow: 7))
        XCTAssertNotEqual(PromotionRule(minHoldout: 7), PromotionRule(minHoldout: 7, crossValidateBelow: 8))
    }
}

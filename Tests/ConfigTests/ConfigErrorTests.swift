import Foundation
import XCTest
import Config

/// One test per class of mistake: each names the key path, the line and column, and says
/// what is wrong.
final class ConfigErrorTests: ConfigTestCase {
    func testUnknownKeyIsAnErrorWithASuggestion() {
        let issue = onlyIssue(Self.minimal + "\nengine:\n  treads: 4\n")
        assertIssue(issue, line: 8, column: 3, keyPath: "engine.treads", contains: "unknown key 'treads'; did you mean 'threads'?")
    }

    func testUnknownKeyFarFromAnyListsTheKnownKeys() {
        let issue = onlyIssue(Self.minimal + "\nlogging:\n  colour: red\n")
        assertIssue(issue, line: 8, column: 3, keyPath: "logging.colour", contains: "known keys here: level, format")
    }

    func testWrongTypeSaysWhatWasExpectedAndFound() {
        let yaml = Self.minimal + """

            inboxes:
              - name: a
                path: in/a
                platform: cpu
                batch_sizes: "1, 2"
            """
        let issue = onlyIssue(yaml)
        assertIssue(issue, line: 11, column: 18, keyPath: "inboxes[0].batch_sizes",
                    contains: "expected a list of integers, found a string (\"1, 2\")")
        let threads = onlyIssue(Self.minimal + "\nengine: {threads: [2]}\n")
        assertIssue(threads, line: 7, column: 19, keyPath: "engine.threads", contains: "expected an integer, found a list")
        let enabled = onlyIssue(Self.minimal + "\nretraining:\n  enabled: 1\n")
        assertIssue(enabled, line: 8, column: 12, keyPath: "retraining.enabled",
                    contains: "expected true or false, found an integer (1)")
        let section = onlyIssue(Self.minimal + "\nlogging: loud\n")
        assertIssue(section, line: 7, column: 10, keyPath: "logging", contains: "expected a mapping of keys (level, format)")
    }

    func testAnUnknownBLASKernelSetListsTheAllowedOnes() {
        let issue = onlyIssue(Self.minimal + "\nengine:\n  blas_core: skylake\n")
        assertIssue(issue, line: 8, column: 14, keyPath: "engine.blas_core",
                    contains: "'skylake' is not one of: auto, cooperlake, skylakex, zen, haswell, sandybridge, nehalem, prescott; did you mean 'skylakex'?")
        let number = onlyIssue(Self.minimal + "\nengine: {blas_core: 512}\n")
        assertIssue(number, line: 7, column: 21, keyPath: "engine.blas_core", contains: "512")
    }

    func testMissingRequiredKeys() {
        let result = check("""
            store:
              map_size: 1GiB
            engine:
              threads: 1
            """)
        XCTAssertNil(result.config)
        // Issues come in file order: the two missing at the root are placed at line 1.
        XCTAssertEqual(result.issues.map(\.keyPath.description), ["models", "platforms", "store.path"])
        assertIssue(result.issues.first { $0.keyPath.description == "store.path" }, line: 2, column: 3,
                    keyPath: "store.path", contains: "missing required key 'path'")
        assertIssue(result.issues.first { $0.keyPath.description == "models" }, line: 1, column: 1,
                    keyPath: "models", contains: "missing required key 'models'")
        let inbox = onlyIssue(Self.minimal + "\ninboxes:\n  - name: a\n    platform: cpu\n")
        assertIssue(inbox, line: 8, column: 5, keyPath: "inboxes[0].path", contains: "missing required key 'path'")
        let empty = onlyIssue(Self.minimal.replacingOccurrences(of: "path: state/store", with: "path:"))
        assertIssue(empty, line: 2, column: 8, keyPath: "store.path", contains: "'path' needs a value")
    }

    func testBadDuration() {
        let issue = onlyIssue(Self.minimal + "\nretraining:\n  interval: 6 hours\n")
        assertIssue(issue, line: 8, column: 13, keyPath: "retraining.interval", contains: "'6 hours' is not a duration")
        let bare = onlyIssue(Self.minimal + "\nretraining:\n  interval: 3600\n")
        assertIssue(bare, line: 8, column: 13, keyPath: "retraining.interval", contains: "has no unit")
        let zero = onlyIssue(Self.minimal + "\nretraining:\n  interval: 0s\n")
        assertIssue(zero, line: 8, column: 13, keyPath: "retraining.interval", contains: "too short")
    }

    func testBadSize() {
        let issue = onlyIssue(Self.minimal.replacingOccurrences(of: "path: state/store", with: "path: s\n  map_size: 8G"))
        assertIssue(issue, line: 3, column: 13, keyPath: "store.map_size", contains: "ambiguous: write GiB (binary) or GB")
        let tiny = onlyIssue(Self.minimal.replacingOccurrences(of: "path: state/store", with: "path: s\n  map_size: 4096"))
        assertIssue(tiny, line: 3, column: 13, keyPath: "store.map_size", contains: "too small: it must be at least 1MiB")
    }

    func testTabIndentGivesOneMessageAtTheTab() throws {
        let file = try XCTUnwrap(Bundle.module.url(forResource: "tab-indent", withExtension: "yaml", subdirectory: "Fixtures"))
        let result = NarformerConfig.check(contentsOf: file.path)
        XCTAssertNil(result.config)
        XCTAssertEqual(result.issues.count, 1, "\(result.issues)")
        assertIssue(result.issues.first, line: 4, column: 1, keyPath: "", contains: "a tab is used for indentation")
        XCTAssertEqual(result.reportLines, ["\(file.path):4:1: YAML syntax: a tab is used for indentation; YAML allows only spaces there"])
    }

    func testOtherSyntaxErrorsAreOneLineWithAPlace() {
        let issue = onlyIssue("store: [unclosed\n")
        assertIssue(issue, line: 2, column: 1, keyPath: "", contains: "YAML syntax: did not find expected ',' or ']'")
        XCTAssertFalse(issue?.description.contains("\n") ?? true)
        let twice = onlyIssue("store: {path: a}\nstore: {path: b}\n")
        assertIssue(twice, line: 1, column: 1, keyPath: "", contains: "key 'store' appears more than once")
        let documents = onlyIssue(Self.minimal + "\n---\nstore: {path: b}\n")
        assertIssue(documents, line: 7, column: 1, keyPath: "", contains: "more than one document")
    }

    func testUndefinedPlatformReference() {
        let yaml = Self.minimal.replacingOccurrences(of: "- name: cpu", with: "- name: cpu-ort-1t") + """

            inboxes:
              - name: a
                path: in/a
                platform: cpu-ort-lt
            """
        let issue = onlyIssue(yaml)
        assertIssue(issue, line: 10, column: 15, keyPath: "inboxes[0].platform",
                    contains: "platform 'cpu-ort-lt' is not defined under platforms:; did you mean 'cpu-ort-1t'?")
    }

    func testDuplicateNamesAndPaths() {
        let yaml = Self.minimal + """

              - name: cpu
            inboxes:
              - {name: a, path: in/a, platform: cpu}
              - {name: a, path: in/b, platform: cpu}
              - {name: c, path: in/a/, platform: cpu}
              - {name: d, path: in/a/deeper, platform: cpu}
            """
        let result = check(yaml)
        XCTAssertNil(result.config)
        XCTAssertEqual(result.issues.count, 4, "\(result.issues)")
        assertIssue(result.issues[0], line: 7, column: 11, keyPath: "platforms[1].name",
                    contains: "platform 'cpu' is already defined at platforms[0]")
        assertIssue(result.issues[1], line: 10, column: 12, keyPath: "inboxes[1].name",
                    contains: "inbox name 'a' is already used by inboxes[0]")
        assertIssue(result.issues[2], line: 11, column: 21, keyPath: "inboxes[2].path",
                    contains: "is already the path of inboxes[0]")
        assertIssue(result.issues[3], line: 12, column: 21, keyPath: "inboxes[3].path",
                    contains: "lie one inside the other")
    }

    func testOutOfRangeValues() {
        let yaml = Self.minimal + """

            retraining:
              holdout_share: 1.0
              nice: 20
              hold_scale_factor: 1
              keep_rejected: -1
              learning_rate: -0.1
              min_new_measurements: 0
              promotion: {min_holdout: 0, cross_validate_below: 0}
            inboxes:
              - {name: a, path: in/a, platform: cpu, batch_sizes: [0]}
              - {name: B, path: in/b, platform: cpu}
            """
        let result = check(yaml)
        XCTAssertEqual(result.issues.map(\.keyPath.description), [
            "retraining.holdout_share", "retraining.nice", "retraining.hold_scale_factor", "retraining.keep_rejected", "retraining.learning_rate",
            "retraining.min_new_measurements", "retraining.promotion.min_holdout", "retraining.promotion.cross_validate_below",
            "inboxes[0].batch_sizes[0]",
            "inboxes[1].name",
        ], "\(result.issues)")
        XCTAssertTrue(result.issues[0].message.contains("1.0 is out of range: it must be more than 0 and less than 1"))
        XCTAssertTrue(result.issues[1].message.contains("20 is out of range: it must be between 0 and 19"))
        XCTAssertTrue(result.issues[2].message.contains("1 is out of range: it must be a number more than 1"),
                      result.issues[2].message)
        XCTAssertTrue(result.issues[3].message.contains("-1 is out of range: it must be between 0 and 1000000"),
                      result.issues[3].message)
        XCTAssertTrue(result.issues[5].message.contains("it must be at least 1"))
        XCTAssertTrue(result.issues[6].message.contains("0 is out of range: it must be between 1 and 1000000"), result.issues[6].message)
        XCTAssertTrue(result.issues[7].message.contains("0 is out of range: it must be between 1 and 1000000"), result.issues[7].message)
        XCTAssertTrue(result.issues[9].message.contains("'B' is not a valid name"))
    }

    func testWordsOutsideTheirListGetASuggestion() {
        let issue = onlyIssue(Self.minimal + "\ninboxes:\n  - {name: a, path: in/a, platform: cpu, accept: [onnx, mesurements]}\n")
        assertIssue(issue, line: 8, column: 57, keyPath: "inboxes[0].accept[1]",
                    contains: "'mesurements' is not one of: onnx, json, measurements; did you mean 'measurements'?")
        let level = onlyIssue(Self.minimal + "\nlogging: {level: warn}\n")
        assertIssue(level, line: 7, column: 18, keyPath: "logging.level", contains: "did you mean 'warning'?")
    }

    func testEmptyFileAndCommentsOnly() {
        assertIssue(onlyIssue(""), line: 1, column: 1, keyPath: "", contains: "the file is empty")
        assertIssue(onlyIssue("# nothing here\n\n"), line: 1, column: 1, keyPath: "", contains: "the file is empty")
    }

    func testFileThatIsNotAMapping() {
        assertIssue(onlyIssue("- store\n- models\n"), line: 1, column: 1, keyPath: "",
                    contains: "the file must be a mapping of sections (store:, models:, platforms:, ...), found a list")
        assertIssue(onlyIssue("just words\n"), line: 1, column: 1, keyPath: "",
                    contains: "found a string (\"just words\")")
    }

    func testEveryProblemIsReportedInFileOrder() throws {
        let file = try XCTUnwrap(Bundle.module.url(forResource: "many-problems", withExtension: "yaml", subdirectory: "Fixtures"))
        let result = NarformerConfig.check(contentsOf: file.path)
        XCTAssertNil(result.config)
        // The fixture marks each mistake with a comment; every marked line is reported, once.
        let text = try String(contentsOf: file, encoding: .utf8)
        let markedLines = text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
            .filter { $0.element.contains("  # ") }.map { $0.offset + 1 }
        XCTAssertEqual(result.issues.compactMap(\.line), markedLines, result.reportLines.joined(separator: "\n"))
        XCTAssertEqual(result.reportLines.count, markedLines.count)
        XCTAssertTrue(result.reportLines.allSatisfy { $0.hasPrefix(file.path + ":") })
    }

    func testUnreadableFiles() {
        let missing = NarformerConfig.check(contentsOf: directory.appendingPathComponent("absent.yaml").path)
        XCTAssertEqual(missing.reportLines, [directory.appendingPathComponent("absent.yaml").path + ": no such file"])
        let folder = NarformerConfig.check(contentsOf: directory.path)
        XCTAssertEqual(folder.issues.first?.message, "is a directory, not a config file")
        let binary = directory.appendingPathComponent("binary.yaml")
        XCTAssertTrue(FileManager.default.createFile(atPath: binary.path, contents: Data([0xFF, 0xFE, 0x00, 0x80])))
        XCTAssertEqual(NarformerConfig.check(contentsOf: binary.path).issues.first?.message, "is not UTF-8 text")
    }

    func testLoadThrowsAConfigErrorCarryingEveryIssue() {
        XCTAssertThrowsError(try NarformerConfig.parse(yaml: "store: 1\nmodels: 2\n", file: "x.yaml",
                                                       baseDirectory: "/", checkFileSystem: false)) { error in
            guard let error = error as? ConfigError else { return XCTFail("\(error)") }
            XCTAssertEqual(error.issues.count, 3, error.description)
            XCTAssertEqual(error.description.split(separator: "\n").count, 3)
            XCTAssertTrue(error.description.contains("x.yaml:1:8: store: expected a mapping"), error.description)
        }
    }
}

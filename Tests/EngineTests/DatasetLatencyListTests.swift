import XCTest
@testable import Engine

/// Paths and helpers shared by the data set and evaluation tests.
enum EvalTestData {
    /// The repo's data/ folder, found from this file (tests never read ../shared).
    static let repoData = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("data")

    static func fixture(_ name: String) throws -> URL {
        try XCTUnwrap(Bundle.module.resourceURL?.appendingPathComponent("Fixtures/eval/\(name)"))
    }

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("narformer-eval-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func write(_ text: String, named name: String, in directory: URL) throws -> URL {
        let url = directory.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url
    }

    static func error(_ body: () throws -> Void) -> String {
        do {
            try body()
            return "no error"
        } catch {
            return "\(error)"
        }
    }
}

final class DatasetLatencyListTests: XCTestCase {
    func testRealListHasNineFamiliesOfEighty() throws {
        let list = try LatencyList.load(from: EvalTestData.repoData.appendingPathComponent("latency/gt.txt"))
        XCTAssertEqual(list.records.count, 720)
        XCTAssertEqual(list.families.count, 9)
        for family in list.families {
            XCTAssertEqual(list.records.filter { $0.family == family }.count, 80, family)
        }
        let first = try XCTUnwrap(list.records.first)
        XCTAssertEqual(first.id, "resnet_2026_0000")
        XCTAssertEqual(first.batchSize, 1)
        XCTAssertEqual(first.latencyMs, 12.89357)
        XCTAssertEqual(first.platform, "cpu-ort-1t")
        XCTAssertEqual(first.inputResolution, 96)
        // Relative paths resolve against the list's folder, and the files are there.
        XCTAssertTrue(FileManager.default.fileExists(atPath: first.onnxFile.path), first.onnxFile.path)
    }

    func testFixtureWithCommentsOptionalColumnsAndAbsolutePath() throws {
        let url = try EvalTestData.fixture("mini_list.txt")
        let list = try LatencyList.load(from: url)
        XCTAssertEqual(list.records.map(\.id), ["net_a", "net_b", "net_c"])
        XCTAssertEqual(list.records.map(\.line), [3, 4, 5])
        XCTAssertEqual(list.records[0].onnxFile.path, url.deletingLastPathComponent().appendingPathComponent("onnx/a.onnx").standardizedFileURL.path)
        XCTAssertEqual(list.records[0].inputResolution, 224)
        XCTAssertNil(list.records[1].platform)
        XCTAssertNil(list.records[1].inputResolution)
        XCTAssertEqual(list.records[1].batchSize, 4)
        XCTAssertEqual(list.records[2].onnxFile.path, "/abs/c.onnx")
        XCTAssertEqual(list.records[2].platform, "cpu-ort-1t")
        XCTAssertEqual(list.families, ["resnet", "vgg"])
    }

    func testEveryBadLineNamesFileLineAndProblem() {
        let source = URL(fileURLWithPath: "/data/list.txt")
        let cases: [(String, String)] = [
            ("a x.onnx 1 2.0\n", "/data/list.txt:1: has 4 fields"),
            ("# c\na x.onnx one 2.0 resnet\n", "/data/list.txt:2: batch size 'one' is not a positive whole number"),
            ("a x.onnx 0 2.0 resnet\n", "batch size '0'"),
            ("a x.onnx 1 -2 resnet\n", "latency '-2' is not a positive number"),
            ("a x.onnx 1 nan resnet\n", "latency 'nan'"),
            ("a x.onnx 1 2 resnet cpu 22.5\n", "input resolution '22.5'"),
            ("a x.onnx 1 2 resnet cpu 224 extra\n", "has 8 fields"),
            ("a x.onnx 1 2 resnet\n\na y.onnx 1 3 vgg\n", "/data/list.txt:3: id 'a' was already used on line 1"),
            ("# only a comment\n\n", "/data/list.txt: holds no measurements"),
        ]
        for (text, expected) in cases {
            let message = EvalTestData.error { _ = try LatencyList.parse(text, source: source) }
            XCTAssertTrue(message.contains(expected), "\(message) should contain \(expected)")
        }
    }

    func testMissingFileIsAClearError() {
        let message = EvalTestData.error { _ = try LatencyList.load(from: URL(fileURLWithPath: "/nonexistent/gt.txt")) }
        XCTAssertTrue(message.hasPrefix("/nonexistent/gt.txt: cannot be read"), message)
    }

    func testFamilyFilters() throws {
        let list = try LatencyList.load(from: EvalTestData.repoData.appendingPathComponent("latency/gt.txt"))
        let two = try list.filtered(includeFamilies: ["vgg", "resnet"])
        XCTAssertEqual(Set(two.records.map(\.family)), ["vgg", "resnet"])
        XCTAssertEqual(two.records.count, 160)
        let withoutVGG = try list.filtered(excludeFamilies: ["vgg"])
        XCTAssertEqual(withoutVGG.records.count, 640)
        XCTAssertFalse(withoutVGG.records.contains { $0.family == "vgg" })
        let typo = EvalTestData.error { _ = try list.filtered(includeFamilies: ["resnett"]) }
        XCTAssertTrue(typo.contains("has no family 'resnett'; its families are: resnet,"), typo)
        let empty = EvalTestData.error { _ = try two.filtered(includeFamilies: ["vgg"], excludeFamilies: ["vgg"]) }
        XCTAssertTrue(empty.contains("no measurements are left"), empty)
    }
}

import Foundation

/// Files of the repository's data folder that tests use (the tests never read ../shared).
package enum RepositoryData {
    /// The repository's root folder.
    package static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// `count` real ONNX files of data/latency/onnx, spread over the families.
    package static func onnxFiles(_ count: Int) throws -> [URL] {
        let folder = root.appendingPathComponent("data/latency/onnx")
        let families = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        var perFamily = try families.map { family in
            try FileManager.default.contentsOfDirectory(atPath: folder.path + "/" + family).sorted()
                .filter { $0.hasSuffix(".onnx") }.map { folder.appendingPathComponent(family + "/" + $0) }
        }
        var picked: [URL] = []
        var index = 0
        while picked.count < count, perFamily.contains(where: { !$0.isEmpty }) {
            let family = index % perFamily.count
            if !perFamily[family].isEmpty { picked.append(perFamily[family].removeFirst()) }
            index += 1
        }
        return picked
    }

    /// A small (2.7 KB, weights removed) AlexNet-style ONNX file of the latency data.
    package static func alexnet(_ number: Int) -> URL {
        root.appendingPathComponent(String(format: "data/latency/onnx/alexnet/alexnet_2026_%04d.onnx", number))
    }

    /// The numbers of the first `count` AlexNet files.
    package static func alexnetNumbers(_ count: Int) -> [Int] {
        let folder = root.appendingPathComponent("data/latency/onnx/alexnet").path
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
        return names.prefix(count).compactMap { Int($0.dropFirst("alexnet_2026_".count).prefix(4)) }
    }
}

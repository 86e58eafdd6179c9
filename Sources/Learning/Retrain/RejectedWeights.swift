import Foundation
import Store

/// Bounds the models folder: a platform keeps the weights files of its newest
/// `retraining.keep_rejected` rejected versions; an older rejected version keeps its record
/// (metrics, history, `narformer models list`) and loses its file.
///
/// Why: every retrain writes its candidate's weights (1.1-1.3 MB for the shipped shapes)
/// before it is judged, most candidates of a settled platform are rejected, and a daemon
/// left running for months would fill its disk with files nobody serves. Active, retired
/// (what a rollback returns to) and held (waiting for a person) versions are never touched.
///
/// Crash safety: the records are marked first, in one transaction that re-reads each one
/// (a version promoted by hand meanwhile is left alone), then the files are deleted. A
/// file left behind by a crash between the two is deleted by the next pass, which also
/// looks at marked records whose file still exists. A file is deleted only when it lies in
/// the models folder and its SHA-256 is the one its record holds, so a path that now names
/// something else is never removed.
package enum RejectedWeights {
    package struct Removal: Sendable, Equatable {
        /// Versions whose weights file was deleted in this pass.
        package var versions: [Int] = []
        /// Files left in place, each with the reason.
        package var problems: [String] = []

        package init(versions: [Int] = [], problems: [String] = []) {
            self.versions = versions
            self.problems = problems
        }
    }

    package static func prune(platform: String, keep: Int, modelsDirectory: String, store: NarformerStore,
                              now: Date) throws -> Removal {
        let folder = URL(fileURLWithPath: modelsDirectory).standardizedFileURL.resolvingSymlinksInPath().path
        let models = try store.read { try $0.models(platform: platform) }
        let rejected = models.filter { $0.state == .rejected }.sorted { $0.version > $1.version }
        let excess = rejected.dropFirst(max(keep, 0)).filter { $0.weightsRemoved == nil }
        var removal = Removal()
        // Marked records whose file a crash left behind.
        var deletions = models.filter { $0.weightsRemoved != nil && FileManager.default.fileExists(atPath: $0.weightsPath) }
        let toMark = excess.filter { record in
            guard FileManager.default.fileExists(atPath: record.weightsPath) else { return true }
            if let problem = Self.problem(with: record, folder: folder) {
                removal.problems.append(problem)
                return false
            }
            return true
        }
        if !toMark.isEmpty {
            let marked = try store.write { writer -> [ModelRecord] in
                var marked: [ModelRecord] = []
                for record in toMark {
                    guard var current = try writer.model(platform: platform, version: record.version),
                          current.state == .rejected, current.weightsRemoved == nil else { continue }
                    current.weightsRemoved = now
                    try writer.putModel(current)
                    marked.append(current)
                }
                return marked
            }
            deletions += marked
        }
        for record in deletions.sorted(by: { $0.version < $1.version }) {
            guard FileManager.default.fileExists(atPath: record.weightsPath) else {
                removal.versions.append(record.version)
                continue
            }
            if let problem = Self.problem(with: record, folder: folder) {
                removal.problems.append(problem)
                continue
            }
            do {
                try FileManager.default.removeItem(atPath: record.weightsPath)
                removal.versions.append(record.version)
            } catch {
                removal.problems.append("\(record.weightsPath) (v\(record.version)): not removed: \(error.localizedDescription)")
            }
        }
        return removal
    }

    /// Why `record`'s existing file must not be deleted; nil when it may.
    private static func problem(with record: ModelRecord, folder: String) -> String? {
        let file = URL(fileURLWithPath: record.weightsPath).standardizedFileURL.resolvingSymlinksInPath()
        guard file.deletingLastPathComponent().path == folder else {
            return "\(record.weightsPath) (v\(record.version)): left in place: it is not in the models folder \(folder)"
        }
        guard let actual = try? ModelRecord.sha256(ofFileAt: record.weightsPath), actual == record.weightsSHA256 else {
            return "\(record.weightsPath) (v\(record.version)): left in place: it is not the file its record names (SHA-256 differs)"
        }
        return nil
    }
}

import Foundation
import Learning

/// The measurement drop `narformer suggest --format yaml` writes: one `hash:` record per
/// suggested network with `latency_ms` left for the lab to fill in. Until every
/// `latency_ms` is a number the intake fails the file whole, so a half-filled template
/// stores nothing.
enum MeasurementTemplate {
    static func yaml(platform: String, picks: [SuggestionPlanner.Pick], files: [String]) -> String {
        var out = "# Networks of \(platform) to measure next, most useful first (narformer suggest).\n"
            + "# Fill in every latency_ms (milliseconds; device and measured_at are optional), then drop this\n"
            + "# file into an inbox of \(platform): write it under a temporary name, then rename it.\n"
            + "measurements:\n"
        if picks.isEmpty { out += "  []\n" }
        for (pick, file) in zip(picks, files) {
            let c = pick.candidate
            out += "  # \(comment(file)): predicted \(String(format: "%.3f", c.predictedMs)) ms; \(comment(pick.reason))\n"
            out += "  - hash: \(c.graphHash)\n"
            out += "    platform: \(platform)\n"
            out += "    batch_size: \(c.batchSize)\n"
            out += "    latency_ms:\n"
            out += "    # device: \"...\"\n"
            out += "    # measured_at: 2026-01-01T00:00:00Z\n"
        }
        return out
    }

    /// Text kept on one comment line.
    private static func comment(_ text: String) -> String {
        text.replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "\r", with: " ")
    }
}

import Foundation

/// Shows training progress: on a terminal, one live line redrawn in place with `\r`;
/// under a pipe or systemd (where `\r` makes unreadable logs), one plain line per epoch.
///
/// Not thread-safe: drive it from the training loop.
public final class ProgressReporter {
    public let isTerminal: Bool
    public let width: Int
    private let write: (String) -> Void
    private let clock: () -> Double
    private let minimumRedrawInterval: Double
    private var lastRedraw = -Double.infinity
    private var barIsShown = false

    /// - Parameters:
    ///   - isTerminal: defaults to whether standard output is a TTY.
    ///   - clock: seconds, monotonic; injected so throttling can be tested.
    ///   - write: where text goes (standard output by default).
    public init(isTerminal: Bool = ProgressReporter.standardOutputIsTerminal(), width: Int = 100,
                minimumRedrawInterval: Double = 0.1,
                clock: @escaping () -> Double = { ProcessInfo.processInfo.systemUptime },
                write: @escaping (String) -> Void = { FileHandle.standardOutput.write(Data($0.utf8)) }) {
        self.isTerminal = isTerminal
        self.width = max(40, width)
        self.minimumRedrawInterval = minimumRedrawInterval
        self.clock = clock
        self.write = write
    }

    public static func standardOutputIsTerminal() -> Bool { isatty(STDOUT_FILENO) == 1 }

    /// After each step. Redraws the live line at most every `minimumRedrawInterval`
    /// seconds (and always on an epoch's last step); does nothing off a terminal.
    public func update(_ progress: TrainingProgress) {
        guard isTerminal else { return }
        let now = clock()
        guard progress.step == progress.stepsPerEpoch || now - lastRedraw >= minimumRedrawInterval else { return }
        lastRedraw = now
        write("\r" + Self.barLine(progress, width: width) + "\u{1B}[K")
        barIsShown = true
    }

    /// After each epoch: one summary line (on a terminal it replaces the live line).
    public func endEpoch(_ progress: TrainingProgress, validation: EvaluationMetrics? = nil) {
        let line = Self.epochLine(progress, validation: validation)
        write(isTerminal && barIsShown ? "\r" + line + "\u{1B}[K\n" : line + "\n")
        barIsShown = false
    }

    /// Prints a block of text (a metrics table) below the progress, ending the live line first.
    public func print(_ text: String) {
        if barIsShown { write("\n"); barIsShown = false }
        write(text.hasSuffix("\n") ? text : text + "\n")
    }

    /// `epoch 3/50 [#####.....] 120/450 loss 0.02130 lr 9.80e-04 ETA 4m12s`, clipped to `width`.
    public static func barLine(_ p: TrainingProgress, width: Int) -> String {
        let head = "epoch \(p.epoch)/\(p.epochs) "
        let tail = " \(p.step)/\(p.stepsPerEpoch) loss \(format(loss: p.loss)) lr \(String(format: "%.2e", p.learningRate)) ETA \(p.eta.map(duration) ?? "--")"
        let barWidth = max(10, width - head.count - tail.count - 2)
        let fraction = p.stepsPerEpoch > 0 ? min(1, max(0, Double(p.step) / Double(p.stepsPerEpoch))) : 0
        let filled = Int((fraction * Double(barWidth)).rounded(.down))
        let bar = "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: barWidth - filled) + "]"
        return String((head + bar + tail).prefix(width))
    }

    /// `epoch 3/50 loss 0.02130 lr 9.80e-04 val MAPE 12.34% Acc10 55.1% elapsed 1m02s ETA 4m12s`.
    public static func epochLine(_ p: TrainingProgress, validation: EvaluationMetrics?) -> String {
        var parts = ["epoch \(p.epoch)/\(p.epochs)", "loss \(format(loss: p.loss))", "lr \(String(format: "%.2e", p.learningRate))"]
        if let v = validation {
            parts.append("val MAPE \(MetricsTable.percent(v.mape, digits: 2)) Acc10 \(MetricsTable.percent(v.acc10, digits: 1))")
        }
        parts.append("elapsed \(duration(p.elapsed))")
        parts.append("ETA \(p.eta.map(duration) ?? "--")")
        return parts.joined(separator: " ")
    }

    /// `42s`, `4m12s`, `2h05m`.
    public static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "--" }
        let total = Int(seconds.rounded())
        if total < 60 { return "\(total)s" }
        if total < 3600 { return String(format: "%dm%02ds", total / 60, total % 60) }
        return String(format: "%dh%02dm", total / 3600, (total % 3600) / 60)
    }

    static func format(loss: Double) -> String {
        loss.isFinite ? String(format: "%.5f", loss) : "\(loss)"
    }
}

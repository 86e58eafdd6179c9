/// Exponential backoff for drops that cannot be moved or read yet: initial, 2x, 4x, ...
/// capped, so a full disk is retried often at first and then every `maximum`.
package struct RetryBackoff: Sendable, Equatable {
    package var initial: Duration = .milliseconds(200)
    package var maximum: Duration = .seconds(60)

    package init(initial: Duration = .milliseconds(200), maximum: Duration = .seconds(60)) {
        self.initial = initial
        self.maximum = maximum
    }

    /// The wait before attempt `attempt + 1` (attempt counts failures so far, from 1).
    package func delay(afterFailures attempt: Int) -> Duration {
        var delay = initial
        for _ in 1..<max(attempt, 1) {
            delay *= 2
            if delay >= maximum { return maximum }
        }
        return min(delay, maximum)
    }
}

/// What the pipeline has done since it started, for `STATUS=` and `narformer status`.
struct PipelineCounters: Sendable, Equatable {
    var done = 0
    var failed = 0
    /// `.retryLater` answers from the processor (held drops).
    var held = 0
    /// Reads that found the file changing underneath (retried).
    var changing = 0
    /// Claims or moves into done/failed that failed (retried with backoff).
    var moveErrors = 0
    /// Drops waiting now (ready + scheduled).
    var queueDepth = 0
}

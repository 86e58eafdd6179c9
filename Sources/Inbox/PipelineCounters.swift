/// What the pipeline has done since it started, for `STATUS=` and `narformer status`.
package struct PipelineCounters: Sendable, Equatable {
    package var done = 0
    package var failed = 0
    /// `.retryLater` answers from the processor (held drops).
    package var held = 0
    /// Reads that found the file changing underneath (retried).
    package var changing = 0
    /// Claims or moves into done/failed that failed (retried with backoff).
    package var moveErrors = 0
    /// Drops waiting now (ready + scheduled).
    package var queueDepth = 0
}

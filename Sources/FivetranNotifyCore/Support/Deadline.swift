import Synchronization

/// Runs work with a deadline that holds even when the work ignores cancellation: the caller gets the
/// work's result or, at the deadline, the timeout error, whichever comes first. The work is cancelled
/// and left to end in the background; nothing waits for it (a task group would: it returns only when
/// all its children ended, so a connect or query that does not honour cancellation would outlast
/// the deadline by as long as it hangs).
public enum Deadline {
    /// `work`'s result, or `timedOut` thrown once `limit` passed (or `CancellationError` when the
    /// caller is cancelled first). Then the work is cancelled, unless `cancellingWork` is false.
    public static func run<T: Sendable>(
        _ limit: Duration, timedOut: @autoclosure @escaping @Sendable () -> any Error,
        cancellingWork: Bool = true, _ work: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        let race = Race<T>(cancellingWork: cancellingWork)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
                race.begin(continuation)
                let worker = Task {
                    do { race.end(.success(try await work())) } catch { race.end(.failure(error)) }
                }
                let timer = Task {
                    // Cancelled when the work ended first: then the race is over and this is ignored.
                    try? await Task.sleep(for: limit)
                    race.end(.failure(timedOut()))
                }
                race.hold(worker, timer)
            }
        } onCancel: {
            race.end(.failure(CancellationError()))
        }
    }

    /// Whether `work` finished within `timeout` (it goes on after the wait ends).
    static func run(within timeout: Duration, _ work: @escaping @Sendable () async -> Void) async -> Bool {
        (try? await run(timeout, timedOut: CancellationError(), cancellingWork: false) { await work() }) != nil
    }

    /// The first of work, timer and cancellation resumes the caller; the timer is cancelled, and the
    /// work when it is to be.
    private final class Race<T: Sendable>: Sendable {
        private struct State {
            var continuation: CheckedContinuation<T, any Error>?
            var outcome: Result<T, any Error>?
            var tasks: [Task<Void, Never>] = []
        }
        private let state = Mutex(State())
        private let cancellingWork: Bool

        init(cancellingWork: Bool) { self.cancellingWork = cancellingWork }

        func begin(_ continuation: CheckedContinuation<T, any Error>) {
            // Cancelled before it began: answered at once.
            let early = state.withLock { state -> Result<T, any Error>? in
                if state.outcome == nil { state.continuation = continuation }
                return state.outcome
            }
            if let early { continuation.resume(with: early) }
        }

        func hold(_ worker: Task<Void, Never>, _ timer: Task<Void, Never>) {
            let over = state.withLock { state -> Bool in
                state.tasks = [worker, timer]
                return state.outcome != nil
            }
            if over {
                if cancellingWork { worker.cancel() }
                timer.cancel()
            }
        }

        func end(_ outcome: Result<T, any Error>) {
            let (continuation, tasks) = state.withLock {
                state -> (CheckedContinuation<T, any Error>?, [Task<Void, Never>]) in
                guard state.outcome == nil else { return (nil, []) }
                state.outcome = outcome
                defer { state.continuation = nil }
                return (state.continuation, cancellingWork ? state.tasks : Array(state.tasks.dropFirst()))
            }
            for task in tasks { task.cancel() }
            continuation?.resume(with: outcome)
        }
    }
}

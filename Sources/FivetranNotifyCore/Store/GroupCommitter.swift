import Foundation
import Synchronization

/// Group commit: callers hand in items and wait; a single writer task takes everything that is
/// waiting, commits it in one transaction (one fsync) and answers every caller. Under load a batch
/// grows while the previous one is being synced, so durability costs one fsync per batch instead of
/// one per delivery; with a single caller it is one item per batch and no added delay. With more than
/// one writer, a batch can start while another is committing (a server database's round trips overlap).
final class GroupCommitter<Item: Sendable, Outcome: Sendable>: Sendable {
    typealias Commit = @Sendable ([Item]) async throws -> [Outcome]

    private struct Waiting {
        var item: Item
        var continuation: CheckedContinuation<Outcome, any Error>
    }

    private struct State {
        var queue: [Waiting] = []
        var writersWaiting: [CheckedContinuation<Void, Never>] = []
        var closed = false
        var batches = 0
    }

    private let state = Mutex(State())
    private let maxBatch: Int
    private let writers = Mutex<[Task<Void, Never>]>([])

    /// Starts the writer tasks. `commit` must return one outcome per item, in order; if it throws,
    /// every caller of that batch gets the error (nothing of the batch was committed).
    init(maxBatch: Int = 1024, writers count: Int = 1, commit: @escaping Commit) {
        self.maxBatch = maxBatch
        let tasks = (0..<max(1, count)).map { _ in
            Task { [weak self] in
                while let batch = await self?.nextBatch() {
                    let items = batch.map(\.item)
                    do {
                        let outcomes = try await commit(items)
                        for (waiting, outcome) in zip(batch, outcomes) {
                            waiting.continuation.resume(returning: outcome)
                        }
                    } catch {
                        for waiting in batch { waiting.continuation.resume(throwing: error) }
                    }
                }
            }
        }
        writers.withLock { $0 = tasks }
    }

    deinit {
        writers.withLock { tasks in for task in tasks { task.cancel() } }
    }

    /// Queues the item and returns once its batch is committed.
    func submit(_ item: Item) async throws -> Outcome {
        try await withCheckedThrowingContinuation { continuation in
            let (wake, closed) = state.withLock { state -> (CheckedContinuation<Void, Never>?, Bool) in
                if state.closed { return (nil, true) }
                state.queue.append(Waiting(item: item, continuation: continuation))
                let wake = state.writersWaiting.isEmpty ? nil : state.writersWaiting.removeFirst()
                return (wake, false)
            }
            if closed {
                continuation.resume(throwing: NotifyError("The delivery store is closed."))
            }
            wake?.resume()
        }
    }

    /// How many items wait for a writer now.
    var waitingCount: Int { state.withLock { $0.queue.count } }

    /// How many batches (transactions) were taken so far.
    var batchCount: Int { state.withLock { $0.batches } }

    /// Stops accepting items; the writers finish what is queued and end.
    func close() async {
        let wake = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.closed = true
            defer { state.writersWaiting.removeAll() }
            return state.writersWaiting
        }
        for writer in wake { writer.resume() }
        for task in writers.withLock({ $0 }) { await task.value }
    }

    /// Everything waiting (up to `maxBatch`), or nil once closed and drained.
    private func nextBatch() async -> [Waiting]? {
        while true {
            let taken = state.withLock { state -> [Waiting]? in
                guard !state.queue.isEmpty else { return nil }
                state.batches += 1
                if state.queue.count <= maxBatch {
                    defer { state.queue.removeAll(keepingCapacity: true) }
                    return state.queue
                }
                let batch = Array(state.queue.prefix(maxBatch))
                state.queue.removeFirst(maxBatch)
                return batch
            }
            if let taken { return taken }
            if state.withLock({ $0.closed }) { return nil }
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if !state.queue.isEmpty || state.closed { return true }
                    state.writersWaiting.append(continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        }
    }
}

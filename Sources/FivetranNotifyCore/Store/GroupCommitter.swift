import Foundation
import Synchronization

/// Group commit: callers hand in items and wait; a single writer task takes everything that is
/// waiting, commits it in one transaction (one fsync) and answers every caller. Under load a batch
/// grows while the previous one is being synced, so durability costs one fsync per batch instead of
/// one per delivery; with a single caller it is one item per batch and no added delay.
final class GroupCommitter<Item: Sendable, Outcome: Sendable>: Sendable {
    typealias Commit = @Sendable ([Item]) async throws -> [Outcome]

    private struct Waiting {
        var item: Item
        var continuation: CheckedContinuation<Outcome, any Error>
    }

    private struct State {
        var queue: [Waiting] = []
        var writerWaiting: CheckedContinuation<Void, Never>?
        var closed = false
        var batches = 0
    }

    private let state = Mutex(State())
    private let maxBatch: Int
    private let writer = Mutex<Task<Void, Never>?>(nil)

    /// Starts the writer task. `commit` must return one outcome per item, in order; if it throws,
    /// every caller of that batch gets the error (nothing of the batch was committed).
    init(maxBatch: Int = 1024, commit: @escaping Commit) {
        self.maxBatch = maxBatch
        let task = Task { [weak self] in
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
        writer.withLock { $0 = task }
    }

    deinit {
        writer.withLock { $0?.cancel() }
    }

    /// Queues the item and returns once its batch is committed.
    func submit(_ item: Item) async throws -> Outcome {
        try await withCheckedThrowingContinuation { continuation in
            let (wake, closed) = state.withLock { state -> (CheckedContinuation<Void, Never>?, Bool) in
                if state.closed { return (nil, true) }
                state.queue.append(Waiting(item: item, continuation: continuation))
                let wake = state.writerWaiting
                state.writerWaiting = nil
                return (wake, false)
            }
            if closed {
                continuation.resume(throwing: NotifyError("The delivery store is closed."))
            }
            wake?.resume()
        }
    }

    /// How many batches (transactions) were taken so far.
    var batchCount: Int { state.withLock { $0.batches } }

    /// Stops accepting items; the writer finishes what is queued and ends.
    func close() async {
        let wake = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.closed = true
            let wake = state.writerWaiting
            state.writerWaiting = nil
            return wake
        }
        wake?.resume()
        let task = writer.withLock { $0 }
        await task?.value
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
                    state.writerWaiting = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        }
    }
}

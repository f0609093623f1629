import Foundation
import Synchronization
import Testing

@testable import FivetranNotifyCore

/// The group commit behind `record`: every caller answered with its own outcome, batches taken
/// whole, and with two writers a second batch committed while the first is still committing.
@Suite struct GroupCommitterTests {
    @Test(.timeLimit(.minutes(1))) func withTwoWritersASecondBatchCommitsWhileTheFirstIsStillCommitting() async throws {
        let firstMayEnd = AsyncStream<Void>.makeStream()
        let started = Mutex<[[Int]]>([])
        let committer = GroupCommitter<Int, Int>(writers: 2) { items in
            let isFirst = started.withLock { batches -> Bool in
                batches.append(items)
                return batches.count == 1
            }
            if isFirst {
                for await _ in firstMayEnd.stream { break }  // held until the second batch is done
            }
            return items.map { $0 * 10 }
        }
        async let first = committer.submit(1)
        #expect(await eventually(within: .seconds(30)) { started.withLock { $0.count } == 1 })
        // The first writer is busy: the second takes this one and answers it.
        #expect(try await committer.submit(2) == 20)
        firstMayEnd.continuation.yield()
        #expect(try await first == 10)
        #expect(started.withLock { $0 } == [[1], [2]])
        await committer.close()
    }

    @Test func withOneWriterWhatArrivesDuringACommitIsTheNextBatch() async throws {
        let firstMayEnd = AsyncStream<Void>.makeStream()
        let started = Mutex<[[Int]]>([])
        let committer = GroupCommitter<Int, Int> { items in
            let isFirst = started.withLock { batches -> Bool in
                batches.append(items)
                return batches.count == 1
            }
            if isFirst {
                for await _ in firstMayEnd.stream { break }
            }
            return items.map { $0 * 10 }
        }
        async let first = committer.submit(1)
        #expect(await eventually(within: .seconds(30)) { started.withLock { $0.count } == 1 })
        async let second = committer.submit(2)
        async let third = committer.submit(3)
        #expect(await eventually(within: .seconds(30)) { committer.waitingCount == 2 })
        firstMayEnd.continuation.yield()
        #expect(try await [first, second, third] == [10, 20, 30])
        #expect(started.withLock { $0.count } == 2)
        #expect(started.withLock { Set($0[1]) } == [2, 3])
        await committer.close()
    }
}

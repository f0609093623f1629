import FivetranNotifyCore
import Foundation
import Synchronization
import Testing

/// A virtual clock for the dispatcher: `sleep` records the wait and advances `now` at once, so a
/// 5-minute backoff takes no time and the test can assert on what was waited.
final class TestClock: Sendable {
    private let state = Mutex<(now: Duration, sleeps: [Duration])>((.zero, []))
    private let date: @Sendable () -> Date

    /// - Parameter date: the wall clock the listener's services read.
    init(date: @escaping @Sendable () -> Date = { Date() }) {
        self.date = date
    }

    var sleeps: [Duration] { state.withLock { $0.sleeps } }

    var serviceClock: ServiceClock {
        ServiceClock(
            now: { self.state.withLock { $0.now } },
            sleep: { duration in
                try Task.checkCancellation()
                self.state.withLock {
                    $0.now += duration
                    $0.sleeps.append(duration)
                }
                // Let other tasks run, as a real sleep would, and keep a runaway retry loop from spinning.
                try await Task.sleep(for: .milliseconds(5))
            },
            date: date,
            random: { 0.5 })
    }
}

/// Polls `condition` until it holds or the deadline passes; returns whether it held (a throw counts
/// as not yet).
func eventually(
    within timeout: Duration = .seconds(10), every interval: Duration = .milliseconds(20),
    _ condition: () async throws -> Bool
) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if (try? await condition()) == true { return true }
        try? await Task.sleep(for: interval)
    }
    return (try? await condition()) == true
}

/// The `listen` suites, grouped so that `swift test --filter ListenSuites` runs exactly them.
@Suite(.serialized) enum ListenSuites {}

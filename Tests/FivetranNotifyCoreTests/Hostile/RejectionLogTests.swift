import Foundation
import Synchronization
import Testing

@testable import FivetranNotifyCore

extension ListenSuites {
    /// Junk traffic cannot flood the log: rejections are logged at most once per 10 s, all counted.
    @Suite struct RejectionLogTests {
        @Test func aFloodOfBadSignaturesLogsOneLineAndCountsThemAll() async throws {
            let clock = TestDate(Date(timeIntervalSince1970: 1_800_000_000))
            try await ListenerHarness.with(slackURL: nil, now: clock.read) { listener throws in
                for index in 0..<50 {
                    let response = try await listener.post(
                        Samples.syncEnd(connector: "junk_\(index)"), signature: .header("sha256=bad"))
                    #expect(response.status == 401)
                }
                let lines = listener.logs.stderr.split(separator: "\n").filter { $0.contains("rejected") }
                #expect(lines.count == 1, "\(lines)")
                let metrics = try await listener.get("/metrics")
                #expect(metrics.text.contains(#"fivetran_notify_deliveries_rejected_total{reason="signature"} 50"#))

                clock.advance(by: 10)
                #expect(try await listener.post(Samples.syncEnd(connector: "junk"), signature: .none).status == 401)
                #expect(listener.logs.stderr.contains("missing X-Fivetran-Signature-256 (401) (49 more rejected"))
            }
        }
    }
}

/// A wall clock a test moves by hand.
final class TestDate: Sendable {
    private let date: Mutex<Date>

    init(_ date: Date) { self.date = Mutex(date) }

    var read: @Sendable () -> Date { { self.date.withLock { $0 } } }

    func advance(by seconds: TimeInterval) { date.withLock { $0 += seconds } }
}

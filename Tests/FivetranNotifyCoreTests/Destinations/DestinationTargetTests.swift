import Foundation
import Testing

@testable import FivetranNotifyCore

/// How outbox targets are stored: queues written before destinations had kinds read back as Slack,
/// every kind survives the round trip, and what may be shown never holds a secret.
@Suite struct DestinationTargetTests {
    @Test func queuesFromEarlierReleasesReadBackAsSlack() throws {
        let url = "https://hooks.slack.com/services/T0/B0/SECRETxyzABCD"
        let slack = try #require(DestinationTarget(encoded: url))
        #expect(slack == DestinationTarget(kind: .slack, address: url))
        #expect(slack.encoded == url)
        let dryRun = try #require(DestinationTarget(encoded: "dry-run"))
        #expect(dryRun.kind == .slack && dryRun.dryRun)
        #expect(dryRun.encoded == "dry-run")
        #expect(DestinationTarget(encoded: "not a target") == nil)
    }

    @Test(arguments: [
        DestinationTarget(kind: .pagerduty, address: "R0UT1NGKEY0123456789abcdefABCDEF"),
        DestinationTarget(kind: .teams, address: "https://prod.logic.azure.com/workflows/a?sig=SECRETsig"),
        DestinationTarget(kind: .forward, address: "https://incidents.example.com/hook", secret: "whsec_c2VjcmV0"),
        DestinationTarget(kind: .forward, address: "https://incidents.example.com/hook"),
        DestinationTarget(kind: .teams, address: "https://prod.logic.azure.com/x", dryRun: true),
    ])
    func everyKindSurvivesTheRoundTrip(_ target: DestinationTarget) {
        #expect(DestinationTarget(encoded: target.encoded) == target)
    }

    @Test func redactionShowsHostAndLastFourOnly() {
        let key = DestinationTarget(kind: .pagerduty, address: "R0UT1NGKEY0123456789abcdefABCDEF")
        #expect(key.redacted == "pagerduty routing key …CDEF")
        let forward = DestinationTarget(
            kind: .forward, address: "https://incidents.example.com/hooks/SECRETpath", secret: "whsec_c2VjcmV0")
        #expect(forward.redacted == "forward incidents.example.com/…path")
        #expect(!forward.redacted.contains("SECRET") && !forward.redacted.contains("whsec"))
    }
}

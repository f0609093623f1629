import Foundation
import Testing

@testable import FivetranNotifyCore

@Suite struct NoticePolicyTests {
    let start = Date(timeIntervalSince1970: 1_780_000_000)
    let signal = IncidentSignal(family: .sync, subject: "warrant_sheep", kind: .failure(status: "FAILURE", reason: "x"))
    let policy = NoticePolicy(remindEvery: .seconds(4 * 3600), notifyResolved: true)

    @Test func firstFailureAlertsThenRepeatsStayQuietUntilTheReminder() {
        var (incident, notice) = policy.failure(nil, signal: signal, status: "FAILURE", reason: "x", at: start)
        #expect(notice == .alert)
        for hour in 1...3 {
            (incident, notice) = policy.failure(
                incident, signal: signal, status: "FAILURE", reason: "x", at: start + Double(hour) * 3600)
            #expect(notice == .quiet)
        }
        (incident, notice) = policy.failure(
            incident, signal: signal, status: "FAILURE", reason: "x", at: start + 4 * 3600)
        #expect(notice == .reminder(failures: 4, since: start))
        #expect(incident.failures == 5)
        #expect(incident.failuresSinceNotice == 0)
        (incident, notice) = policy.failure(
            incident, signal: signal, status: "FAILURE", reason: "x", at: start + 5 * 3600)
        #expect(notice == .quiet)
    }

    @Test func aDifferentStatusOrReasonAlertsAtOnce() {
        let (incident, _) = policy.failure(nil, signal: signal, status: "FAILURE", reason: "x", at: start)
        let (changedReason, notice1) = policy.failure(
            incident, signal: signal, status: "FAILURE", reason: "y", at: start + 60)
        #expect(notice1 == .alert)
        let (_, notice2) = policy.failure(
            changedReason, signal: signal, status: "FAILURE_WITH_TASK", reason: "y", at: start + 120)
        #expect(notice2 == .alert)
    }

    @Test func recoveryAfterAPostedFailureSaysResolvedOnlyWhenAsked() {
        let (incident, _) = policy.failure(nil, signal: signal, status: "FAILURE", reason: "x", at: start)
        #expect(
            policy.resolution(incident, anyNoticeDelivered: true, anyNoticePending: false)
                == .resolved(failingSince: start, failures: 1))
        let quiet = NoticePolicy(remindEvery: .seconds(60), notifyResolved: false)
        #expect(quiet.resolution(incident, anyNoticeDelivered: true, anyNoticePending: false) == .nothing)
    }

    @Test func recoveryBeforeTheAlertWentOutWithdrawsIt() {
        let (incident, _) = policy.failure(nil, signal: signal, status: "FAILURE", reason: "x", at: start)
        #expect(policy.resolution(incident, anyNoticeDelivered: false, anyNoticePending: true) == .withdraw)
        let quiet = NoticePolicy(remindEvery: .seconds(60), notifyResolved: false)
        #expect(quiet.resolution(incident, anyNoticeDelivered: true, anyNoticePending: true) == .withdraw)
    }

    @Test func mutedFailuresAreCountedAndTheFirstUnmutedOneAlerts() {
        var incident = policy.mutedFailure(nil, signal: signal, status: "FAILURE", reason: "x", at: start)
        incident = policy.mutedFailure(incident, signal: signal, status: "FAILURE", reason: "x", at: start + 60)
        #expect(incident.failures == 2)
        #expect(incident.lastNoticeAt == nil)
        let (after, notice) = policy.failure(incident, signal: signal, status: "FAILURE", reason: "x", at: start + 120)
        #expect(notice == .alert)
        #expect(after.failures == 3)
        #expect(after.firstFailureAt == start)
    }

    @Test func successWithoutAnIncidentSaysNothing() {
        #expect(policy.resolution(nil, anyNoticeDelivered: false, anyNoticePending: false) == .nothing)
    }
}

@Suite struct IncidentSignalTests {
    let forwarded = ForwardedEvents(names: nil)

    private func signal(_ name: String) throws -> IncidentSignal? {
        IncidentSignal.of(try Delivery.parse(TestFiles.fixture("events/\(name).json")), forwarded: forwarded)
    }

    @Test func failuresAndResolutionsByFamily() throws {
        #expect(try signal("sync_end_failure")?.kind == .failure(status: "FAILURE", reason: nil))
        #expect(try signal("sync_end_failure")?.family == .sync)
        #expect(try signal("sync_end_successful")?.kind == .resolution)
        #expect(try signal("sync_end_successful")?.subject == "assimilate_seem")
        #expect(try signal("dbt_run_failed")?.family == .transformation)
        #expect(try signal("dbt_run_failed")?.subject == "cover_scale")
        #expect(try signal("connection_failure")?.family == .connection)
        #expect(try signal("sync_start") == nil)
        #expect(try signal("test_event") == nil)
        #expect(try signal("unknown_future_event") == nil)
    }

    @Test func reasonsCompareOnTheirFirstLine() throws {
        let delivery = Delivery(raw: [
            "event": "sync_end", "connector_id": "c", "data": ["status": "FAILURE", "reason": "boom\n  at line 12"],
        ])
        #expect(IncidentSignal.of(delivery, forwarded: forwarded)?.kind == .failure(status: "FAILURE", reason: "boom"))
    }

    @Test func dbtSuccessResolvesTheJob() {
        let delivery = Delivery(raw: ["event": "dbt_run_succeeded", "data": ["dbtJobId": "cover_scale"]])
        #expect(
            IncidentSignal.of(delivery, forwarded: forwarded)
                == IncidentSignal(family: .transformation, subject: "cover_scale", kind: .resolution))
    }
}

import Foundation
import Testing

@testable import FivetranNotifyCore

/// Noise control as a table: (incident, signal, muted, notices so far, policy) → (change, intents).
/// No database: what the store does with the result is `NoiseControlListenTests`' business.
@Suite struct IncidentDecisionTests {
    static let start = Date(timeIntervalSince1970: 1_780_000_000)
    static let failure = IncidentSignal(
        family: .sync, subject: "warrant_sheep", kind: .failure(status: "FAILURE", reason: "x"))
    static let success = IncidentSignal(family: .sync, subject: "warrant_sheep", kind: .resolution)
    static let told = NoticePolicy(notifyResolved: true)
    static let quiet = NoticePolicy(notifyResolved: false)

    /// An incident opened at `start` with `failures` failures, its last notice at `start`.
    static func open(failures: Int = 3, noticed: Bool = true) -> Incident {
        Incident(
            family: .sync, subject: "warrant_sheep", status: "FAILURE", reason: "x", firstFailureAt: start,
            lastFailureAt: start, failures: failures, lastNoticeAt: noticed ? start : nil,
            failuresSinceNotice: noticed ? 0 : failures)
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var incident: Incident?
        var signal: IncidentSignal?
        var muted = false
        var history = NoticeHistory()
        var policy = IncidentDecisionTests.told
        var intents: [NoticeIntent]
        /// nil: the incident is saved (opened or updated); true: closed; false: unchanged.
        var closes: Bool?
        /// The delivery's signed time (default: now) and the newest one applied to the incident.
        var created: Date? = nil
        var lastApplied: Date? = nil
        var isLate = false

        var testDescription: String { name }
    }

    static let recovery = Recovery(failingSince: start, failures: 3)

    static let cases: [Case] = [
        Case(name: "first failure alerts", incident: nil, signal: failure, intents: [.alert], closes: nil),
        Case(name: "a muted first failure opens the incident quietly", signal: failure, muted: true, intents: []),
        Case(name: "a repeat inside remind_every stays quiet", incident: open(), signal: failure, intents: []),
        Case(
            name: "a forwarded event outside any incident is told", incident: nil, signal: nil, intents: [.alert],
            closes: false),
        Case(
            name: "a muted event outside any incident is not", incident: nil, signal: nil, muted: true, intents: [],
            closes: false),
        Case(
            name: "a success with no incident does nothing", incident: nil, signal: success, intents: [], closes: false),
        Case(
            name: "recovery after a delivered alert says Recovered", incident: open(), signal: success,
            history: NoticeHistory(told: true), intents: [.withdrawWaiting, .detach, .recover(recovery)], closes: true),
        Case(
            name: "without notify_resolved a told incident closes quietly", incident: open(), signal: success,
            history: NoticeHistory(told: true), policy: quiet, intents: [.detach], closes: true),
        Case(
            name: "a failure fixed before it was sent is withdrawn, never told", incident: open(), signal: success,
            history: NoticeHistory(pending: true), intents: [.withdrawWaiting, .detach], closes: true),
        Case(
            name: "a recovery during the send waits for its outcome", incident: open(), signal: success,
            history: NoticeHistory(pending: true, beingSent: true),
            intents: [.withdrawWaiting, .settleBeingSent(followUp: recovery), .detach], closes: true),
        Case(
            name: "a muted success during the send earns no Recovered", incident: open(), signal: success,
            muted: true, history: NoticeHistory(pending: true, beingSent: true),
            intents: [.withdrawWaiting, .settleBeingSent(followUp: nil), .detach], closes: true),
        Case(
            name: "a told incident with a send under way recovers now, not twice", incident: open(),
            signal: success, history: NoticeHistory(told: true, pending: true, beingSent: true),
            intents: [.withdrawWaiting, .settleBeingSent(followUp: nil), .detach, .recover(recovery)], closes: true),
        Case(
            name: "a muted success after a told failure says nothing", incident: open(), signal: success, muted: true,
            history: NoticeHistory(told: true), intents: [.withdrawWaiting, .detach], closes: true),
        // Order: the signed `created` decides, not arrival.
        Case(
            name: "a late success never resolves a newer failure", incident: open(), signal: success,
            history: NoticeHistory(pending: true), intents: [], closes: false, created: start - 300,
            lastApplied: start, isLate: true),
        Case(
            name: "a late failure never reopens what a newer success closed", incident: nil, signal: failure,
            intents: [], closes: false, created: start - 300, lastApplied: start, isLate: true),
        Case(
            name: "a late repeat of an open incident changes nothing", incident: open(), signal: failure,
            intents: [], closes: false, created: start - 1, lastApplied: start, isLate: true),
        Case(
            name: "equal times keep arrival order", incident: open(), signal: success,
            history: NoticeHistory(told: true), intents: [.withdrawWaiting, .detach, .recover(recovery)],
            closes: true, created: start, lastApplied: start),
        Case(
            name: "a newer failure after a closed incident opens a new one", incident: nil, signal: failure,
            intents: [.alert], closes: nil, created: start + 30, lastApplied: start),
    ]

    @Test(arguments: cases) func decides(_ c: Case) {
        let decision = IncidentDecision.decide(
            incident: c.incident, signal: c.signal, muted: c.muted, history: c.history, policy: c.policy,
            now: Self.start + 60, created: c.created, lastApplied: c.lastApplied)
        #expect(decision.intents == c.intents)
        #expect(decision.isLate == c.isLate)
        switch (c.closes, decision.change) {
        case (nil, .save), (true, .close), (false, .unchanged): break
        default: Issue.record("change \(decision.change) for \(c.name)")
        }
    }

    @Test func aReminderComesDueAfterRemindEvery() {
        let policy = NoticePolicy(remindEvery: .seconds(3600), notifyResolved: false)
        let decision = IncidentDecision.decide(
            incident: Self.open(failures: 2), signal: Self.failure, muted: false, policy: policy,
            now: Self.start + 3600)
        #expect(decision.intents == [.remind(failures: 1, since: Self.start)])
        guard case .save(let saved) = decision.change else {
            Issue.record("not saved: \(decision.change)")
            return
        }
        #expect(saved.failures == 3)
        #expect(saved.lastNoticeAt == Self.start + 3600)
    }

    @Test func theFirstUnmutedFailureAfterMutedOnesAlerts() {
        let decision = IncidentDecision.decide(
            incident: Self.open(failures: 2, noticed: false), signal: Self.failure, muted: false, policy: Self.told,
            now: Self.start + 60)
        #expect(decision.intents == [.alert])
    }
}

import Foundation

/// What resolution needs to know of the notices already queued or sent about an incident.
public struct NoticeHistory: Sendable, Equatable {
    /// People were told of the incident: a notice about it was delivered, or a digest naming it is
    /// queued (a digest names others too, so it cannot be withdrawn: once queued it counts as told).
    public var told: Bool
    /// A single notice about it (not a digest) is still pending, waiting or being sent.
    public var pending: Bool
    /// One of those is being sent right now: it can no longer be withdrawn.
    public var beingSent: Bool

    public init(told: Bool = false, pending: Bool = false, beingSent: Bool = false) {
        self.told = told
        self.pending = pending
        self.beingSent = beingSent
    }
}

/// What the outbox does because of one delivery, in the order given.
public enum NoticeIntent: Sendable, Equatable {
    /// Queue an alert about the delivery.
    case alert
    /// Queue a "still failing" about the delivery: `failures` more since the last notice at `since`.
    case remind(failures: Int, since: Date)
    /// Queue a "Recovered" about the (successful) delivery.
    case recover(Recovery)
    /// Withdraw the incident's alerts and reminders that are still waiting (not being sent): never a
    /// failure alert for something already fixed.
    case withdrawWaiting
    /// The incident ended while a notice about it is being sent: withdraw that notice if the send
    /// fails; if it is delivered, queue `followUp` (the "Recovered" it then needs) after it.
    case settleBeingSent(followUp: Recovery?)
    /// The incident is over: its notices stay (for status and pruning) but no longer speak for it, so
    /// its next incident is judged by its own notices alone.
    case detach
}

/// The facts of a "Recovered" notice.
public struct Recovery: Sendable, Equatable {
    public var failingSince: Date
    public var failures: Int

    public init(failingSince: Date, failures: Int) {
        self.failingSince = failingSince
        self.failures = failures
    }
}

/// What happens to the incident's stored state.
public enum IncidentChange: Sendable, Equatable {
    case unchanged
    /// Store this state (opened or updated).
    case save(Incident)
    /// The incident is over: forget it.
    case close
}

/// Noise control as a pure decision: (incident state, signal, whether a mute covers the delivery, the
/// notices so far, policy, now) → (new state, intents). No database: the store reads the inputs and
/// applies the result in the transaction that stores the delivery.
public struct IncidentDecision: Sendable, Equatable {
    public var change: IncidentChange
    public var intents: [NoticeIntent]
    /// The delivery is older than the newest one already applied to its incident: it changes nothing.
    public var isLate: Bool

    public init(change: IncidentChange = .unchanged, intents: [NoticeIntent] = [], isLate: Bool = false) {
        self.change = change
        self.intents = intents
        self.isLate = isLate
    }

    /// Decides for a forwarded delivery. `signal` is nil for a forwarded event that opens no incident
    /// (one picked with `--events` that neither fails nor resolves anything): it is told unless muted.
    /// `history` matters only for a resolution.
    ///
    /// No order of arrival is assumed: `created` (the delivery's signed time) is compared with
    /// `lastApplied`, the newest `created` already applied to the incident (kept after it closes). An
    /// older delivery changes nothing: a late success never resolves a newer failure, a late failure
    /// never reopens what a newer success closed. Equal times keep arrival order.
    ///
    /// `audience` is what the destination takes: one that always hears resolves is told of a recovery
    /// whatever `notify_resolved` or a mute says; one that takes no reminders gets none (`intents(for:)`).
    public static func decide(
        incident: Incident?, signal: IncidentSignal?, muted: Bool, history: NoticeHistory = NoticeHistory(),
        policy: NoticePolicy, now: Date, created: Date? = nil, lastApplied: Date? = nil,
        audience: NoticeAudience = NoticeAudience()
    ) -> IncidentDecision {
        guard let signal else {
            return IncidentDecision(intents: muted ? [] : [.alert])
        }
        if isLate(created: created ?? now, lastApplied: lastApplied) {
            return IncidentDecision(isLate: true)
        }
        switch signal.kind {
        case .failure(let status, let reason):
            if muted {
                let updated = policy.mutedFailure(incident, signal: signal, status: status, reason: reason, at: now)
                return IncidentDecision(change: .save(updated))
            }
            let (updated, notice) = policy.failure(incident, signal: signal, status: status, reason: reason, at: now)
            switch notice {
            case .alert:
                return IncidentDecision(change: .save(updated), intents: [.alert])
            case .reminder(let failures, let since):
                return IncidentDecision(
                    change: .save(updated), intents: [.remind(failures: failures, since: since)])
            case .quiet:
                return IncidentDecision(change: .save(updated))
            }
        case .resolution:
            guard let incident else { return IncidentDecision() }
            var policy = policy
            if audience.alwaysHearsResolves { policy.notifyResolved = true }
            return resolve(incident, muted: muted && !audience.alwaysHearsResolves, history: history, policy: policy)
        }
    }

    /// The intents for one destination: without the reminders it does not take.
    public func intents(for audience: NoticeAudience) -> [NoticeIntent] {
        guard !audience.takesReminders else { return intents }
        return intents.filter {
            if case .remind = $0 { return false }
            return true
        }
    }

    /// True when a delivery created at `created` is older than the newest one applied to its incident.
    public static func isLate(created: Date, lastApplied: Date?) -> Bool {
        guard let lastApplied else { return false }
        return created < lastApplied
    }

    private static func resolve(
        _ incident: Incident, muted: Bool, history: NoticeHistory, policy: NoticePolicy
    ) -> IncidentDecision {
        var intents: [NoticeIntent] = []
        let decision = policy.resolution(
            incident, anyNoticeDelivered: history.told, anyNoticePending: history.pending)
        if decision != .nothing { intents.append(.withdrawWaiting) }
        // The "Recovered" the incident earns: now when people were told of it, else once the send under
        // way is delivered. A muted success earns none.
        let earned =
            history.told || !history.beingSent
            ? decision : policy.resolution(incident, anyNoticeDelivered: true, anyNoticePending: false)
        var recovery: Recovery?
        if case .resolved(let failingSince, let failures) = earned, !muted {
            recovery = Recovery(failingSince: failingSince, failures: failures)
        }
        if history.beingSent {
            intents.append(.settleBeingSent(followUp: history.told ? nil : recovery))
        }
        intents.append(.detach)
        if case .resolved = decision, let recovery {
            intents.append(.recover(recovery))
        }
        return IncidentDecision(change: .close, intents: intents)
    }
}

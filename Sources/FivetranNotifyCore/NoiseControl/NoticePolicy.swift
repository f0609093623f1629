import Foundation

/// The state of one connector's (or dbt job's) ongoing trouble, as the store keeps it.
public struct Incident: Sendable, Equatable {
    public var family: IncidentSignal.Family
    public var subject: String
    public var status: String?
    public var reason: String?
    public var firstFailureAt: Date
    public var lastFailureAt: Date
    /// Failures since the incident opened.
    public var failures: Int
    /// When the last message about it (alert or reminder) was queued; nil while nothing was (its
    /// failures so far were muted).
    public var lastNoticeAt: Date?
    /// Failures since that message, not yet told.
    public var failuresSinceNotice: Int

    public init(
        family: IncidentSignal.Family, subject: String, status: String?, reason: String?, firstFailureAt: Date,
        lastFailureAt: Date, failures: Int, lastNoticeAt: Date?, failuresSinceNotice: Int
    ) {
        self.family = family
        self.subject = subject
        self.status = status
        self.reason = reason
        self.firstFailureAt = firstFailureAt
        self.lastFailureAt = lastFailureAt
        self.failures = failures
        self.lastNoticeAt = lastNoticeAt
        self.failuresSinceNotice = failuresSinceNotice
    }
}

/// Decides what a failure or a recovery posts, Alertmanager-style but made for Fivetran: a connector's
/// failure is posted once; the same failure again stays quiet until `remindEvery` has passed, then one
/// reminder counts what happened since; a different status or reason posts at once; a success resolves
/// the incident, posting "recovered" only when asked to and only when a failure was actually posted.
public struct NoticePolicy: Sendable, Equatable {
    public var remindEvery: Duration
    public var notifyResolved: Bool

    /// Reminders every 4 hours unless configured otherwise.
    public static let defaultRemindEvery: Duration = .seconds(4 * 3600)

    public init(remindEvery: Duration = defaultRemindEvery, notifyResolved: Bool = false) {
        self.remindEvery = remindEvery
        self.notifyResolved = notifyResolved
    }

    public enum FailureNotice: Sendable, Equatable {
        /// Post the failure.
        case alert
        /// Post "still failing": `failures` more since `since` (the last notice).
        case reminder(failures: Int, since: Date)
        /// Store and count only.
        case quiet
    }

    /// A failure arrived for `incident` (nil when none is open): the updated incident and what to post.
    public func failure(
        _ incident: Incident?, signal: IncidentSignal, status: String?, reason: String?, at now: Date
    ) -> (Incident, FailureNotice) {
        guard var incident else {
            let opened = Incident(
                family: signal.family, subject: signal.subject, status: status, reason: reason, firstFailureAt: now,
                lastFailureAt: now, failures: 1, lastNoticeAt: now, failuresSinceNotice: 0)
            return (opened, .alert)
        }
        incident.failures += 1
        incident.lastFailureAt = now
        if incident.status != status || incident.reason != reason {
            incident.status = status
            incident.reason = reason
            incident.lastNoticeAt = now
            incident.failuresSinceNotice = 0
            return (incident, .alert)
        }
        guard let lastNoticeAt = incident.lastNoticeAt else {
            // Nothing was posted while it was muted: this is the first failure anyone hears of.
            incident.lastNoticeAt = now
            incident.failuresSinceNotice = 0
            return (incident, .alert)
        }
        incident.failuresSinceNotice += 1
        let quietFor = Duration.seconds(now.timeIntervalSince(lastNoticeAt))
        guard quietFor >= remindEvery else { return (incident, .quiet) }
        let notice = FailureNotice.reminder(failures: incident.failuresSinceNotice, since: lastNoticeAt)
        incident.lastNoticeAt = now
        incident.failuresSinceNotice = 0
        return (incident, notice)
    }

    /// A failure arrived while a mute covers it: counted in the incident (opened if needed), never posted.
    public func mutedFailure(
        _ incident: Incident?, signal: IncidentSignal, status: String?, reason: String?, at now: Date
    ) -> Incident {
        guard var incident else {
            return Incident(
                family: signal.family, subject: signal.subject, status: status, reason: reason, firstFailureAt: now,
                lastFailureAt: now, failures: 1, lastNoticeAt: nil, failuresSinceNotice: 1)
        }
        incident.failures += 1
        incident.failuresSinceNotice += 1
        incident.lastFailureAt = now
        return incident
    }

    public enum ResolutionNotice: Sendable, Equatable {
        /// Nothing to say (no incident was open, or nothing about it was ever posted and nothing is waiting).
        case nothing
        /// Withdraw the messages still waiting about the incident; post nothing (the failure was fixed
        /// before anyone was told, as Fivetran's automatic retry often does).
        case withdraw
        /// Withdraw what is waiting, and post "recovered" (`failingSince`, `failures`).
        case resolved(failingSince: Date, failures: Int)
    }

    /// A success arrived. `anyNoticeDelivered` says whether Slack was told of the incident (a message
    /// about it was delivered, or a digest naming it is queued: a digest cannot be withdrawn);
    /// `anyNoticePending` whether a message that can still be withdrawn is waiting.
    public func resolution(_ incident: Incident?, anyNoticeDelivered: Bool, anyNoticePending: Bool)
        -> ResolutionNotice
    {
        guard let incident else { return .nothing }
        if anyNoticeDelivered && notifyResolved {
            return .resolved(failingSince: incident.firstFailureAt, failures: incident.failures)
        }
        return anyNoticePending ? .withdraw : .nothing
    }
}

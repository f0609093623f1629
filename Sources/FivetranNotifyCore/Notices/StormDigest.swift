import Foundation

/// A storm of failures as a digest tells it, before any layout: per destination group (the biggest
/// storm first), the failures grouped by reason, each group naming every connector or dbt job once with
/// how often it failed. Slack and Teams lay the same facts out each their own way.
public struct StormDigest: Sendable {
    /// One reason and the subjects failing for it, in the order they first appeared.
    public struct ReasonGroup: Sendable {
        /// The first line of the reason, else the dbt result, else "Fivetran gave no reason".
        public var title: String
        /// What sets the group apart besides its reason: a warning status, or an event other than a
        /// failed sync (empty for a failed sync).
        public var annotation: String
        /// `Delivery.subjectKey` of each connector or job.
        public var subjects: [String] = []
        /// Failures per subject.
        public var counts: [String: Int] = [:]
        /// Each subject's first delivery, for its name.
        public var firstDelivery: [String: Delivery] = [:]
        /// Every failure is a dbt or transformation run.
        public var allJobs = true
    }

    /// The destination group id; nil for deliveries without one.
    public var destination: String?
    public var deliveries: [Delivery]
    /// The most subjects first; ties keep the order of first appearance.
    public var groups: [ReasonGroup]

    /// The destination's name, when the account watch filled it in (`Delivery.destinationName`).
    public var destinationName: String? { deliveries.lazy.compactMap(\.destinationName).first }

    /// The digests of a storm, one per destination group: the most failures first, ties in the order of
    /// first appearance. None for no deliveries.
    public static func of(_ deliveries: [Delivery]) -> [StormDigest] {
        var byDestination: [String: [Delivery]] = [:]
        var order: [String] = []
        for d in deliveries {
            let key = d.destinationGroupId ?? ""
            if byDestination[key] == nil { order.append(key) }
            byDestination[key, default: []].append(d)
        }
        return biggestFirst(order) { byDestination[$0]?.count ?? 0 }.map { key in
            let failures = byDestination[key] ?? []
            return StormDigest(destination: key.isEmpty ? nil : key, deliveries: failures, groups: groups(failures))
        }
    }

    private static func groups(_ deliveries: [Delivery]) -> [ReasonGroup] {
        var groups: [String: ReasonGroup] = [:]
        var order: [String] = []
        for d in deliveries {
            let title = reason(d)
            let annotation = annotation(d)
            let key = title + "\u{0}" + annotation
            var group = groups[key] ?? ReasonGroup(title: title, annotation: annotation)
            if groups[key] == nil { order.append(key) }
            let subject = d.subjectKey
            if group.counts[subject] == nil {
                group.subjects.append(subject)
                group.firstDelivery[subject] = d
            }
            group.counts[subject, default: 0] += 1
            group.allJobs = group.allJobs && d.isTransformationEvent
            groups[key] = group
        }
        return biggestFirst(order) { groups[$0]?.subjects.count ?? 0 }.compactMap { groups[$0] }
    }

    /// `keys` by `size`, largest first; equal sizes keep their order.
    private static func biggestFirst(_ keys: [String], size: (String) -> Int) -> [String] {
        keys.enumerated().sorted { a, b in
            let sizeA = size(a.element)
            let sizeB = size(b.element)
            return sizeA != sizeB ? sizeA > sizeB : a.offset < b.offset
        }.map(\.element)
    }

    private static func reason(_ d: Delivery) -> String {
        let reason = d.reason ?? d.data["result"]?["description"]?.displayText
        if let line = reason?.split(whereSeparator: \.isNewline).first.map(String.init), !line.isEmpty {
            return line.count > 300 ? String(line.prefix(299)) + "…" : line
        }
        return "Fivetran gave no reason"
    }

    private static func annotation(_ d: Delivery) -> String {
        if !d.isSyncEnd { return d.event }
        if ForwardedEvents.severity(of: d) == .warning { return d.status ?? "" }
        return ""
    }
}

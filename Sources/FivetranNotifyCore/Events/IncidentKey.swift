/// The key of one incident, a connector's (or dbt job's, or watch finding's) ongoing trouble of one
/// family: stored as `family|subject` ("sync|warrant_sheep"), which is also PagerDuty's `dedup_key`
/// (behind `fivetran-notify/`) and the forward's `incident_key`. Built and read here only.
public struct IncidentKey: Sendable, Hashable, CustomStringConvertible {
    public var family: IncidentSignal.Family
    public var subject: String

    public init(_ family: IncidentSignal.Family, _ subject: String) {
        self.family = family
        self.subject = subject
    }

    /// The key of the incident a signal is about.
    public init(_ signal: IncidentSignal) {
        self.init(signal.family, signal.subject)
    }

    /// Reads a stored key; nil for text that is not `family|subject` of a known family.
    public init?(text: String) {
        guard let bar = text.firstIndex(of: "|"),
            let family = IncidentSignal.Family(rawValue: String(text[..<bar]))
        else { return nil }
        self.init(family, String(text[text.index(after: bar)...]))
    }

    /// As stored: `family|subject`.
    public var text: String { "\(family.rawValue)|\(subject)" }

    public var description: String { text }
}

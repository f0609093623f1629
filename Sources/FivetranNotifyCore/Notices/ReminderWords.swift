/// The facts of a "still failing" reminder in the words every destination uses, decided here once so
/// that Slack, Teams and the forward cannot drift apart (a watch finding's repeats are sweeps).
public enum ReminderWords {
    /// What the reminder names: a watch finding by its title ("Connector broken — pg"), anything else
    /// by its display name.
    public static func subject(_ d: Delivery) -> String {
        guard IncidentSignal.isWatchEvent(d.event) else { return d.displayName }
        return d.data["title"]?.displayText ?? d.displayName
    }

    /// "9 more failures"; "3 more sweeps" for a watch finding (each sweep found it again).
    public static func repeats(_ count: Int, of d: Delivery) -> String {
        let noun = IncidentSignal.isWatchEvent(d.event) ? "sweep" : "failure"
        return "\(count) more \(count == 1 ? noun : noun + "s")"
    }
}

/// What one destination takes of an incident's notices, as noise control needs it (from the
/// destination's declared capabilities): the decision follows it, the store only applies the result.
public struct NoticeAudience: Sendable, Equatable {
    /// It hears the resolve of every alert it accepted, whatever `notify_resolved` or a mute says.
    public var alwaysHearsResolves: Bool
    /// It takes "still failing" reminders.
    public var takesReminders: Bool

    public init(alwaysHearsResolves: Bool = false, takesReminders: Bool = true) {
        self.alwaysHearsResolves = alwaysHearsResolves
        self.takesReminders = takesReminders
    }
}

/// What a destination needs from the dispatcher and from noise control, declared by the destination
/// (`NoticeDestination.capabilities`), so neither names a destination kind.
public struct DestinationCapabilities: Sendable, Equatable {
    /// It hears the resolve of every alert it accepted, whatever `notify_resolved` or a mute says
    /// (an open PagerDuty alert pages until it is resolved).
    public var alwaysHearsResolves = false
    /// It takes "still failing" reminders.
    public var takesReminders = true
    /// Storms of alerts to it fold into digests.
    public var takesDigests = true
    /// Its average spacing of sends, as a share of the base pacing (Slack's one a second is 1).
    public var pacingScale = 1.0
    /// Sends it allows back to back, at least.
    public var minimumBurst = 0
    /// Its wait after a 429 without Retry-After, as a multiple of the base wait.
    public var retryAfterScale = 1
    /// It keeps the message it posted about an incident, to update it and reply under it: the
    /// dispatcher hands it the post recorded for the incident and records the one it answers with
    /// (`NoticeDestination.send(_:to:post:)`), durably, before the next notice about it.
    public var keepsPosts = false
    /// With `keepsPosts`: the resolves of incidents sharing one post (a digest's connectors) are told
    /// together on it, at most once per this interval per post: those waiting are gathered into one
    /// notice (`Notice.sharedPost`) when the interval since the post last changed has passed. Nil:
    /// each resolve on its own.
    public var sharedPostInterval: Duration?

    public init(
        alwaysHearsResolves: Bool = false, takesReminders: Bool = true, takesDigests: Bool = true,
        pacingScale: Double = 1.0, minimumBurst: Int = 0, retryAfterScale: Int = 1, keepsPosts: Bool = false,
        sharedPostInterval: Duration? = nil
    ) {
        self.keepsPosts = keepsPosts
        self.sharedPostInterval = sharedPostInterval
        self.alwaysHearsResolves = alwaysHearsResolves
        self.takesReminders = takesReminders
        self.takesDigests = takesDigests
        self.pacingScale = pacingScale
        self.minimumBurst = minimumBurst
        self.retryAfterScale = retryAfterScale
    }
}

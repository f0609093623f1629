import Foundation

extension SlackAppLayout {
    /// Connectors of a digest that recovered, told together in the digest's thread: every name (over
    /// several replies when Slack's limits require), with how far the digest has come ("212 of 340
    /// recovered", "all 340 recovered").
    /// - Parameters:
    ///   - successes: one success per recovered connector or dbt job.
    ///   - done: how many of the digest's `total` have recovered, these included.
    public static func sharedRecoveryReplies(
        _ successes: [Delivery], done: Int, total: Int, broadcast: Bool, now: Date
    ) -> [SlackThreadReply] {
        guard let last = successes.last else { return [] }
        let progress = done >= total ? "all \(total) recovered" : "\(done) of \(total) recovered"
        let noun = successes.count == 1 ? "1 connector" : "\(successes.count) connectors"
        let names = successes.map { AlertRenderer.inline($0.displayName, 200) }
        // Sections of names, each within Slack's section limit.
        var sections: [String] = []
        for name in names {
            if let current = sections.last, Mrkdwn.length(current) + Mrkdwn.length(name) + 2 <= 2900 {
                sections[sections.count - 1] = current + ", " + name
            } else {
                sections.append(name)
            }
        }
        let context = SlackMessage.context([
            "recovered \(TimeText.time(last.createdDate ?? now, now: now))", AlertRenderer.dashboardLink(last),
        ])
        // Messages of at most ~10,000 characters of names, so each fits with its heading and context.
        var pages: [[String]] = [[]]
        var size = 0
        for section in sections {
            if size + Mrkdwn.length(section) > 10_000, !pages[pages.count - 1].isEmpty {
                pages.append([])
                size = 0
            }
            pages[pages.count - 1].append(section)
            size += Mrkdwn.length(section)
        }
        let summary = AlertRenderer.summary(
            "Recovered — " + (successes.count == 1 ? last.displayName : noun) + " (\(progress))")
        return pages.enumerated().map { index, page in
            let heading =
                index == 0
                ? ":large_green_circle: *Recovered* — \(noun) · \(progress)"
                : ":large_green_circle: *Recovered* (continued)"
            let message = SlackMessage(
                text: index == 0 ? summary : summary + " (continued)",
                blocks: [SlackMessage.section(heading)] + page.map(SlackMessage.section) + [context])
            return SlackThreadReply(message: message.fittingLimits(), broadcast: broadcast && index == 0)
        }
    }

    /// The digest's parent as its connectors recover: the digest as it was posted (`announced`, as of
    /// `announcedAt`) with "N of M recovered" and its `buttons`, green without buttons once
    /// `allRecovered`. Nil when the digest's deliveries are no longer kept.
    public static func sharedParent(
        announced: [Delivery], announcedAt: Date, recoveredIncidents: Set<String>, allRecovered: Bool,
        buttons: SlackButtons? = nil
    ) -> SlackMessage? {
        let recovered = Set(
            announced.filter { d in
                allRecovered
                    || Notice(id: 0, kind: .alert, deliveries: [d], createdAt: announcedAt).incidentKey.map {
                        recoveredIncidents.contains($0)
                    } == true
            }.map(\.subjectKey))
        return digest(announced, recovered: recovered, buttons: buttons, now: announcedAt)?.parent
    }
}

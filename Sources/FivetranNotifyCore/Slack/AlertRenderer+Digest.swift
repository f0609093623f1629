import Foundation

extension AlertRenderer {
    /// Messages summarising a storm of failures: per destination, the failures grouped by reason, every
    /// connector (or dbt job) named. Sections and messages are split as Slack's limits require, so
    /// 5,000 connectors yield several valid messages ("part 2 of 8"), never "and 4,990 more".
    /// - Returns: one or more messages per destination, in order; none for no deliveries.
    public static func digest(_ deliveries: [Delivery], now: Date) -> [SlackMessage] {
        StormDigest.of(deliveries).flatMap { digest($0, now: now) }
    }

    private static func digest(_ storm: StormDigest, now: Date) -> [SlackMessage] {
        let destination = storm.destination
        let deliveries = storm.deliveries
        // Lay every group out as sections of names, each within a section's limit.
        let sectionBudget = SlackLimits.sectionText - 100
        var sections: [String] = []
        for group in storm.groups {
            let noun = group.allJobs ? "dbt job" : "connector"
            let count = group.subjects.count
            var title = "*\(inline(group.title, 300))* — \(count) \(count == 1 ? noun : noun + "s")"
            if !group.annotation.isEmpty { title += " (\(inline(group.annotation, 200)))" }
            let continued = title + " _(continued)_"
            var current = title + "\n"
            var empty = true
            for subject in group.subjects {
                var name = inline(group.firstDelivery[subject]?.displayName ?? subject, 200)
                if let repeats = group.counts[subject], repeats > 1 { name += " (×\(repeats))" }
                let piece = (empty ? "" : ", ") + name
                if !empty && Mrkdwn.length(current) + Mrkdwn.length(piece) > sectionBudget {
                    sections.append(current)
                    current = continued + "\n" + name
                } else {
                    current += piece
                }
                empty = false
            }
            sections.append(current)
        }

        // Pack sections into messages within the block count and the total text budget.
        let dates = deliveries.compactMap(\.createdDate)
        let first = dates.min() ?? now
        let last = dates.max() ?? now
        var context = [String]()
        if first == last {
            context.append(TimeText.time(first, now: now))
        } else {
            context.append("first \(TimeText.time(first, now: now)), last \(TimeText.time(last, now: now))")
        }
        // The destination's name when the account watch knows it: "Snowflake prod (`grp_…`)".
        let destinationName = storm.destinationName
        let link =
            destination.map { id in
                "destination " + (destinationName.map { "\(inline($0, 300)) " } ?? "") + "`\(inline(id, 300))` · "
            } ?? ""
        context.append(link + "<https://fivetran.com/dashboard|Open in Fivetran>")
        let contextBlock = SlackMessage.context(context)
        let reserved = SlackLimits.headerText + SlackMessage.textLength(of: contextBlock)
        let bodyBudget = SlackLimits.allBlocksText - reserved
        var pages: [[String]] = [[]]
        var used = 0
        for section in sections {
            let length = Mrkdwn.length(section)
            if !pages[pages.count - 1].isEmpty
                && (used + length > bodyBudget || pages[pages.count - 1].count + 2 >= SlackLimits.blocks)
            {
                pages.append([])
                used = 0
            }
            pages[pages.count - 1].append(section)
            used += length
        }

        let failures = "\(deliveries.count) \(deliveries.count == 1 ? "failure" : "failures")"
        let span = last > first ? " in \(TimeText.duration(last.timeIntervalSince(first)))" : ""
        let shown = destination.map { id in destinationName.map { "\($0) (\(id))" } ?? id }
        let place = shown.map { " — destination \($0)" } ?? ""
        let reasons = "\(storm.groups.count) \(storm.groups.count == 1 ? "reason" : "reasons")"
        let noun = deliveries.count == 1 ? "failure" : "failures"
        let summaryLine =
            "\(deliveries.count) Fivetran \(noun)\(span)"
            + (shown.map { " on destination \($0)" } ?? "") + " (\(reasons))"
        return pages.enumerated().map { index, page in
            let part = pages.count > 1 ? " (part \(index + 1) of \(pages.count))" : ""
            let header =
                Mrkdwn.clamp(":rotating_light: \(failures)\(span)\(place)", to: SlackLimits.headerText - part.count)
                + part
            let blocks = [SlackMessage.header(header)] + page.map(SlackMessage.section) + [contextBlock]
            return SlackMessage(text: summary(summaryLine, limit: 500) + part, blocks: blocks).fittingLimits()
        }
    }
}

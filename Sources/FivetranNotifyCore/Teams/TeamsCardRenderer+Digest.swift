import Foundation

extension TeamsCardRenderer {
    /// Bytes of a digest card's reason blocks together, leaving room for the title, the time line, the
    /// button and the JSON around them.
    static let digestPageBytes = 20_000
    /// Bytes of one reason block (its heading and as many names as fit).
    static let digestBlockBytes = 6_000
    /// What one TextBlock adds around its text in the JSON body.
    static let textBlockOverhead = 60

    /// Cards summarising a storm of failures: per destination, the failures grouped by reason, every
    /// connector (or dbt job) named. Blocks and cards are split as Teams' size limit requires, so 5,000
    /// connectors yield several valid cards ("part 2 of 8"), never "and 4,990 more".
    /// - Returns: one or more cards per destination, in order; none for no deliveries.
    public static func digest(_ deliveries: [Delivery], now: Date) -> [TeamsCard] {
        StormDigest.of(deliveries).flatMap { digest($0, now: now) }
    }

    private static func digest(_ storm: StormDigest, now: Date) -> [TeamsCard] {
        let destination = storm.destination
        let deliveries = storm.deliveries
        // Lay every group out as blocks of names, each within a block's budget.
        var blocks: [String] = []
        for group in storm.groups {
            let noun = group.allJobs ? "dbt job" : "connector"
            let count = group.subjects.count
            var heading = "**\(inline(group.title, 600))** — \(count) \(count == 1 ? noun : noun + "s")"
            if !group.annotation.isEmpty { heading += " (\(inline(group.annotation, 200)))" }
            let continued = heading + " _(continued)_"
            var current = heading + "\n\n"
            var used = TeamsText.jsonLength(current)
            var empty = true
            for subject in group.subjects {
                var name = inline(name(of: group.firstDelivery[subject]) ?? subject, 300)
                if let repeats = group.counts[subject], repeats > 1 { name += " (×\(repeats))" }
                let piece = (empty ? "" : ", ") + name
                let length = TeamsText.jsonLength(piece)
                if !empty && used + length > digestBlockBytes {
                    blocks.append(current)
                    current = continued + "\n\n" + name
                    used = TeamsText.jsonLength(current)
                } else {
                    current += piece
                    used += length
                }
                empty = false
            }
            blocks.append(current)
        }

        // Pack the blocks into cards within the page budget.
        var pages: [[String]] = [[]]
        var used = 0
        for block in blocks {
            let length = TeamsText.jsonLength(block) + textBlockOverhead
            if let page = pages.last, !page.isEmpty, used + length > digestPageBytes {
                pages.append([])
                used = 0
            }
            pages[pages.count - 1].append(block)
            used += length
        }

        let dates = deliveries.compactMap(\.createdDate)
        let first = dates.min() ?? now
        let last = dates.max() ?? now
        var when =
            first == last
            ? TimeText.time(first, now: now)
            : "first \(TimeText.time(first, now: now)), last \(TimeText.time(last, now: now))"
        when += " · \(storm.groups.count) \(storm.groups.count == 1 ? "reason" : "reasons")"

        let failures = "\(deliveries.count) \(deliveries.count == 1 ? "failure" : "failures")"
        let span = last > first ? " in \(TimeText.duration(last.timeIntervalSince(first)))" : ""
        var place = ""
        if let destination {
            let name = storm.destinationName
            place =
                " — destination "
                + (name.map { "\(inline($0, 300)) (\(inline(destination, 250)))" }
                    ?? inline(destination, 400))
        }
        let link = TeamsCard.Link(title: "Open in Fivetran", url: dashboard)
        return pages.enumerated().map { index, page in
            let part = pages.count > 1 ? " (part \(index + 1) of \(pages.count))" : ""
            let title = "🚨 \(failures)\(span)\(place)\(part)"
            let body: [TeamsCard.Element] =
                [.text(title, .title(.attention))] + page.map { .text($0, .plain) } + [.text(when, .subtle)]
            return TeamsCard(body: body, actions: [link]).fittingLimit()
        }
    }

    /// A dbt job by its job name, anything else by `displayName`.
    private static func name(of d: Delivery?) -> String? {
        guard let d else { return nil }
        return d.isTransformationEvent ? (d.dbtJobName ?? d.displayName) : d.displayName
    }
}

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
        var destinations: [String: [Delivery]] = [:]
        var order: [String] = []
        for d in deliveries {
            let key = d.destinationGroupId ?? ""
            if destinations[key] == nil { order.append(key) }
            destinations[key, default: []].append(d)
        }
        // Biggest storm first; ties keep the order of first appearance.
        order = order.enumerated().sorted { a, b in
            let countA = destinations[a.element]?.count ?? 0
            let countB = destinations[b.element]?.count ?? 0
            return countA != countB ? countA > countB : a.offset < b.offset
        }.map(\.element)
        return order.flatMap { digest(destination: $0.isEmpty ? nil : $0, destinations[$0] ?? [], now: now) }
    }

    private struct ReasonGroup {
        var title: String
        var annotation: String
        var subjects: [String] = []
        var counts: [String: Int] = [:]
        var names: [String: String] = [:]
        var allJobs = true
    }

    private static func digest(destination: String?, _ deliveries: [Delivery], now: Date) -> [TeamsCard] {
        // Group by reason (first line), keeping the order in which reasons and subjects first appeared.
        var groups: [String: ReasonGroup] = [:]
        var groupOrder: [String] = []
        for d in deliveries {
            let reason = digestReason(d)
            let annotation = digestAnnotation(d)
            let key = reason + "\u{0}" + annotation
            var group = groups[key] ?? ReasonGroup(title: reason, annotation: annotation)
            if groups[key] == nil { groupOrder.append(key) }
            let subject = d.subjectKey
            if group.counts[subject] == nil {
                group.subjects.append(subject)
                group.names[subject] = d.isTransformationEvent ? (d.dbtJobName ?? d.displayName) : d.displayName
            }
            group.counts[subject, default: 0] += 1
            group.allJobs = group.allJobs && d.isTransformationEvent
            groups[key] = group
        }
        groupOrder = groupOrder.enumerated().sorted { a, b in
            let countA = groups[a.element]?.subjects.count ?? 0
            let countB = groups[b.element]?.subjects.count ?? 0
            return countA != countB ? countA > countB : a.offset < b.offset
        }.map(\.element)

        // Lay every group out as blocks of names, each within a block's budget.
        var blocks: [String] = []
        for key in groupOrder {
            guard let group = groups[key] else { continue }
            let noun = group.allJobs ? "dbt job" : "connector"
            let count = group.subjects.count
            var heading = "**\(inline(group.title, 600))** — \(count) \(count == 1 ? noun : noun + "s")"
            if !group.annotation.isEmpty { heading += " (\(inline(group.annotation, 200)))" }
            let continued = heading + " _(continued)_"
            var current = heading + "\n\n"
            var used = TeamsText.jsonLength(current)
            var empty = true
            for subject in group.subjects {
                var name = inline(group.names[subject] ?? subject, 300)
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
        when += " · \(groupOrder.count) \(groupOrder.count == 1 ? "reason" : "reasons")"

        let failures = "\(deliveries.count) \(deliveries.count == 1 ? "failure" : "failures")"
        let span = last > first ? " in \(TimeText.duration(last.timeIntervalSince(first)))" : ""
        var place = ""
        if let destination {
            let name = deliveries.lazy.compactMap(\.destinationName).first
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

    /// What a failure is grouped by: the first line of its reason, else the dbt result, else "no reason".
    private static func digestReason(_ d: Delivery) -> String {
        let reason = d.reason ?? d.data["result"]?["description"]?.displayText
        if let line = reason?.split(whereSeparator: \.isNewline).first.map(String.init), !line.isEmpty {
            return line.count > 300 ? String(line.prefix(299)) + "…" : line
        }
        return "Fivetran gave no reason"
    }

    /// What sets a group apart besides its reason: a warning status, or an event other than a failed sync.
    private static func digestAnnotation(_ d: Delivery) -> String {
        if d.event != "sync_end" { return d.event }
        if ForwardedEvents.severity(of: d) == .warning { return d.status ?? "" }
        return ""
    }
}

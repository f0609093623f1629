import Foundation

/// A storm's digest in app mode: one parent message naming every connector (updated as they recover),
/// and, when Slack's limits split the names over several messages, the pages that continue it, to be
/// posted in its thread.
public struct SlackDigestLayout: Sendable, Equatable {
    public var parent: SlackMessage
    public var continuations: [SlackMessage]

    public init(parent: SlackMessage, continuations: [SlackMessage]) {
        self.parent = parent
        self.continuations = continuations
    }
}

extension SlackAppLayout {
    /// The digest of `deliveries` (one storm, as `AlertRenderer.digest` lays it out) with its progress:
    /// "212 of 340 recovered" once some have, and green ("All 340 recovered — …", no buttons) when every
    /// one has. With `buttons`, Acknowledge and Mute act on the digest (`buttons.key`); a digest has no
    /// Re-sync.
    /// - Parameters:
    ///   - recovered: the `Delivery.subjectKey`s (connector or dbt job ids) that recovered since.
    /// - Returns: nil for no deliveries.
    public static func digest(
        _ deliveries: [Delivery], recovered: Set<String>, buttons: SlackButtons?,
        state: SlackParentState = SlackParentState(), now: Date
    ) -> SlackDigestLayout? {
        var pages = AlertRenderer.digest(deliveries, now: now)
        guard !pages.isEmpty else { return nil }
        let first = pages.removeFirst()
        let subjects = Set(deliveries.map(\.subjectKey))
        let total = subjects.count
        let done = subjects.intersection(recovered).count
        let allGreen = done == total

        var blocks = first.blocks
        var text = first.text
        if allGreen {
            if case .object(var header)? = blocks.first, case .object(var title)? = header["text"],
                let words = title["text"]?.stringValue
            {
                let rest = words.hasPrefix(":rotating_light: ") ? String(words.dropFirst(17)) : words
                title["text"] = .string(":large_green_circle: All \(total) recovered — \(rest)")
                header["text"] = .object(title)
                blocks[0] = .object(header)
            }
            text = "All \(total) recovered — \(text)"
        } else if done > 0 {
            blocks.insert(SlackMessage.section(":large_green_circle: *\(done) of \(total) recovered*"), at: 1)
            text += " — \(done) of \(total) recovered"
        }

        var extra: [JSONValue] = []
        let lines = stateLines(state, now: now)
        if let lines { extra.append(SlackMessage.context(lines)) }
        // Room for what people will do (`digestShowing` adds it later without moving a name).
        let reserved = buttons != nil && !allGreen && lines == nil
        if reserved { extra.append(reservedStateLines) }
        if let buttons, !allGreen {
            let digestButtons = SlackButtons(key: buttons.key, muteFor: buttons.muteFor, canResync: false)
            extra.append(actions(digestButtons, acknowledged: state.isAcknowledged, resync: nil, for: nil))
        }
        var fitted = fitting(SlackMessage(text: text, blocks: blocks), adding: extra)
        if reserved { fitted.message.blocks.removeAll { $0 == reservedStateLines } }
        var continuations = pages
        if !fitted.removed.isEmpty {
            // Names never disappear: what no longer fits the parent opens its thread.
            let header = blocks.first.map { [$0] } ?? []
            let closing = blocks.last?["type"]?.stringValue == "context" ? [blocks[blocks.count - 1]] : []
            continuations.insert(
                SlackMessage(text: first.text + " (continued)", blocks: header + fitted.removed + closing)
                    .fittingLimits(), at: 0)
        }
        let parent = SlackMessage(text: fitted.message.text, blocks: fitted.message.blocks).fittingLimits()
        return SlackDigestLayout(parent: parent, continuations: continuations)
    }

    /// A digest's parent as it is in Slack (`message`) showing what people did (`state`): its state line
    /// ("Acknowledged by …", "Muted by …") replaced, and its buttons (when it still has some, that is
    /// until it turns green) showing Unacknowledge once acknowledged. A digest's names are laid out
    /// once, when it is posted; its state changes later, from a click or a stored post.
    public static func digestShowing(
        _ state: SlackParentState, on message: SlackMessage, buttons: SlackButtons, now: Date
    ) -> SlackMessage {
        var blocks = message.blocks.filter { !isStateLines($0) }
        var extra: [JSONValue] = []
        if let lines = stateLines(state, now: now) { extra.append(SlackMessage.context(lines)) }
        if let index = blocks.lastIndex(where: { $0["type"]?.stringValue == "actions" }) {
            blocks.remove(at: index)
            let digestButtons = SlackButtons(key: buttons.key, muteFor: buttons.muteFor, canResync: false)
            extra.append(actions(digestButtons, acknowledged: state.isAcknowledged, resync: nil, for: nil))
            blocks.insert(contentsOf: extra, at: index)
        } else {
            blocks += extra
        }
        return SlackMessage(text: message.text, blocks: blocks).fittingLimits()
    }

    /// As much room as `stateLines` takes at most (both lines, long names), kept free in a digest's
    /// parent with buttons.
    private static let reservedStateLines = SlackMessage.context([
        ":white_check_mark: Acknowledged by " + String(repeating: "x", count: 40) + " at 2026-05-21 10:14 UTC",
        ":no_bell: Muted by " + String(repeating: "x", count: 40) + " until 2026-05-21 14:10 UTC",
    ])

    /// A context block of `stateLines`.
    private static func isStateLines(_ block: JSONValue) -> Bool {
        guard block["type"]?.stringValue == "context", let elements = block["elements"]?.arrayValue else {
            return false
        }
        return !elements.isEmpty
            && elements.allSatisfy {
                let text = $0["text"]?.stringValue ?? ""
                return text.hasPrefix(":white_check_mark: Acknowledged by ") || text.hasPrefix(":no_bell: Muted by ")
            }
    }
}

import Foundation

/// One Teams message: an Adaptive Card (version 1.4, full width) in the envelope a Workflows webhook
/// takes, `{"type":"message","attachments":[{"contentType":"application/vnd.microsoft.card.adaptive",
/// "content":{…}}]}`. Texts in `body` are Markdown already escaped (see `TeamsText`), except monospace
/// blocks, which Teams shows verbatim.
public struct TeamsCard: Sendable, Equatable {
    /// How a TextBlock looks.
    public enum Style: Sendable, Equatable {
        /// The headline: bold, medium size, coloured.
        case title(Color)
        /// Ordinary text.
        case plain
        /// Small and subtle: times, sync ids.
        case subtle
    }

    /// Adaptive Cards' text colours.
    public enum Color: String, Sendable, Equatable {
        case `default` = "Default"
        case attention = "Attention"
        case warning = "Warning"
        case good = "Good"
        case accent = "Accent"
    }

    /// One name and value of a FactSet (both Markdown, escaped).
    public struct Fact: Sendable, Equatable {
        public var title: String
        public var value: String

        public init(_ title: String, _ value: String) {
            self.title = title
            self.value = value
        }
    }

    public enum Element: Sendable, Equatable {
        /// A TextBlock (Markdown, escaped), wrapped.
        case text(String, Style)
        /// A FactSet.
        case facts([Fact])
        /// Machine output (a reason, dbt output, a command) in a monospace TextRun, shown verbatim.
        case monospace(String)
    }

    /// An `Action.OpenUrl` button.
    public struct Link: Sendable, Equatable {
        public var title: String
        public var url: String

        public init(title: String, url: String) {
            self.title = title
            self.url = url
        }
    }

    public var body: [Element]
    public var actions: [Link]

    public init(body: [Element], actions: [Link] = []) {
        self.body = body
        self.actions = actions
    }

    /// Teams refuses a message of 28 KB or more: every body stays under this many bytes.
    public static let maximumBytes = 26_000

    /// The card's JSON (`content` of the attachment).
    public var content: JSONValue {
        var card: [String: JSONValue] = [
            "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
            "type": "AdaptiveCard",
            "version": "1.4",
            "msteams": ["width": "full"],
            "body": .array(body.map(Self.json)),
        ]
        if !actions.isEmpty {
            card["actions"] = .array(
                actions.map { ["type": "Action.OpenUrl", "title": .string($0.title), "url": .string($0.url)] })
        }
        return .object(card)
    }

    /// The whole message as Workflows takes it.
    public var envelope: JSONValue {
        [
            "type": "message",
            "attachments": [
                [
                    "contentType": "application/vnd.microsoft.card.adaptive",
                    "contentUrl": .null,
                    "content": content,
                ]
            ],
        ]
    }

    /// The JSON body to POST: one line, keys sorted, slashes as they are.
    public func jsonBody() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding a JSONValue cannot fail: every case maps to JSON.
        return (try? encoder.encode(envelope)) ?? Data()
    }

    private static func json(_ element: Element) -> JSONValue {
        switch element {
        case .text(let text, let style):
            var block: [String: JSONValue] = ["type": "TextBlock", "text": .string(text), "wrap": true]
            switch style {
            case .title(let color):
                block["weight"] = "Bolder"
                block["size"] = "Medium"
                if color != .default { block["color"] = .string(color.rawValue) }
            case .plain:
                break
            case .subtle:
                block["isSubtle"] = true
                block["size"] = "Small"
            }
            return .object(block)
        case .facts(let facts):
            return [
                "type": "FactSet",
                "facts": .array(facts.map { ["title": .string($0.title), "value": .string($0.value)] }),
            ]
        case .monospace(let text):
            return [
                "type": "RichTextBlock",
                "inlines": [["type": "TextRun", "text": .string(text), "fontType": "Monospace"]],
            ]
        }
    }
}

extension TeamsCard {
    /// The card made to stay under `maximumBytes`. The renderers lay cards out within budgets already;
    /// this is the last guard, so that no input can yield a message Teams refuses: blocks are dropped
    /// from the end (keeping the last, which holds the time) and the card says it was shortened.
    func fittingLimit(_ limit: Int = TeamsCard.maximumBytes) -> TeamsCard {
        if jsonBody().count < limit { return self }
        var kept = body
        var tail: [Element] = [.text("_… shortened to fit Teams' limits_", .subtle)]
        if let last = kept.last, case .text(_, .subtle) = last {
            kept.removeLast()
            tail.append(last)
        }
        var card = TeamsCard(body: kept + tail, actions: actions)
        while card.jsonBody().count >= limit && !kept.isEmpty {
            kept.removeLast()
            card = TeamsCard(body: kept + tail, actions: actions)
        }
        if card.jsonBody().count >= limit {
            // Only the notice and the time are left and still too long: nothing of the input remains.
            card = TeamsCard(body: [tail[0]], actions: actions.filter { $0.url.utf8.count < 2048 })
        }
        return card
    }
}

extension TeamsCard {
    /// The card titled as a test (`route test`): "Test — " before its headline.
    func markedAsTest() -> TeamsCard {
        var marked = self
        if let index = body.firstIndex(where: { if case .text(_, .title) = $0 { true } else { false } }),
            case .text(let words, let style) = body[index]
        {
            marked.body[index] = .text("Test — " + words, style)
        }
        return marked
    }
}

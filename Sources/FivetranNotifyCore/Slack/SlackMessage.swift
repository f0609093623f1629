import Foundation

/// One incoming-webhook message: the `text` fallback (what a phone notification shows) and Block Kit
/// `blocks`.
public struct SlackMessage: Sendable, Equatable, Codable {
    public var text: String
    public var blocks: [JSONValue]

    public init(text: String, blocks: [JSONValue] = []) {
        self.text = text
        self.blocks = blocks
    }

    /// The JSON body to POST (`{"text": …, "blocks": […]}`; `blocks` omitted when empty).
    public func jsonBody() -> Data {
        var object: [String: JSONValue] = ["text": .string(text)]
        if !blocks.isEmpty {
            object["blocks"] = .array(blocks)
        }
        return Self.compactJSON(.object(object))
    }

    /// One line of JSON, keys sorted, slashes as they are.
    static func compactJSON(_ value: JSONValue) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding a JSONValue cannot fail: every case maps to JSON.
        return (try? encoder.encode(value)) ?? Data()
    }
}

extension SlackMessage {
    /// A `header` block (plain text, emoji allowed).
    static func header(_ text: String) -> JSONValue {
        .object([
            "type": .string("header"),
            "text": .object([
                "type": .string("plain_text"), "text": .string(text.replacingNewlines()), "emoji": .bool(true),
            ]),
        ])
    }

    /// A `section` block with mrkdwn text.
    static func section(_ text: String) -> JSONValue {
        .object(["type": .string("section"), "text": mrkdwn(text)])
    }

    /// A `section` block with mrkdwn fields.
    static func fields(_ fields: [String]) -> JSONValue {
        .object(["type": .string("section"), "fields": .array(fields.map(mrkdwn))])
    }

    /// A `context` block with mrkdwn elements.
    static func context(_ elements: [String]) -> JSONValue {
        .object(["type": .string("context"), "elements": .array(elements.map(mrkdwn))])
    }

    private static func mrkdwn(_ text: String) -> JSONValue {
        .object(["type": .string("mrkdwn"), "text": .string(text)])
    }
}

extension SlackMessage {
    /// The message titled as a test (`route test`): "Test — " before its header and its `text`.
    func markedAsTest() -> SlackMessage {
        var marked = self
        marked.text = "Test — " + text
        if let index = blocks.firstIndex(where: { $0.objectValue?["type"] == .string("header") }),
            case .object(var header) = blocks[index], case .object(var title) = header["text"],
            case .string(let words) = title["text"]
        {
            title["text"] = .string(String(("Test — " + words).prefix(SlackLimits.headerText)))
            header["text"] = .object(title)
            marked.blocks[index] = .object(header)
        }
        return marked
    }
}

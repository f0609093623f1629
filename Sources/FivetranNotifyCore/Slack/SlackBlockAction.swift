import Foundation
import Hummingbird

/// One button click as Slack POSTs it to the actions path: the `payload` field of an
/// `application/x-www-form-urlencoded` body, a `block_actions` JSON document. Read only after the
/// request's signature was verified (`SlackRequestVerifier`); anything malformed is refused with a
/// reason (the actions path answers 400).
public struct SlackBlockAction: Sendable, Equatable {
    /// The button's `action_id` as sent (`button` reads it).
    public var actionID: String
    public var blockID: String?
    /// The button's `value` as sent (`buttonValue` reads it).
    public var value: String?
    /// When the click happened (Slack's `action_ts`): with the user and the message, what makes a click
    /// the same click when it arrives twice.
    public var actionTS: String
    public var userID: String
    /// The clicker's `username`, else `name`.
    public var userName: String?
    public var teamID: String?
    /// The channel and `ts` of the message whose button was clicked.
    public var message: SlackMessageRef
    /// Where to answer the clicker alone (ephemeral) or replace the message.
    public var responseURL: String
    /// The click came from an ephemeral message.
    public var isEphemeral: Bool
    /// The message as Slack showed it to the clicker (its `text` and `blocks`), when the payload has it.
    public var shown: SlackMessage? = nil

    /// The button, when it is one of ours.
    public var button: SlackButton? { SlackButton(rawValue: actionID) }
    /// The button's value, when it is one of ours.
    public var buttonValue: SlackButtonValue? { value.flatMap(SlackButtonValue.init(encoded:)) }
    /// The clicker as messages show them.
    public var actor: SlackActor { SlackActor(userID: userID, name: userName) }

    /// The same click delivered twice has the same key: the message, the user and `action_ts`.
    public var clickKey: String { "\(message.channel)|\(message.ts)|\(userID)|\(actionTS)" }

    /// A body that is not one click: says what is wrong, for the log (never echoes the body whole).
    public struct Malformed: Error, Sendable, Equatable, CustomStringConvertible {
        public let reason: String
        public init(_ reason: String) { self.reason = reason }
        public var description: String { reason }
    }

    /// The longest id, `ts` or name kept; anything longer is refused.
    static let idLimit = 255

    /// Reads the form body of a click.
    /// - Throws: `Malformed` naming what is missing or wrong.
    public static func parse(formBody: Data) throws(Malformed) -> SlackBlockAction {
        guard let form = String(data: formBody, encoding: .utf8) else { throw Malformed("the body is not UTF-8") }
        let payload: String
        do {
            payload = try URLEncodedFormDecoder().decode(Form.self, from: form).payload
        } catch {
            throw Malformed("the body is not a form with a payload field")
        }
        return try parse(payload: Data(payload.utf8))
    }

    /// Reads the `payload` JSON of a click.
    public static func parse(payload: Data) throws(Malformed) -> SlackBlockAction {
        guard let json = try? JSONDecoder().decode(JSONValue.self, from: payload), json.objectValue != nil else {
            throw Malformed("the payload is not a JSON object")
        }
        let type = json["type"]?.stringValue
        guard type == "block_actions" else {
            throw Malformed(
                "the payload's type is \(type.map { "\"\(clip($0))\"" } ?? "missing"), not block_actions")
        }
        guard let actions = json["actions"]?.arrayValue, let action = actions.first, action.objectValue != nil else {
            throw Malformed("the payload has no actions")
        }
        let actionID = try id(action["action_id"], "actions[0].action_id")
        let actionTS = try id(action["action_ts"], "actions[0].action_ts")
        let userID = try id(json["user"]?["id"], "user.id")
        let channel = try id(json["container"]?["channel_id"] ?? json["channel"]?["id"], "channel.id")
        let ts = try id(json["container"]?["message_ts"] ?? json["message"]?["ts"], "container.message_ts")
        guard let responseURL = json["response_url"]?.stringValue, isResponseURL(responseURL) else {
            throw Malformed("the payload has no https response_url")
        }
        let value = action["value"]?.stringValue
        if let value, value.utf8.count > 2000 { throw Malformed("actions[0].value is longer than 2,000 characters") }
        let name = json["user"]?["username"]?.stringValue ?? json["user"]?["name"]?.stringValue
        return SlackBlockAction(
            actionID: actionID, blockID: action["block_id"]?.stringValue.map(clip), value: value, actionTS: actionTS,
            userID: userID, userName: name.map(clip),
            teamID: (json["team"]?["id"] ?? json["user"]?["team_id"])?
                .stringValue.map(clip),
            message: SlackMessageRef(channel: channel, ts: ts), responseURL: responseURL,
            isEphemeral: json["container"]?["is_ephemeral"]?.boolValue ?? false,
            shown: json["message"]?["blocks"]?.arrayValue.map {
                SlackMessage(text: json["message"]?["text"]?.stringValue ?? "", blocks: $0)
            })
    }

    private struct Form: Decodable {
        var payload: String
    }

    /// A required id: a non-empty string of at most `idLimit` characters, no controls.
    private static func id(_ value: JSONValue?, _ name: String) throws(Malformed) -> String {
        guard let text = value?.stringValue, !text.isEmpty else { throw Malformed("the payload has no \(name)") }
        guard text.utf8.count <= idLimit, text.escapingControlCharacters == text else {
            throw Malformed("the payload's \(name) is not an id")
        }
        return text
    }

    private static func clip(_ text: String) -> String {
        String(text.prefix(idLimit)).escapingControlCharacters
    }

    /// Slack's response URLs are https (`https://hooks.slack.com/actions/…`); plain http only to this
    /// machine, for tests.
    private static func isResponseURL(_ text: String) -> Bool {
        guard text.utf8.count <= 3000, let url = URLComponents(string: text), let host = url.host, !host.isEmpty
        else { return false }
        switch url.scheme?.lowercased() {
        case "https": return true
        case "http": return host == "127.0.0.1" || host == "localhost" || host == "::1"
        default: return false
        }
    }
}

import FivetranNotifyCore
import Foundation
import Testing

/// Reading the `payload` of a `block_actions` click.
@Suite struct SlackBlockActionTests {
    /// A click as Slack sends it (shape of Slack's block_actions payload reference).
    static func payload(
        type: String = "block_actions", actionID: String = SlackButton.acknowledge.rawValue,
        value: String? = SlackButtonValue(incident: "sync|warrant_sheep", connection: "warrant_sheep").encoded,
        responseURL: String = "https://hooks.slack.com/actions/T0FAKE/1234/abcd",
        change: (inout [String: JSONValue]) -> Void = { _ in }
    ) -> [String: JSONValue] {
        var action: [String: JSONValue] = [
            "type": "button", "action_id": .string(actionID), "block_id": "b1", "action_ts": "1800000100.123456",
            "text": ["type": "plain_text", "text": "Acknowledge"],
        ]
        if let value { action["value"] = .string(value) }
        var object: [String: JSONValue] = [
            "type": .string(type),
            "user": ["id": "U0ALICE", "username": "alice", "name": "alice", "team_id": "T0FAKE"],
            "api_app_id": "A0APP", "token": "deprecated-verification-token",
            "container": [
                "type": "message", "message_ts": "1800000000.000100", "channel_id": "C0ALERTS", "is_ephemeral": false,
            ],
            "trigger_id": "1.2.3", "team": ["id": "T0FAKE", "domain": "fake"],
            "channel": ["id": "C0ALERTS", "name": "alerts"],
            "message": ["type": "message", "ts": "1800000000.000100", "text": "Sync failed"],
            "response_url": .string(responseURL),
            "actions": .array([.object(action)]),
        ]
        change(&object)
        return object
    }

    /// The form body Slack POSTs: `payload=<url-encoded JSON>`.
    static func form(_ payload: [String: JSONValue]) -> Data {
        let json = String(decoding: try! JSONEncoder().encode(JSONValue.object(payload)), as: UTF8.self)
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return Data(("payload=" + json.addingPercentEncoding(withAllowedCharacters: allowed)!).utf8)
    }

    @Test func aClickIsReadWithEverythingItNeeds() throws {
        let click = try SlackBlockAction.parse(formBody: Self.form(Self.payload()))
        #expect(click.button == .acknowledge)
        #expect(click.buttonValue == SlackButtonValue(incident: "sync|warrant_sheep", connection: "warrant_sheep"))
        #expect(click.userID == "U0ALICE")
        #expect(click.userName == "alice")
        #expect(click.teamID == "T0FAKE")
        #expect(click.message == SlackMessageRef(channel: "C0ALERTS", ts: "1800000000.000100"))
        #expect(click.responseURL == "https://hooks.slack.com/actions/T0FAKE/1234/abcd")
        #expect(click.actionTS == "1800000100.123456")
        #expect(click.blockID == "b1")
        #expect(!click.isEphemeral)
        #expect(click.clickKey == "C0ALERTS|1800000000.000100|U0ALICE|1800000100.123456")
        #expect(click.actor.mrkdwn == "<@U0ALICE>")
    }

    @Test func plusSignsInTheFormAreSpaces() throws {
        let json =
            #"{"type":"block_actions","user":{"id":"U1","name":"ana maria+jo"},"container":{"channel_id":"C1","#
            + #""message_ts":"1.2"},"response_url":"https://hooks.slack.com/x","#
            + #""actions":[{"action_id":"fivetran_notify_mute","action_ts":"3.4","value":"{}"}]}"#
        let encoded = json.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            .replacingOccurrences(of: "%20", with: "+")
        #expect(encoded.contains("ana+maria%2Bjo"))
        let click = try SlackBlockAction.parse(formBody: Data(("payload=" + encoded).utf8))
        #expect(click.userName == "ana maria+jo")
        #expect(click.button == .mute)
        #expect(click.buttonValue == SlackButtonValue())
    }

    @Test func anUnknownButtonIsReadButNotOurs() throws {
        let click = try SlackBlockAction.parse(formBody: Self.form(Self.payload(actionID: "someone_elses", value: "x")))
        #expect(click.button == nil)
        #expect(click.buttonValue == nil)
    }

    @Test(arguments: [
        ("not a form at all", "payload"),
        ("payload=%7Bnot%20json", "not a JSON object"),
        ("other=1", "payload"),
    ])
    func malformedBodiesAreRefused(body: String, reason: String) {
        do {
            _ = try SlackBlockAction.parse(formBody: Data(body.utf8))
            Issue.record("accepted \(body)")
        } catch {
            let said = error.reason
            #expect(said.contains(reason), "\(said)")
        }
    }

    @Test func malformedPayloadsAreRefusedWithAReason() {
        let cases: [([String: JSONValue], String)] = [
            (Self.payload(type: "view_submission"), "not block_actions"),
            (Self.payload { $0["actions"] = .array([]) }, "no actions"),
            (Self.payload { $0["user"] = nil }, "user.id"),
            (
                Self.payload {
                    $0["container"] = nil
                    $0["channel"] = nil
                }, "channel.id"
            ),
            (
                Self.payload {
                    $0["container"] = ["channel_id": "C0ALERTS"]
                    $0["message"] = nil
                }, "message_ts"
            ),
            (Self.payload(responseURL: "http://hooks.slack.com/x"), "response_url"),
            (Self.payload(responseURL: "javascript:alert(1)"), "response_url"),
            (Self.payload { $0["user"] = ["id": .string(String(repeating: "U", count: 300))] }, "not an id"),
            (Self.payload { $0["user"] = ["id": "U1\nforged log line"] }, "not an id"),
            (Self.payload(value: String(repeating: "v", count: 2001)), "2,000"),
        ]
        for (payload, reason) in cases {
            #expect(reason.isEmpty == false)
            do {
                _ = try SlackBlockAction.parse(formBody: Self.form(payload))
                Issue.record("accepted a payload that should fail with \(reason)")
            } catch {
                let said = error.reason
                #expect(said.contains(reason), "\(said)")
            }
        }
    }

    @Test func buttonValuesRoundTripAndStayWithinSlacksLimit() {
        let value = SlackButtonValue(incident: "sync|warrant_sheep", connection: "warrant_sheep")
        #expect(SlackButtonValue(encoded: value.encoded) == value)
        #expect(value.encoded == #"{"connection":"warrant_sheep","incident":"sync|warrant_sheep"}"#)
        let huge = SlackButtonValue(incident: String(repeating: "x", count: 5000), connection: "c")
        #expect(huge.encoded.utf8.count <= 2000)
        #expect(SlackButtonValue(encoded: huge.encoded) == SlackButtonValue(connection: "c"))
        #expect(SlackButtonValue(encoded: "not json") == nil)
        #expect(SlackButtonValue(encoded: #"{"incident":3}"#) == nil)
    }

    @Test func whoClickedIsAMentionOrAnEscapedName() {
        #expect(SlackActor(userID: "U0ALICE", name: "alice").mrkdwn == "<@U0ALICE>")
        #expect(SlackActor(userID: "W012AB", name: nil).mrkdwn == "<@W012AB>")
        #expect(SlackActor(userID: "not-an-id>", name: "<!channel>").mrkdwn == "@&lt;!channel&gt;")
        #expect(SlackActor(userID: "", name: nil).mrkdwn == "someone")
    }
}

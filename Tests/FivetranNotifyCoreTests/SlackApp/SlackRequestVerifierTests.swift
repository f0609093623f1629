import FivetranNotifyCore
import Foundation
import Testing

/// Slack's `v0` request signing for button clicks.
@Suite struct SlackRequestVerifierTests {
    /// The example of Slack's "Verifying requests from Slack" guide: secret, timestamp, body and the
    /// signature Slack sent (checked against Python's hmac as well).
    static let secret = "8f742231b10e8888abcd99yyyzzz85a5"
    static let timestamp = "1531420618"
    static let body = Data(
        ("token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&"
            + "channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&"
            + "response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&"
            + "trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c").utf8)
    static let signature = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
    static let then = Date(timeIntervalSince1970: 1_531_420_618)

    let verifier = SlackRequestVerifier(signingSecret: Self.secret)

    @Test func slacksExampleVerifies() {
        #expect(
            verifier.rejection(body: Self.body, timestamp: Self.timestamp, signature: Self.signature, now: Self.then)
                == nil)
        #expect(
            SlackRequestVerifier.signature(body: Self.body, timestamp: Self.timestamp, signingSecret: Self.secret)
                == Self.signature)
        // Upper-case hex and surrounding spaces are the same signature.
        #expect(
            verifier.rejection(
                body: Self.body, timestamp: Self.timestamp,
                signature: " v0=" + Self.signature.dropFirst(3).uppercased(),
                now: Self.then) == nil)
    }

    @Test func aChangedByteOrAnotherSecretIsAMismatch() {
        var tampered = Self.body
        tampered[tampered.count - 1] ^= 0x01
        #expect(
            verifier.rejection(body: tampered, timestamp: Self.timestamp, signature: Self.signature, now: Self.then)
                == .signatureMismatch)
        let other = SlackRequestVerifier(signingSecret: "another-apps-secret")
        #expect(
            other.rejection(body: Self.body, timestamp: Self.timestamp, signature: Self.signature, now: Self.then)
                == .signatureMismatch)
        // The signature covers the timestamp: the same body signed at another second does not verify.
        #expect(
            verifier.rejection(body: Self.body, timestamp: "1531420619", signature: Self.signature, now: Self.then)
                == .signatureMismatch)
    }

    @Test func theFiveMinuteWindowHoldsBothWays() {
        func at(_ offset: TimeInterval) -> SlackRequestVerifier.Rejection? {
            verifier.rejection(
                body: Self.body, timestamp: Self.timestamp, signature: Self.signature,
                now: Self.then.addingTimeInterval(offset))
        }
        #expect(at(300) == nil)
        #expect(at(-300) == nil)
        #expect(at(301) == .staleTimestamp(skew: 301))
        #expect(at(-301) == .staleTimestamp(skew: -301))
        #expect(at(301)?.reason.contains("301 s old") == true)
        #expect(at(-301)?.reason.contains("in the future") == true)
    }

    @Test(
        arguments: [
            (nil, signature, SlackRequestVerifier.Rejection.missingTimestamp),
            ("", signature, .missingTimestamp),
            ("15314206l8", signature, .malformedTimestamp),
            ("-1531420618", signature, .malformedTimestamp),
            ("99999999999999999999", signature, .malformedTimestamp),
            (timestamp, nil, .missingSignature),
            (timestamp, "", .missingSignature),
            (timestamp, "a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503", .malformedSignature),
            (timestamp, "v1=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503", .malformedSignature),
            (timestamp, "v0=a2114d57", .malformedSignature),
            (timestamp, "v0=zz114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503", .malformedSignature),
        ] as [(String?, String?, SlackRequestVerifier.Rejection)])
    func malformedHeadersAreRefusedWithAReason(
        timestamp: String?, signature: String?, expected: SlackRequestVerifier.Rejection
    ) {
        let rejection = verifier.rejection(body: Self.body, timestamp: timestamp, signature: signature, now: Self.then)
        #expect(rejection == expected)
        #expect(rejection?.reason.isEmpty == false)
        #expect(rejection?.reason.contains(Self.secret) == false)
    }
}

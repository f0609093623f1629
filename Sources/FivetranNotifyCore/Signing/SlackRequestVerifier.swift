import Crypto
import Foundation

/// Verifies that a request came from Slack (button clicks on the actions path): `X-Slack-Signature`
/// must be `v0=` + the hex HMAC-SHA256, keyed with the app's signing secret, of
/// `v0:<X-Slack-Request-Timestamp>:<raw body>`, compared in constant time, and the timestamp must lie
/// within `tolerance` (5 minutes) of now in either direction, so an old request cannot be replayed.
public struct SlackRequestVerifier: Sendable {
    /// Why a request was refused (answered 401, nothing done). `reason` is for the log: it names what was
    /// wrong, never the secret or the expected signature.
    public enum Rejection: Error, Sendable, Equatable, CustomStringConvertible {
        case missingTimestamp
        case malformedTimestamp
        /// The timestamp is further from now than the window: `skew` seconds (negative: in the future).
        case staleTimestamp(skew: Int64)
        case missingSignature
        /// Not `v0=` followed by 64 hex digits.
        case malformedSignature
        case signatureMismatch

        public var reason: String {
            switch self {
            case .missingTimestamp: return "no X-Slack-Request-Timestamp header"
            case .malformedTimestamp: return "X-Slack-Request-Timestamp is not a number of seconds"
            case .staleTimestamp(let skew) where skew < 0:
                return "X-Slack-Request-Timestamp is \(-skew) s in the future (more than 5 minutes)"
            case .staleTimestamp(let skew):
                return "X-Slack-Request-Timestamp is \(skew) s old (more than 5 minutes): a replay or a wrong clock"
            case .missingSignature: return "no X-Slack-Signature header"
            case .malformedSignature: return "X-Slack-Signature is not v0= and 64 hex digits"
            case .signatureMismatch:
                return "X-Slack-Signature does not match: a request not from Slack, or another app's signing secret"
            }
        }

        public var description: String { reason }
    }

    /// The header names, lowercased.
    public static let signatureHeader = "x-slack-signature"
    public static let timestampHeader = "x-slack-request-timestamp"

    /// The signing secret's bytes (`SymmetricKey` is not `Sendable`; a key is made per check).
    private let secret: Data
    /// How far the timestamp may be from now, either way.
    public let tolerance: Int64

    /// - Parameters:
    ///   - signingSecret: the app's signing secret (Basic Information → App Credentials); its UTF-8
    ///     bytes are the HMAC key.
    ///   - tolerance: seconds the timestamp may differ from now; Slack's advice is 5 minutes.
    public init(signingSecret: String, tolerance: Int64 = 300) {
        secret = Data(signingSecret.utf8)
        self.tolerance = tolerance
    }

    /// Checks a request: nil when it is Slack's, else why not.
    /// - Parameters:
    ///   - body: the raw body bytes, exactly as received (before any form decoding).
    ///   - timestamp: the `X-Slack-Request-Timestamp` header, nil when missing.
    ///   - signature: the `X-Slack-Signature` header, nil when missing.
    ///   - now: the current time (injected).
    public func rejection(body: some DataProtocol, timestamp: String?, signature: String?, now: Date) -> Rejection? {
        guard let timestamp = timestamp?.trimmingCharacters(in: .whitespaces), !timestamp.isEmpty else {
            return .missingTimestamp
        }
        guard timestamp.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
            timestamp.utf8.count <= 12, let seconds = Int64(timestamp)
        else { return .malformedTimestamp }
        let skew = Int64(now.timeIntervalSince1970.rounded(.down)) - seconds
        guard abs(skew) <= tolerance else { return .staleTimestamp(skew: skew) }
        guard let signature = signature?.trimmingCharacters(in: .whitespaces), !signature.isEmpty else {
            return .missingSignature
        }
        guard signature.hasPrefix("v0="), let expected = Self.hexBytes(signature.dropFirst(3)),
            expected.count == SHA256.byteCount
        else { return .malformedSignature }
        // `isValidAuthenticationCode` compares in constant time (swift-crypto's `safeCompare`).
        let signed = Data("v0:\(timestamp):".utf8) + Data(body)
        let key = SymmetricKey(data: secret)
        return HMAC<SHA256>.isValidAuthenticationCode(expected, authenticating: signed, using: key)
            ? nil : .signatureMismatch
    }

    /// The `X-Slack-Signature` Slack would send for `body` at `timestamp` (tests, and the fakes that play
    /// Slack).
    public static func signature(body: some DataProtocol, timestamp: String, signingSecret: String) -> String {
        var hmac = HMAC<SHA256>(key: SymmetricKey(data: Data(signingSecret.utf8)))
        hmac.update(data: Data("v0:\(timestamp):".utf8))
        hmac.update(data: body)
        return "v0=" + Hex.encode(hmac.finalize())
    }

    /// The bytes of a hex text, either case; nil when it is not hex.
    private static func hexBytes(_ text: Substring) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        var index = 0
        while index < digits.count {
            guard let high = nibble(digits[index]), let low = nibble(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}

import Crypto
import Foundation

/// Verifies `X-Fivetran-Signature-256`: the HMAC-SHA256 of the raw body bytes, keyed with the UTF-8
/// bytes of the webhook secret, hex-encoded in either case. Every accepted key is tried (the current
/// key and, during a rotation, the previous one); the comparison is constant-time.
public struct SignatureVerifier: Sendable {
    /// One keyed HMAC state per accepted key, computed once: verifying copies it instead of
    /// re-deriving the inner and outer pads from the key on every delivery.
    private let keyedStates: [KeyedState]

    /// `HMAC<SHA256>` is not declared `Sendable` (on Linux its hash state is a class), but it is a
    /// copy-on-write value: the stored states are never mutated, and each verification mutates only its
    /// own copy, which copies the underlying context first (`isKnownUniquelyReferenced`).
    private struct KeyedState: @unchecked Sendable {
        let hmac: HMAC<SHA256>
    }

    /// - Parameter keys: the accepted secrets, as strings (their UTF-8 bytes are the HMAC keys).
    ///   Empty strings are ignored; with no keys, nothing verifies.
    public init(keys: [String]) {
        keyedStates = keys.filter { !$0.isEmpty }.map {
            KeyedState(hmac: HMAC<SHA256>(key: SymmetricKey(data: Data($0.utf8))))
        }
    }

    /// How many keys are accepted (the current one, and the previous during a rotation).
    public var keyCount: Int { keyedStates.count }

    /// Whether `signature` (the header value, or nil when the header is missing) is the HMAC of
    /// `body` under any accepted key. Missing, empty, non-hex and wrong-length values are rejected.
    public func isValid<Body: DataProtocol>(body: Body, signature: String?) -> Bool {
        guard let signature, !keyedStates.isEmpty else { return false }
        // A header may carry surrounding whitespace; nothing else is tolerated.
        var hex = signature.utf8[...]
        while let first = hex.first, first == UInt8(ascii: " ") || first == UInt8(ascii: "\t") {
            hex = hex.dropFirst()
        }
        while let last = hex.last, last == UInt8(ascii: " ") || last == UInt8(ascii: "\t") {
            hex = hex.dropLast()
        }
        guard hex.count == SHA256.byteCount * 2 else { return false }
        var matched = false
        for state in keyedStates {
            var hmac = state.hmac
            hmac.update(data: body)
            let mac = hmac.finalize()
            guard let equal = Self.constantTimeEquals(mac: mac, hex: hex) else { return false }
            matched = matched || equal
        }
        return matched
    }

    /// The hex signature of `body` under `key`, as Fivetran computes it (upper-case by default, as
    /// Fivetran's sample receiver does). Used by `send-test`.
    public static func signature(body: Data, key: String, uppercase: Bool = true) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Data(key.utf8)))
        return Hex.encode(mac, uppercase: uppercase)
    }

    /// Compares the MAC with the hex text without decoding it into a buffer. Returns nil when the text
    /// is not hex (a format error, not secret-dependent); otherwise whether all 32 bytes are equal,
    /// looking at every byte whatever the outcome.
    private static func constantTimeEquals(
        mac: HashedAuthenticationCode<SHA256>, hex: Substring.UTF8View
    ) -> Bool? {
        var difference: UInt8 = 0
        var index = hex.startIndex
        var valid = true
        for byte in mac {
            let high = nibble(hex[index])
            index = hex.index(after: index)
            let low = nibble(hex[index])
            index = hex.index(after: index)
            valid = valid && high != nil && low != nil
            difference |= byte ^ (((high ?? 0) << 4) | (low ?? 0))
        }
        return valid ? difference == 0 : nil
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c &- UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c &- UInt8(ascii: "a") &+ 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c &- UInt8(ascii: "A") &+ 10
        default: return nil
        }
    }
}

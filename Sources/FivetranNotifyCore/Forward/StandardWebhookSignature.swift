import Crypto
import Foundation

/// Standard Webhooks signatures (standardwebhooks.com), as the forward destination signs its posts and
/// as a receiver checks them: `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`,
/// keyed with the secret's bytes: base64 after a `whsec_` prefix, else the secret's UTF-8 bytes.
public enum StandardWebhookSignature {
    /// A `whsec_` secret whose rest is not base64.
    public struct InvalidSecret: Error, CustomStringConvertible, Sendable {
        public var description: String {
            "the forward secret starts with whsec_ but what follows is not base64"
        }
    }

    /// The `webhook-signature` value for one attempt: `v1,<base64>`.
    /// - Throws: `InvalidSecret` for a `whsec_` secret that does not decode.
    public static func sign(id: String, timestamp: Int64, body: Data, secret: String) throws -> String {
        let key = try key(secret: secret)
        let code = HMAC<SHA256>.authenticationCode(
            for: signedContent(id: id, timestamp: String(timestamp), body: body), using: key)
        return "v1," + Data(code).base64EncodedString()
    }

    /// Whether a request carries a valid signature made with `secret`: one of the space-separated
    /// `v1,` entries of `signature` matches (compared in constant time), and `timestamp` is within
    /// `tolerance` of `now` (so an old request cannot be replayed). False for a secret that does not
    /// decode.
    public static func verify(
        id: String, timestamp: String, signature: String, body: Data, secret: String, now: Date = Date(),
        tolerance: TimeInterval = 300
    ) -> Bool {
        guard let seconds = Int64(timestamp), abs(now.timeIntervalSince1970 - Double(seconds)) <= tolerance,
            let key = try? key(secret: secret)
        else { return false }
        let content = signedContent(id: id, timestamp: timestamp, body: body)
        return signature.split(separator: " ").contains { entry in
            guard entry.hasPrefix("v1,"), let code = Data(base64Encoded: String(entry.dropFirst(3))) else {
                return false
            }
            return HMAC<SHA256>.isValidAuthenticationCode(code, authenticating: content, using: key)
        }
    }

    /// The HMAC key of a secret.
    static func key(secret: String) throws -> SymmetricKey {
        guard secret.hasPrefix("whsec_") else { return SymmetricKey(data: Data(secret.utf8)) }
        var encoded = String(secret.dropFirst("whsec_".count))
        // Some write the base64 without its padding.
        if encoded.count % 4 != 0 { encoded += String(repeating: "=", count: 4 - encoded.count % 4) }
        guard let bytes = Data(base64Encoded: encoded), !bytes.isEmpty else { throw InvalidSecret() }
        return SymmetricKey(data: bytes)
    }

    /// `id.timestamp.body`, the bytes signed.
    private static func signedContent(id: String, timestamp: String, body: Data) -> Data {
        Data("\(id).\(timestamp).".utf8) + body
    }
}

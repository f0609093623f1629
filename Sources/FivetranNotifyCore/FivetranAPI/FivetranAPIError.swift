import Foundation

/// A failure reported by Fivetran's REST API (or an answer that could not be understood), with the
/// HTTP status and the envelope's `code` and `message` when there were any. `message` is the whole
/// sentence shown to a person; it never contains a credential.
public struct FivetranAPIError: PersonFacingError, Sendable, Equatable, CustomStringConvertible {
    /// The HTTP status of the answer.
    public let status: Int
    /// The envelope's `code` (e.g. `NotFound_Webhook`), when the body was a JSON envelope.
    public let code: String?
    /// The envelope's `message`, as Fivetran wrote it.
    public let apiMessage: String?
    /// What to tell a person: what happened, and what to do about it.
    public let message: String
    /// The exit status a command ends with: 77 for rejected credentials, else 1.
    public let exitCode: Int32

    public init(status: Int, code: String?, apiMessage: String?, message: String, exitCode: Int32) {
        self.status = status
        self.code = code
        self.apiMessage = apiMessage
        self.message = message
        self.exitCode = exitCode
    }

    public var description: String { message }

    /// True when Fivetran rejected the API key or secret (401) or refused access (403).
    public var isCredentialsError: Bool { status == 401 || status == 403 }

    /// "404 NotFound_Webhook: Webhook with id 'x' not found", or the parts of it that exist.
    var summary: String {
        var text = "\(status)"
        if let code, !code.isEmpty { text += " \(code)" }
        if let apiMessage, !apiMessage.isEmpty { text += ": \(apiMessage)" }
        return text
    }

    /// Builds the error for a non-2xx answer whose body is a JSON object (possibly without the
    /// envelope's fields).
    static func fromEnvelope(status: Int, code: String?, apiMessage: String?) -> FivetranAPIError {
        let partial = FivetranAPIError(status: status, code: code, apiMessage: apiMessage, message: "", exitCode: 1)
        switch status {
        case 401:
            return FivetranAPIError(
                status: status, code: code, apiMessage: apiMessage,
                message: "Fivetran rejected the API credentials (\(partial.summary)). "
                    + "Check the API key and secret: --api-key/--api-secret, FIVETRAN_API_KEY/FIVETRAN_API_SECRET, "
                    + "or api_key/api_secret in config.toml (Fivetran dashboard → Settings → API key).",
                exitCode: ExitStatus.credentials)
        case 403:
            return FivetranAPIError(
                status: status, code: code, apiMessage: apiMessage,
                message: "Fivetran refused access (\(partial.summary)). The API key is valid but may not manage "
                    + "webhooks here: use a key whose role can manage webhooks (--api-key/--api-secret, "
                    + "FIVETRAN_API_KEY/FIVETRAN_API_SECRET, or api_key/api_secret in config.toml).",
                exitCode: ExitStatus.credentials)
        default:
            return FivetranAPIError(
                status: status, code: code, apiMessage: apiMessage,
                message: "Fivetran API answered \(partial.summary).", exitCode: ExitStatus.failure)
        }
    }

    /// Builds the error for an answer whose body is not a JSON object (a proxy's HTML page, say).
    static func notJSON(status: Int, body: Data) -> FivetranAPIError {
        if status == 401 || status == 403 {
            return fromEnvelope(status: status, code: nil, apiMessage: nil)
        }
        let prefix = body.prefix(200)
        let text = String(decoding: prefix, as: UTF8.self)
            .map { $0.isNewline || $0 == "\t" ? " " : String($0) }
            .joined()
            .trimmingCharacters(in: .whitespaces)
        let shown = text.isEmpty ? "an empty body" : "a body that is not JSON: \(text)\(body.count > 200 ? "…" : "")"
        return FivetranAPIError(
            status: status, code: nil, apiMessage: nil,
            message: "Fivetran API answered \(status) with \(shown). "
                + "Check --api-url (or FIVETRAN_API_URL) and any proxy in between.",
            exitCode: ExitStatus.failure)
    }

    /// The same error with a sentence of advice added.
    func adding(hint: String) -> FivetranAPIError {
        FivetranAPIError(
            status: status, code: code, apiMessage: apiMessage, message: "\(message) \(hint)", exitCode: exitCode)
    }
}

import Foundation

/// The work of the `webhook` commands: the executable parses arguments and calls these.
public enum WebhookActions {
    /// Which endpoint a create goes to.
    public enum Scope: Sendable, Equatable {
        case account
        case group(String)
    }

    /// Which secret a webhook gets.
    public enum SecretChoice: Sendable, Equatable {
        /// The key stored by `keygen` (an error when there is none).
        case storedKey
        /// A secret given on the command line.
        case given(String)
        /// No secret: deliveries are not signed.
        case none
    }

    /// The signing key `keygen` stored, as a webhook's secret, and the path of its file.
    /// - Parameter missing: the sentence to throw when there is none, given that path.
    static func storedKey(_ context: CommandContext, missing: (String) -> String) throws -> (key: String, path: String)
    {
        let store = KeyStore(paths: context.paths)
        guard let key = try store.currentKey() else { throw NotifyError(missing(store.keyFile.path)) }
        return (key, store.keyFile.path)
    }

    static func warnAboutUnknownEvents(_ events: [String], output: Output) {
        for name in WebhookEvents.unknown(in: events) {
            output.err(
                "warning: \"\(name)\" is not an event Fivetran is known to send; sending it anyway. "
                    + "Known events: \(WebhookEvents.known.joined(separator: ", ")).")
        }
    }

    /// Prints JSON for `jq`: indented, keys sorted, slashes unescaped.
    static func printJSON(_ value: JSONValue?, output: Output) throws {
        output.out(JSONOutput.render(value ?? .null))
    }
}

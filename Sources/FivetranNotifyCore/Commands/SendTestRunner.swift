import Foundation

/// `send-test`: builds a sample delivery, signs it like Fivetran does, posts it to a listener and
/// reports the answer — `stripe trigger` for Fivetran webhooks.
public enum SendTestRunner {
    /// How the delivery is signed.
    public enum Signing: Sendable, Equatable {
        /// With the key, hex upper- or lowercase.
        case signed(lowercase: Bool)
        /// No `X-Fivetran-Signature-256` header: the listener must answer 401.
        case unsigned
        /// A signature made with a wrong key: the listener must answer 401.
        case badSignature
    }

    public struct Options: Sendable {
        public var url: String
        public var event: String
        public var status: String?
        public var overrides: [JSONOverride]
        public var signing: Signing
        /// Show the request instead of sending it.
        public var printOnly: Bool
        /// A PEM file of the only certificates to trust for an https:// listener; nil for the system's.
        public var caFile: String?

        public init(
            url: String = "http://127.0.0.1:8080/", event: String = "sync_end", status: String? = nil,
            overrides: [JSONOverride] = [], signing: Signing = .signed(lowercase: false), printOnly: Bool = false,
            caFile: String? = nil
        ) {
            self.url = url
            self.event = event
            self.status = status
            self.overrides = overrides
            self.signing = signing
            self.printOnly = printOnly
            self.caFile = caFile
        }
    }

    /// The request `send-test` would send.
    public static func request(_ options: Options, context: CommandContext) throws -> HTTPRequest {
        if !SampleDeliveries.eventNames.contains(options.event) {
            context.output.err(
                "warning: \"\(options.event)\" is not an event Fivetran is known to send; sending a generic sample.")
        }
        var body = SampleDeliveries.sample(event: options.event, status: options.status, now: context.now())
        for override in options.overrides {
            body = try override.apply(to: body)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let bytes = try encoder.encode(body)

        var headers: [(name: String, value: String)] = [
            ("Content-Type", "application/json"),
            ("User-Agent", "fivetran-notify/\(FivetranNotify.version) send-test"),
        ]
        switch options.signing {
        case .signed(let lowercase):
            let key = try signingKey(context: context)
            let signature = SignatureVerifier.signature(body: bytes, key: key, uppercase: !lowercase)
            headers.append(("X-Fivetran-Signature-256", signature))
        case .badSignature:
            let wrong = SignatureVerifier.signature(body: bytes, key: "not-the-signing-key-\(UUID().uuidString)")
            headers.append(("X-Fivetran-Signature-256", wrong))
        case .unsigned:
            break
        }
        return HTTPRequest(
            method: "POST", url: options.url, headers: headers, body: bytes, connectTimeout: .seconds(5),
            timeout: .seconds(15))
    }

    /// Sends (or with `printOnly`, prints) the sample and reports the answer. Throws when the answer is
    /// not what a correct listener gives: 2xx for a signed delivery, 401 for an unsigned or badly signed one.
    public static func run(_ options: Options, context: CommandContext) async throws {
        let request = try request(options, context: context)
        let body = String(decoding: request.body ?? Data(), as: UTF8.self)
        if options.printOnly {
            context.output.out("POST \(request.url)")
            for (name, value) in request.headers { context.output.out("\(name): \(value)") }
            context.output.out("")
            context.output.out(body)
            return
        }
        context.output.err("--> \(options.event) \(summary(of: request)) to \(options.url)")
        let response = try await CurlTransport(caFile: options.caFile).send(request)
        let answer = response.text.trimmingCharacters(in: .whitespacesAndNewlines)
        context.output.out("\(response.status)\(answer.isEmpty ? "" : " \(answer.prefix(500))")")

        switch options.signing {
        case .signed:
            guard response.isSuccess else {
                throw NotifyError(
                    "The listener answered \(response.status) to a signed delivery. "
                        + (response.status == 401
                            ? "It does not accept this key: check that it uses the key from `keygen --show` (or the same FIVETRAN_SIGNING_KEY)."
                            : "Check the listener's log for why."))
            }
        case .unsigned, .badSignature:
            guard response.status == 401 else {
                throw NotifyError(
                    "The listener answered \(response.status) to a delivery with a missing or wrong signature; "
                        + "it must answer 401, or anyone can post fake alerts to it.")
            }
        }
    }

    private static func summary(of request: HTTPRequest) -> String {
        guard let body = request.body, let delivery = try? Delivery.parse(body) else { return "" }
        return [delivery.displayName, delivery.status].compactMap { $0 }.joined(separator: " ")
    }

    /// The key: `FIVETRAN_SIGNING_KEY`, else the one `keygen` stored.
    static func signingKey(context: CommandContext) throws -> String {
        if let key = KeyStore.environmentKey(context.environment) { return key }
        guard let key = try KeyStore(paths: context.paths).currentKey() else {
            throw NotifyError(
                "No signing key: run `fivetran-notify keygen` first, set FIVETRAN_SIGNING_KEY, "
                    + "or pass --unsigned to send without a signature.",
                exitCode: ExitStatus.credentials)
        }
        return key
    }
}

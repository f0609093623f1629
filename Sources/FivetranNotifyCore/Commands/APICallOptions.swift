import Foundation

/// The API settings and output options shared by every `webhook` command.
public struct APICallOptions: Sendable, Equatable {
    public var flags: SettingFlags
    /// Print the API's `data` object as JSON on stdout, and nothing else there.
    public var json: Bool
    /// Trace each exchange on stderr (Authorization redacted, secrets masked).
    public var verbose: Bool
    /// How long one request may take.
    public var timeout: Duration

    public init(
        flags: SettingFlags = SettingFlags(), json: Bool = false, verbose: Bool = false,
        timeout: Duration = .seconds(30)
    ) {
        self.flags = flags
        self.json = json
        self.verbose = verbose
        self.timeout = timeout
    }

    /// A client built from the settings these options resolve to, talking through libcurl; fails
    /// (exit 77) when the credentials are missing.
    public func client(context: CommandContext) throws -> FivetranAPIClient {
        let settings = try Settings.load(flags: flags, context: context)
        let credentials = try settings.credentials()
        let output = context.output
        var trace: (@Sendable (String) -> Void)? = nil
        if verbose {
            trace = { line in output.err(line) }
        }
        return FivetranAPIClient(
            baseURL: settings.apiURL,
            apiKey: credentials.apiKey,
            apiSecret: credentials.apiSecret,
            transport: CurlTransport(caFile: settings.caFile),
            timeout: timeout,
            sleep: context.sleep,
            now: context.now,
            trace: trace,
            notice: { output.err("note: \($0)") }
        )
    }
}

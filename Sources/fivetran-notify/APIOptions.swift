import ArgumentParser
import FivetranNotifyCore

/// The options every `webhook` command takes: where the Fivetran API is, the credentials, and how to
/// print. Each setting falls back to the environment, then to config.toml.
struct APIOptions: ParsableArguments {
    @Option(
        name: .customLong("api-key"),
        help: ArgumentHelp(
            "Fivetran API key (default: $FIVETRAN_API_KEY or $FIVETRAN_APIKEY, else api_key in config.toml).",
            valueName: "key"))
    var apiKey: String?

    @Option(
        name: .customLong("api-secret"),
        help: ArgumentHelp(
            "Fivetran API secret (default: $FIVETRAN_API_SECRET or $FIVETRAN_APISECRET, else api_secret in "
                + "config.toml). Prefer the environment or config.toml: flags show in the process list.",
            valueName: "secret"))
    var apiSecret: String?

    @Option(
        name: .customLong("api-url"),
        help: ArgumentHelp(
            "Fivetran API base URL (default: $FIVETRAN_API_URL, else api_url in config.toml, else "
                + "https://api.fivetran.com/v1).",
            valueName: "url"))
    var apiURL: String?

    @Option(
        name: .customLong("ca-file"),
        help: ArgumentHelp(
            "PEM file of the certificate authorities to trust instead of the system's, as behind a proxy that "
                + "inspects TLS (default: $SSL_CERT_FILE, else ca_file in config.toml). Proxies: $https_proxy, $no_proxy.",
            valueName: "pem"),
        completion: .file(extensions: ["pem", "crt"]))
    var caFile: String?

    @Flag(help: "Print the API's data object as JSON on stdout and nothing else (for jq).")
    var json = false

    @Flag(name: .shortAndLong, help: "Trace each API request on stderr (the Authorization header is redacted).")
    var verbose = false

    @Option(help: ArgumentHelp("Seconds one API request may take.", valueName: "seconds"))
    var timeout: Double = 30

    func validate() throws {
        guard timeout > 0, timeout <= 600 else {
            throw ValidationError("--timeout must be between 0 and 600 seconds.")
        }
    }

    /// The options as the core library takes them.
    var callOptions: APICallOptions {
        APICallOptions(
            flags: SettingFlags(apiKey: apiKey, apiSecret: apiSecret, apiURL: apiURL, caFile: caFile),
            json: json,
            verbose: verbose,
            timeout: .milliseconds(Int(timeout * 1000)))
    }
}

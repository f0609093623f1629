/// The Fivetran API key and secret, as resolved from flags, environment and config.toml.
public struct FivetranCredentials: Sendable, Equatable {
    public var apiKey: String
    public var apiSecret: String

    public init(apiKey: String, apiSecret: String) {
        self.apiKey = apiKey
        self.apiSecret = apiSecret
    }
}

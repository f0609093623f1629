/// How each destination checks its address as a person gives it (flag, variable, config.toml): the
/// address to store, or what is wrong with it. Each destination declares its own
/// (`NoticeDestination.checkAddress`); routing applies them by kind without knowing any.
public struct TargetChecks: Sendable {
    public var address: [DestinationKind: @Sendable (String) -> Result<String, TargetProblem>]
    /// Whether a signing secret can sign (the forward destination's `forward_secret`).
    public var secret: @Sendable (String) -> Bool

    public init(
        address: [DestinationKind: @Sendable (String) -> Result<String, TargetProblem>],
        secret: @escaping @Sendable (String) -> Bool
    ) {
        self.address = address
        self.secret = secret
    }

    /// The checked address of a kind.
    public func check(_ text: String, kind: DestinationKind) -> Result<String, TargetProblem> {
        address[kind]?(text) ?? .failure(TargetProblem("names a kind of destination this build cannot send to"))
    }
}

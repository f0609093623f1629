/// The one error type that reaches a person: a sentence that says what happened, why, and what to do,
/// plus the exit status the command should end with. Never carries a secret.
public struct NotifyError: PersonFacingError, CustomStringConvertible, Sendable, Equatable {
    public let message: String
    public let exitCode: Int32

    public init(_ message: String, exitCode: Int32 = ExitStatus.failure) {
        self.message = message
        self.exitCode = exitCode
    }

    public var description: String { message }
}

/// Exit statuses of the contract.
public enum ExitStatus {
    public static let success: Int32 = 0
    /// API, network or runtime failure.
    public static let failure: Int32 = 1
    /// Usage error (swift-argument-parser's default for validation errors).
    public static let usage: Int32 = 64
    /// Missing or rejected credentials, or a secret file with unsafe permissions.
    public static let credentials: Int32 = 77
}

/// An error written for a person: one or two sentences that say what happened and what to do, and the
/// exit status the command ends with because of it. Each layer's error type conforms where it is
/// declared, so reporting (`FailureReport`) needs to know no layer.
public protocol PersonFacingError: Error {
    /// What to tell a person; never carries a secret.
    var message: String { get }
    /// The exit status of the contract (`ExitStatus`).
    var exitCode: Int32 { get }
}

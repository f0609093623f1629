import Foundation

/// Runs a command's work and turns any failure into one or two readable lines on stderr plus an exit
/// status, so no Swift error dump ever reaches a person. Returns the exit status (0 on success).
public func runReportingErrors(_ output: Output, _ work: () async throws -> Void) async -> Int32 {
    do {
        try await work()
        return ExitStatus.success
    } catch {
        let failure = FailureReport(error)
        output.err("error: \(failure.message)")
        return failure.exitCode
    }
}

/// What a person reads about a failure, and the exit status a command ends with because of it.
public struct FailureReport: Sendable {
    public var message: String
    public var exitCode: Int32

    public init(_ error: any Error) {
        exitCode = ExitStatus.failure
        switch error {
        case let error as any PersonFacingError:
            message = error.message
            exitCode = error.exitCode
        case is CancellationError:
            message = "interrupted."
        default:
            message = String(describing: error)
        }
    }
}

import Foundation

/// Runs a command's work and turns any failure into one or two readable lines on stderr plus an exit
/// status, so no Swift error dump ever reaches a person. Returns the exit status (0 on success).
public func runReportingErrors(_ output: Output, _ work: () async throws -> Void) async -> Int32 {
    do {
        try await work()
        return ExitStatus.success
    } catch let error as NotifyError {
        output.err("error: \(error.message)")
        return error.exitCode
    } catch let error as HTTPTransportError {
        output.err("error: \(error.description). Check the address and your network, then try again.")
        return ExitStatus.failure
    } catch is CancellationError {
        output.err("error: interrupted.")
        return ExitStatus.failure
    } catch {
        output.err("error: \(String(describing: error))")
        return ExitStatus.failure
    }
}

import Foundation
import PostgresNIO

/// PostgreSQL's failures in words for the operator: what happened, never the password (postgres-nio's
/// errors carry no URL; the server's messages name the user at most) and never a Swift dump.
enum PostgresFailure: Error {
    /// An operation did not finish within its deadline (the server is gone or stuck).
    case timedOut(Duration)

    /// One clause: "cannot be reached (connection refused)", "refused the statement (…)".
    static func text(_ error: any Error) -> String {
        if let error = error as? NotifyError { return error.message }
        if case .timedOut(let limit)? = error as? PostgresFailure {
            return "did not answer within \(limit.secondsText)"
        }
        if let error = error as? PSQLError {
            switch error.code {
            case .server:
                let message = error.serverInfo?[.message] ?? "an error"
                let state = error.serverInfo?[.sqlState].map { " (SQLSTATE \($0))" } ?? ""
                return "answered: \(message)\(state)"
            case .sslUnsupported:
                return "does not offer TLS, which the URL's sslmode requires"
            case .failedToAddSSLHandler:
                return "could not be reached over TLS; check sslmode and sslrootcert"
            case .authMechanismRequiresPassword:
                return "asks for a password and the URL has none"
            case .connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown:
                return "cannot be reached" + (error.underlying.map { " (\(connectionReason($0)))" } ?? "")
            case .poolClosed:
                return "cannot be used: the connection pool was closed"
            default:
                return "failed (\(error.code))"
            }
        }
        // The pool's own errors (new connections keep failing, the pool closed): their text is a type dump.
        if String(reflecting: type(of: error)).contains("ConnectionPool") {
            return "cannot be reached (new connections keep failing)"
        }
        return (error as NSError).localizedDescription
    }

    /// Why a connection failed, in words (NIO's errors print as type dumps).
    private static func connectionReason(_ error: any Error) -> String {
        let text = String(describing: error).lowercased()
        if text.contains("certificate") {
            return "its TLS certificate is not trusted: sslrootcert must name the CA that signed it, and the URL's "
                + "host must be a name in it"
        }
        if text.contains("handshake") || text.contains("ssl") { return "the TLS handshake failed" }
        if text.contains("refused") { return "connection refused: is PostgreSQL running there, on that port?" }
        if text.contains("timed out") || text.contains("timeout") { return "no answer within 5 s" }
        if text.contains("resolve") || text.contains("name or service") || text.contains("nodename") {
            return "the host name cannot be resolved"
        }
        if text.contains("unreachable") { return "no route to the host" }
        if text.contains("reset") || text.contains("eof") { return "the connection was closed" }
        return "the connection failed"
    }

    /// Whether the error means the database cannot be used now (as opposed to one statement refused).
    static func isUnavailable(_ error: any Error) -> Bool {
        if error is PostgresFailure { return true }
        guard let error = error as? PSQLError else { return !(error is NotifyError || error is CancellationError) }
        guard error.code == .server else { return true }
        let state = error.serverInfo?[.sqlState] ?? ""
        return ["08", "57", "53", "28", "3D"].contains { state.hasPrefix($0) }
    }
}

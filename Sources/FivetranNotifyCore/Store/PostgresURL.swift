import Foundation
import NIOSSL
import PostgresNIO

/// A PostgreSQL database URL as ha.md takes it: `postgres://user:password@host:5432/dbname` (also
/// `postgresql://`), with `sslmode` `disable`, `prefer` (the default), `require` or `verify-full`
/// (with `sslrootcert=PATH`). The password is a secret: `redacted` is what is ever shown.
public struct PostgresURL: Sendable, Equatable {
    /// How the connection is protected (libpq's `sslmode` values this supports).
    public enum SSLMode: String, Sendable, CaseIterable {
        case disable, prefer, require
        case verifyFull = "verify-full"
    }

    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String
    public var sslMode: SSLMode
    public var sslRootCert: String?

    /// Parses a URL; the error never repeats the URL (it may hold the password).
    /// - Throws: `NotifyError` saying what is wrong and what a URL looks like.
    public init(_ text: String) throws {
        let example = "postgres://user:password@host:5432/dbname?sslmode=require"
        guard let components = URLComponents(string: text.trimmingCharacters(in: .whitespaces)),
            let scheme = components.scheme?.lowercased()
        else {
            throw NotifyError("The database URL cannot be read as a URL; it looks like \(example).")
        }
        guard scheme == "postgres" || scheme == "postgresql" else {
            throw NotifyError(
                "The database URL starts with \(scheme)://; only postgres:// or postgresql:// are supported, "
                    + "like \(example).")
        }
        guard let host = components.host, !host.isEmpty else {
            throw NotifyError("The database URL names no host; it looks like \(example).")
        }
        guard let user = components.user, !user.isEmpty else {
            throw NotifyError("The database URL names no user; it looks like \(example).")
        }
        let database = String(components.path.drop { $0 == "/" })
        guard !database.isEmpty, !database.contains("/") else {
            throw NotifyError("The database URL names no database after the host; it looks like \(example).")
        }
        var mode = SSLMode.prefer
        var rootCert: String?
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let value = item.value, let parsed = SSLMode(rawValue: value) else {
                    throw NotifyError(
                        "The database URL's sslmode \(item.value ?? "") is not supported; use one of "
                            + SSLMode.allCases.map(\.rawValue).joined(separator: ", ") + ".")
                }
                mode = parsed
            case "sslrootcert":
                rootCert = item.value
            default:
                throw NotifyError(
                    "The database URL's parameter \(item.name) is not supported; only sslmode and sslrootcert are.")
            }
        }
        if mode == .verifyFull, rootCert == nil {
            throw NotifyError(
                "The database URL asks for sslmode=verify-full without sslrootcert=PATH: name the CA "
                    + "certificate file the server's certificate is checked against.")
        }
        self.host = host
        self.port = components.port ?? 5432
        self.user = user
        self.password = components.password
        self.database = database
        self.sslMode = mode
        self.sslRootCert = rootCert
    }

    /// The URL with `****` in the password's place: what logs, errors and `status` show.
    public var redacted: String {
        var text = "postgres://\(user)\(password == nil ? "" : ":****")@\(host):\(port)/\(database)"
        if sslMode != .prefer { text += "?sslmode=\(sslMode.rawValue)" }
        if let sslRootCert { text += (sslMode != .prefer ? "&" : "?") + "sslrootcert=\(sslRootCert)" }
        return text
    }

    /// How TLS is used: nil for none, else whether it is required and the configuration.
    /// - Throws: `NotifyError` when `sslrootcert` cannot be read.
    private func tls() throws -> (required: Bool, configuration: TLSConfiguration)? {
        var configuration = TLSConfiguration.makeClientConfiguration()
        switch sslMode {
        case .disable:
            return nil
        case .prefer, .require:
            // As libpq: encrypted (when the server offers it, for prefer), the certificate not checked.
            configuration.certificateVerification = .none
            return (sslMode == .require, configuration)
        case .verifyFull:
            configuration.certificateVerification = .fullVerification
            do {
                configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(sslRootCert ?? ""))
            } catch {
                throw NotifyError(
                    "The database URL's sslrootcert \(sslRootCert ?? "") cannot be read as PEM certificates; "
                        + "check the path and that it holds the CA certificate of the database server.")
            }
            return (true, configuration)
        }
    }

    /// postgres-nio's pooled client configuration for this URL.
    func clientConfiguration() throws -> PostgresClient.Configuration {
        let tls: PostgresClient.Configuration.TLS =
            switch try self.tls() {
            case nil: .disable
            case (let required, let configuration)?: required ? .require(configuration) : .prefer(configuration)
            }
        var configuration = PostgresClient.Configuration(
            host: host, port: port, username: user, password: password, database: database, tls: tls)
        configuration.options.connectTimeout = .seconds(5)
        configuration.options.maximumConnections = 32
        return configuration
    }

    /// A single connection's configuration (start-up: its failure is the server's own answer at once,
    /// where the pool would keep retrying).
    func connectionConfiguration() throws -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS =
            switch try self.tls() {
            case nil: .disable
            case (let required, let configuration)?:
                required
                    ? .require(try NIOSSLContext(configuration: configuration))
                    : .prefer(try NIOSSLContext(configuration: configuration))
            }
        var configuration = PostgresConnection.Configuration(
            host: host, port: port, username: user, password: password, database: database, tls: tls)
        configuration.options.connectTimeout = .seconds(5)
        return configuration
    }
}

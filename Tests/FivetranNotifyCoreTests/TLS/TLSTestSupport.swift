import FivetranNotifyCore
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import Synchronization

/// The certificates of Fixtures/tls: `localhost` and `other` are self-signed for IP 127.0.0.1 and valid for
/// a century (`other.key` does not match `localhost.pem`); `expired` ended on 2021-01-01.
enum TLSFixture: String, CaseIterable {
    case localhost
    case other
    case expired

    var certificate: Data { TestFiles.fixture("tls/\(rawValue).pem") }
    var key: Data { TestFiles.fixture("tls/\(rawValue).key") }

    /// The certificate as a file a client can trust: a self-signed certificate is its own CA.
    var caFile: String {
        Bundle.module.resourceURL!.appendingPathComponent("Fixtures/tls/\(rawValue).pem").path
    }
}

/// `cert.pem` and `key.pem` in a directory of their own, as `--tls-cert` and `--tls-key` name them, so a
/// test can replace them (as a renewal does) and reload.
struct TLSFiles {
    let directory: URL
    var certificate: String { directory.appendingPathComponent("cert.pem").path }
    var key: String { directory.appendingPathComponent("key.pem").path }

    init(certificate: TLSFixture, key: TLSFixture) throws {
        directory = TestFiles.temporaryDirectory()
        try install(certificate: certificate.certificate, key: key.key)
    }

    /// Replaces the files' contents.
    func install(certificate: Data, key: Data) throws {
        try certificate.write(to: URL(fileURLWithPath: self.certificate), options: .atomic)
        try key.write(to: URL(fileURLWithPath: self.key), options: .atomic)
        // A key readable by others is refused, as real keys must be.
        chmod(self.key, 0o600)
    }

    func install(_ fixture: TLSFixture) throws {
        try install(certificate: fixture.certificate, key: fixture.key)
    }
}

/// An HTTPS server on 127.0.0.1 with a port of its own, built as `listen --tls-cert --tls-key` builds its
/// server: `GET /` answers `ok`.
final class TLSTestServer: Sendable {
    let tls: ReloadableTLS
    private let server: TestHTTPServer

    private init(tls: ReloadableTLS, server: TestHTTPServer) {
        self.tls = tls
        self.server = server
    }

    var port: Int { server.port }

    /// `https://127.0.0.1:PORT/`
    var url: String { "https://127.0.0.1:\(port)/" }

    /// Starts serving with `tls` (and `services` beside the server) and returns once the port is bound.
    static func start(tls: ReloadableTLS, services: [any Service] = []) async throws -> TLSTestServer {
        let router = Router()
        router.get("/") { _, _ in "ok" }
        let server = try await TestHTTPServer.start(
            router, server: .reloadableTLS(tls, http1: .init(idleTimeout: .seconds(5))), services: services)
        return TLSTestServer(tls: tls, server: server)
    }

    /// A server for the length of `body`, stopped afterwards even when `body` throws.
    static func with<Result>(
        tls: ReloadableTLS, services: [any Service] = [], _ body: (TLSTestServer) async throws -> Result
    ) async throws -> Result {
        try await withStarted({ try await start(tls: tls, services: services) }, stop: { await $0.stop() }, body)
    }

    /// Stops the server and waits until it has.
    func stop() async {
        await server.stop()
    }

    /// `GET /` over a new connection, through the product's transport, trusting only `ca`. The connection
    /// is closed after the answer: a TLS connection still open when the server stops holds the stop up for
    /// NIOSSL's shutdown timeout (5 s) whenever the close races the client.
    func get(trusting ca: TLSFixture) async throws -> FivetranNotifyCore.HTTPResponse {
        try await CurlTransport(caFile: ca.caFile).send(
            FivetranNotifyCore.HTTPRequest(
                method: "GET", url: url, headers: [("Connection", "close")], connectTimeout: .seconds(5),
                timeout: .seconds(10)))
    }

    /// Whether a client trusting only `ca` gets `ok`: true exactly when the server presents `ca`'s certificate.
    func presents(_ ca: TLSFixture) async -> Bool {
        guard let response = try? await get(trusting: ca) else { return false }
        return response.status == 200 && response.text == "ok"
    }
}

/// The lines logged through `logger`, for assertions.
final class LogCapture: Sendable {
    private let lines = Mutex<[(level: Logger.Level, message: String)]>([])

    var logger: Logger {
        Logger(label: "tls-test") { _ in CapturingLogHandler(capture: self) }
    }

    func append(_ level: Logger.Level, _ message: String) {
        lines.withLock { $0.append((level, message)) }
    }

    /// The messages logged at `level`.
    func messages(_ level: Logger.Level) -> [String] {
        lines.withLock { $0.filter { $0.level == level }.map(\.message) }
    }
}

private struct CapturingLogHandler: LogHandler {
    let capture: LogCapture
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        capture.append(event.level, event.message.description)
    }
}

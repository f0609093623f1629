import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import ServiceLifecycle

/// A real HTTP server on 127.0.0.1 with a port of its own, for the fakes of far ends (Fivetran's API,
/// Slack, a listener): the fakes replace the far end, never our client.
final class TestHTTPServer: Sendable {
    let port: Int
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    private init(port: Int, group: ServiceGroup, task: Task<Void, any Error>) {
        self.port = port
        self.group = group
        self.task = task
    }

    /// `http://127.0.0.1:PORT`
    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Starts serving the router (over `server`, plain HTTP/1 unless told, with `services` beside it) and
    /// returns once the port is bound.
    static func start(
        _ router: Router<BasicRequestContext>, server: HTTPServerBuilder = .http1(), services: [any Service] = []
    ) async throws -> TestHTTPServer {
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        var logger = Logger(label: "test-server")
        logger.logLevel = .critical
        let app = Application(
            router: router,
            server: server,
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? 0)
                continuation.finish()
            },
            logger: logger
        )
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: app)] + services.map { .init(service: $0) }, gracefulShutdownSignals: [],
                logger: logger))
        let task = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else {
            task.cancel()
            throw TestServerError(message: "test server did not start")
        }
        return TestHTTPServer(port: port, group: group, task: task)
    }

    /// A server for the length of `body`, stopped afterwards even when `body` throws.
    static func with<Result>(
        _ router: Router<BasicRequestContext>, server: HTTPServerBuilder = .http1(), services: [any Service] = [],
        _ body: (TestHTTPServer) async throws -> Result
    ) async throws -> Result {
        try await withStarted(
            { try await start(router, server: server, services: services) }, stop: { await $0.stop() }, body)
    }

    /// Stops the server and waits until it has.
    func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }
}

struct TestServerError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

import FivetranNotifyCore
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// A real listener in this process: the router `listen` builds, on 127.0.0.1 with a port of its own,
/// a real store in a temporary directory and the dispatcher on a virtual clock, posting through the
/// real CurlTransport. Built by `ListenerAssembly`, exactly as `listen` builds it.
final class ListenerHarness: Sendable {
    static let key = "test-signing-key-0123456789abcdef"

    let store: DeliveryStore
    let port: Int
    let clock: TestClock
    let logs: CapturedOutput
    let stateDirectory: URL
    let bodyBudget: BodyBudget
    /// What SIGHUP replaces: a test reloads the listener's routes through it.
    let settings: LiveSettings
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    private init(
        store: DeliveryStore, port: Int, clock: TestClock, logs: CapturedOutput, stateDirectory: URL,
        bodyBudget: BodyBudget, settings: LiveSettings, group: ServiceGroup, task: Task<Void, any Error>
    ) {
        self.bodyBudget = bodyBudget
        self.settings = settings
        self.store = store
        self.port = port
        self.clock = clock
        self.logs = logs
        self.stateDirectory = stateDirectory
        self.group = group
        self.task = task
    }

    private static func start(
        slackURL: String?,
        destinations: [DestinationTarget]? = nil,
        pagerDutyURL: String? = nil,
        slackApp: SlackAppOptions? = nil,
        fivetranAPI: FivetranAPIClient? = nil,
        idleTimeout: Duration = .seconds(15),
        maxAge: Duration = .seconds(100 * 365 * 86_400),
        requestTimeout: Duration = .seconds(30),
        maxConnections: Int = 512,
        maxBodyMemory: Int = BodyBudget.defaultLimit,
        routes: [Route] = [],
        policy: NoticePolicy = NoticePolicy(),
        now: @escaping @Sendable () -> Date = { Date() },
        stateDirectory given: URL? = nil,
        dispatcher tune: (inout DispatcherConfiguration) -> Void = { _ in }
    ) async throws -> ListenerHarness {
        let stateDirectory = given ?? TestFiles.temporaryDirectory().appendingPathComponent("state")
        let logs = CapturedOutput()
        let logger = ListenLogHandler.logger(format: .text, write: logs.output.err)
        let clock = TestClock(date: now)
        var configuration = ListenerConfiguration()
        configuration.host = "127.0.0.1"
        configuration.port = 0
        configuration.idleTimeout = idleTimeout
        configuration.requestTimeout = requestTimeout
        configuration.maxConnections = maxConnections
        configuration.maxBodyMemory = maxBodyMemory
        configuration.stateCheckInterval = .milliseconds(50)
        // The sample deliveries were captured long ago: freshness is off unless a test asks for it.
        let settings = ReloadableSettings(
            verifier: SignatureVerifier(keys: [key]),
            routeTable: destinations.map { RouteTable(routes: routes, defaultDestinations: $0) }
                ?? RouteTable(routes: routes, defaultURL: slackURL ?? SlackDestination.dryRunTarget),
            maxAge: maxAge, policy: policy)
        let dryRun = slackURL == nil && destinations == nil
        var dispatcherConfiguration = DispatcherConfiguration()
        tune(&dispatcherConfiguration)
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        var inputs = ListenerAssembly.Inputs(
            configuration: configuration, settings: settings, stateDirectory: stateDirectory,
            slackTransport: dryRun ? DryRunSlackTransport(output: logs.output) : CurlTransport(),
            dryRun: dryRun, dispatcher: dispatcherConfiguration, clock: clock.serviceClock, logger: logger)
        if let pagerDutyURL { inputs.pagerDutyURL = pagerDutyURL }
        inputs.slackApp = slackApp
        inputs.fivetranAPI = fivetranAPI
        let listener = try ListenerAssembly(
            inputs,
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? 0)
                continuation.finish()
            })
        let store = listener.sqliteStore!  // the harness keeps its state in a state directory
        let group = ServiceGroup(
            configuration: .init(
                services: listener.services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) },
                gracefulShutdownSignals: [], logger: logger))
        let task = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else {
            task.cancel()
            throw TestServerError(message: "listener did not start")
        }
        return ListenerHarness(
            store: store, port: port, clock: clock, logs: logs, stateDirectory: stateDirectory,
            bodyBudget: listener.bodyBudget, settings: listener.settings, group: group, task: task)
    }

    /// A listener for the length of `body`, stopped afterwards even when `body` throws.
    static func with<Result>(
        slackURL: String?,
        destinations: [DestinationTarget]? = nil,
        pagerDutyURL: String? = nil,
        slackApp: SlackAppOptions? = nil,
        fivetranAPI: FivetranAPIClient? = nil,
        idleTimeout: Duration = .seconds(15),
        maxAge: Duration = .seconds(100 * 365 * 86_400),
        requestTimeout: Duration = .seconds(30),
        maxConnections: Int = 512,
        maxBodyMemory: Int = BodyBudget.defaultLimit,
        routes: [Route] = [],
        policy: NoticePolicy = NoticePolicy(),
        now: @escaping @Sendable () -> Date = { Date() },
        stateDirectory: URL? = nil,
        dispatcher tune: (inout DispatcherConfiguration) -> Void = { _ in },
        _ body: (ListenerHarness) async throws -> Result
    ) async throws -> Result {
        try await withStarted(
            {
                try await start(
                    slackURL: slackURL, destinations: destinations, pagerDutyURL: pagerDutyURL, slackApp: slackApp,
                    fivetranAPI: fivetranAPI,
                    idleTimeout: idleTimeout, maxAge: maxAge, requestTimeout: requestTimeout,
                    maxConnections: maxConnections, maxBodyMemory: maxBodyMemory, routes: routes, policy: policy,
                    now: now, stateDirectory: stateDirectory,
                    dispatcher: tune)
            }, stop: { await $0.stop() }, body)
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// POSTs a body to the delivery path, signed with the test key unless `signature` says otherwise.
    func post(_ body: Data, signature: Signature = .valid, path: String = "/") async throws
        -> FivetranNotifyCore.HTTPResponse
    {
        var headers: [(name: String, value: String)] = [("Content-Type", "application/json")]
        switch signature {
        case .valid:
            headers.append(("X-Fivetran-Signature-256", SignatureVerifier.signature(body: body, key: Self.key)))
        case .header(let value):
            headers.append(("X-Fivetran-Signature-256", value))
        case .none:
            break
        }
        return try await CurlTransport().send(
            FivetranNotifyCore.HTTPRequest(method: "POST", url: baseURL + path, headers: headers, body: body))
    }

    func get(_ path: String, method: String = "GET") async throws -> FivetranNotifyCore.HTTPResponse {
        try await CurlTransport().send(FivetranNotifyCore.HTTPRequest(method: method, url: baseURL + path))
    }

    enum Signature {
        case valid
        case header(String)
        case none
    }

    /// Reloads the routes as SIGHUP would after config.toml changed.
    func reload(routes: RouteTable) {
        var snapshot = settings.current
        snapshot.routeTable = routes
        settings.replace(with: snapshot)
    }

    func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
        await store.close()
    }
}

/// Sample deliveries.
enum Samples {
    /// A minute before this test run began: fresh for `--max-age`, and the same in every sample, so a
    /// sample sent twice is the same delivery.
    static let recent: String = {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date().addingTimeInterval(-60))
    }()

    /// A `sync_end` with a status, distinct per connector and time.
    static func syncEnd(connector: String, status: String = "FAILURE", created: String = recent)
        -> Data
    {
        Data(
            """
            {"event":"sync_end","created":"\(created)","connector_type":"google_cloud_postgresql",\
            "connector_id":"id_\(connector)","connector_name":"\(connector)",\
            "sync_id":"b4703f73-6315-4e22-8d7a-3bfb18b2fed2","destination_group_id":"inappropriate_implode",\
            "data":{"status":"\(status)","reason":"password authentication failed"}}
            """.utf8)
    }
}

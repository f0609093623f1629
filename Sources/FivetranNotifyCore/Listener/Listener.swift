import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore

/// What the HTTP side of `listen` serves and how: read at start only (what SIGHUP changes is
/// `ReloadableSettings`).
public struct ListenerConfiguration: Sendable {
    public var host: String = "0.0.0.0"
    /// 0 picks a free port (tests).
    public var port: Int = 8080
    /// Where Fivetran posts deliveries.
    public var path: String = "/"
    /// Where Slack posts button clicks: set only with a Slack signing secret (else the path is 404).
    public var slackActionsPath: String?
    /// Bodies larger than this are answered 413.
    public var maxBodySize: Int = 1 << 20
    /// Request bodies in flight across all connections share this many bytes (`--max-body-memory`);
    /// a request that does not fit is answered 503 before its body is read.
    public var maxBodyMemory: Int = BodyBudget.defaultLimit
    /// A connection that sends nothing for this long (before, inside or between requests) is closed,
    /// so a slow or stalled client cannot hold it forever.
    public var idleTimeout: Duration = .seconds(15)
    /// A request must arrive whole within this long of its first byte (`--request-timeout`).
    public var requestTimeout: Duration = .seconds(30)
    /// At most this many connections are open at once (`--max-connections`); more wait in the
    /// kernel's backlog until one closes.
    public var maxConnections: Int = 512
    /// How often the state file is checked for having been deleted or replaced.
    public var stateCheckInterval: Duration = .seconds(2)
    /// How long SIGTERM waits for requests in flight before cutting them.
    public static let shutdownGrace: Duration = .seconds(8)

    public init() {}
}

/// Answers deliveries in the contract's order: body (413 over the limit), signature first (401, nothing
/// stored), then JSON (400), then the durable store, then 200. A reply never waits on Slack.
public struct DeliveryEndpoint: Sendable {
    static let signatureHeader = HTTPField.Name("X-Fivetran-Signature-256")!

    let settings: LiveSettings
    let store: any StateStore
    let configuration: ListenerConfiguration
    let metrics: ListenerMetrics
    let logger: Logger
    let now: @Sendable () -> Date
    private let rejections = RejectionLog()
    let bodyBudget: BodyBudget

    public init(
        settings: LiveSettings,
        store: any StateStore,
        configuration: ListenerConfiguration,
        metrics: ListenerMetrics,
        logger: Logger,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.settings = settings
        self.store = store
        self.configuration = configuration
        self.metrics = metrics
        self.logger = logger
        self.now = now
        bodyBudget = BodyBudget(limit: configuration.maxBodyMemory)
    }

    func handle(_ request: Request) async -> Response {
        let declared = request.headers[.contentLength].flatMap { Int($0) }
        if let declared, declared > configuration.maxBodySize {
            return tooLarge()
        }
        // Memory has a budget: admitted before a byte of the body is read, given back when answered.
        guard let reservation = bodyBudget.admit(declared ?? configuration.maxBodySize) else {
            return overBudget()
        }
        defer { reservation.release() }
        let buffer: ByteBuffer
        do {
            buffer = try await Self.collect(request.body, capacity: declared, limit: configuration.maxBodySize)
        } catch is NIOTooManyBytesError {
            return tooLarge()
        } catch {
            return Self.answer(.badRequest, #"{"error":"could not read the request body"}"#)
        }
        let live = settings.current
        // Verified in place: an unsigned body is never copied.
        let signed = buffer.withUnsafeReadableBytes {
            live.verifier.isValid(body: $0, signature: request.headers[Self.signatureHeader])
        }
        guard signed else {
            metrics.rejectedSignature.increment()
            let reason = request.headers[Self.signatureHeader] == nil ? "missing" : "wrong"
            logRejection("--> rejected: \(reason) X-Fivetran-Signature-256 (401)")
            return Self.unauthorized
        }
        let body = buffer.withUnsafeReadableBytes { Data($0) }
        let delivery: Delivery
        do {
            delivery = try Delivery.parse(body)
        } catch {
            metrics.rejectedNotJSON.increment()
            logRejection("--> rejected: signed body is not a JSON object (400): \(error)")
            return Self.answer(.badRequest, #"{"error":"the body is not a JSON object"}"#)
        }
        let receivedAt = now()
        let stale = delivery.isStale(receivedAt: receivedAt, maxAge: live.maxAge.seconds)
        let forward = !stale && live.forwardedEvents.shouldForward(delivery)
        let signal = stale ? nil : IncidentSignal.of(delivery, forwarded: live.forwardedEvents)
        let incoming = IncomingDelivery(
            delivery, body: body, receivedAt: receivedAt,
            destinations: forward ? live.routeTable.references(for: delivery) : [], signal: signal)
        let outcome: RecordOutcome
        do {
            outcome = try await store.record(incoming)
        } catch {
            metrics.storeErrors.increment()
            logger.error(
                """
                --> \(delivery.event) \(delivery.displayName): cannot store the delivery, so it was answered 503 \
                and Fivetran will send it again: \(store.failureText(error))
                """)
            return Self.answer(.serviceUnavailable, #"{"error":"the delivery could not be stored; retry later"}"#)
        }
        let status = delivery.status.map { " \($0)" } ?? ""
        var fields: Logger.Metadata = ["event": "\(delivery.event)", "subject": "\(delivery.subjectKey)"]
        if let value = delivery.status { fields["status"] = "\(value)" }
        if forward { fields["forwarded"] = "true" }
        switch outcome {
        case .stored where stale:
            metrics.deliveriesReceived.increment()
            metrics.deliveriesStale.increment()
            fields["stale"] = "true"
            logger.warning(
                """
                --> \(delivery.event) \(delivery.displayName)\(status) (stale: created \(delivery.created ?? "?"), \
                older than --max-age \(TimeText.duration(live.maxAge.seconds)); stored, not forwarded)
                """, metadata: fields)
            return Self.stored
        case .stored:
            metrics.deliveriesReceived.increment()
            logger.info("--> \(delivery.event) \(delivery.displayName)\(status)", metadata: fields)
            return Self.stored
        case .duplicate:
            metrics.deliveriesDuplicate.increment()
            logger.info("--> \(delivery.event) \(delivery.displayName)\(status) (duplicate, ignored)", metadata: fields)
            return Self.duplicate
        }
    }

    /// A rejection's warning line, rate-limited (`RejectionLog`).
    private func logRejection(_ line: String) {
        if let suffix = rejections.admit(now: now()) { logger.warning("\(line)\(suffix)") }
    }

    /// The body, in one buffer of the declared size (no doubling as it grows); over `limit` throws.
    static func collect(_ body: RequestBody, capacity: Int?, limit: Int) async throws -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(min(capacity ?? 16 << 10, limit))
        for try await chunk in body {
            guard buffer.readableBytes + chunk.readableBytes <= limit else {
                throw NIOTooManyBytesError(maxBytes: limit)
            }
            buffer.writeImmutableBuffer(chunk)
        }
        return buffer
    }

    private func overBudget() -> Response {
        metrics.rejectedOverBudget.increment()
        logRejection(
            "--> refused: request bodies in flight are at the --max-body-memory budget (503, Retry-After: 5)")
        // Answered before the body is read into memory; `Connection: close` tells the client to go and
        // come back after Retry-After.
        return Self.answer(
            .serviceUnavailable, #"{"error":"too many request bodies in flight; retry later"}"#,
            headers: [.retryAfter: "5", .connection: "close"])
    }

    private func tooLarge() -> Response {
        metrics.rejectedTooLarge.increment()
        logRejection("--> rejected: body over \(configuration.maxBodySize) bytes (413)")
        // The rest of the body is read and discarded by the server before the next request, so the
        // client gets this answer instead of a connection reset.
        return Self.answer(.contentTooLarge, #"{"error":"the body is over the size limit"}"#)
    }

    static let stored = answer(.ok, #"{"ok":true}"#)
    static let duplicate = answer(.ok, #"{"ok":true,"duplicate":true}"#)
    static let unauthorized = answer(.unauthorized, #"{"error":"missing or wrong X-Fivetran-Signature-256"}"#)

    static func answer(_ status: HTTPTypes.HTTPResponse.Status, _ json: String, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(
            status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(string: json + "\n")))
    }
}

/// The router for `listen`: deliveries on the configured path, `/healthz`, `/metrics`, 405 for other
/// methods on those paths, 404 elsewhere. A plain function, so tests build exactly what runs.
public func buildListenerRouter(endpoint: DeliveryEndpoint, slackActions: SlackActionsEndpoint? = nil)
    -> Router<BasicRequestContext>
{
    let router = Router(context: BasicRequestContext.self)
    if let slackActions {
        router.post(RouterPath(slackActions.path)) { request, _ in await slackActions.handle(request) }
    }
    let store = endpoint.store
    let metrics = endpoint.metrics
    let path = RouterPath(endpoint.configuration.path)
    router.post(path) { request, _ in await endpoint.handle(request) }
    router.get("/healthz") { _, _ in
        if let reason = store.lostReason {
            return DeliveryEndpoint.answer(
                .serviceUnavailable, #"{"status":"state_file_lost","reason":\#(JSONText.quoted(reason))}"#)
        }
        if let reason = store.writeProblem {
            return DeliveryEndpoint.answer(
                .serviceUnavailable, #"{"status":"state_not_writable","reason":\#(JSONText.quoted(reason))}"#)
        }
        do {
            let counts = try await store.counts()
            let byKind = try await store.countsByKind()
            let status = counts.failed > 0 ? "degraded" : "ok"
            let kinds = DestinationKind.allCases.compactMap { kind in
                byKind[kind].map { c in
                    #""\#(kind.rawValue)":{"undelivered":\#(c.pending),"failed":\#(c.failed),"delivered":\#(c.delivered)}"#
                }
            }
            let json =
                #"{"status":"\#(status)","undelivered":\#(counts.pending),"failed":\#(counts.failed),"#
                + #""delivered":\#(counts.delivered),"destinations":{\#(kinds.joined(separator: ","))}}"#
            return DeliveryEndpoint.answer(.ok, json)
        } catch {
            return DeliveryEndpoint.answer(.serviceUnavailable, #"{"status":"store_unavailable"}"#)
        }
    }
    router.get("/metrics") { _, _ in
        let counts = try? await store.counts()
        let bytes = metrics.render(counts: counts, byKind: try? await store.countsByKind())
        return Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }
    return router
}

/// The Hummingbird application for `listen`, with the idle timeout that drops stalled clients.
public func buildListenerApplication(
    router: Router<BasicRequestContext>,
    configuration: ListenerConfiguration,
    tls: ReloadableTLS? = nil,
    logger: Logger,
    onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
) -> some ApplicationProtocol {
    let requestTimeout = TimeAmount(configuration.requestTimeout)
    let http1 = HTTP1Channel.Configuration(
        additionalChannelHandlers: [RequestDeadlineInstaller(timeout: requestTimeout)],
        idleTimeout: TimeAmount(configuration.idleTimeout))
    return Application(
        responder: MethodGuard(
            deliveryPath: configuration.path, actionsPath: configuration.slackActionsPath,
            next: router.buildResponder()),
        server: tls.map { .reloadableTLS($0, http1: http1) } ?? .http1(configuration: http1),
        configuration: .init(
            address: .hostname(configuration.host, port: configuration.port), serverName: "fivetran-notify",
            availableConnectionsDelegate: MaximumAvailableConnections(configuration.maxConnections)),
        onServerRunning: onServerRunning,
        logger: logger
    )
}

/// `listen --bare` (hidden, for the benchmark only): the same Hummingbird server answering 200 to
/// every POST after reading the body, with no verification and no store: the ceiling of this machine.
public func buildBareRouter(path: String, maxBodySize: Int) -> Router<BasicRequestContext> {
    let router = Router(context: BasicRequestContext.self)
    router.post(RouterPath(path)) { request, _ in
        var request = request
        _ = try await request.collectBody(upTo: maxBodySize)
        return DeliveryEndpoint.stored
    }
    return router
}

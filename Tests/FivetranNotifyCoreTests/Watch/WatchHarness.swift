import Foundation
import Logging
import Prometheus
import Synchronization

@testable import FivetranNotifyCore

/// An `AccountWatcher` against the fake API over the real `CurlTransport`, with a virtual clock, a
/// settable wall clock, the findings it submits, the store's open incidents, and its log lines.
final class WatchHarness: Sendable {
    static let start = utc("2026-05-22T09:00:00.000Z")

    let api: FakeFivetranAPI
    let clock: TestClock
    let wallClock = Mutex<Date>(WatchHarness.start)
    let submitted = Mutex<[Delivery]>([])
    let openInStore = Mutex<Set<String>?>([])
    let accepts = Mutex(true)
    let logs = WatchLogs()
    let directory = TestFiles.temporaryDirectory()
    let registry = PrometheusCollectorRegistry()

    init(api: FakeFivetranAPI) {
        self.api = api
        clock = TestClock()
    }

    var statusFile: URL { directory.appendingPathComponent("watch.json") }

    var now: Date { wallClock.withLock { $0 } }

    func advance(_ seconds: TimeInterval) { wallClock.withLock { $0 = $0.addingTimeInterval(seconds) } }

    /// The service clock: virtual sleeps (recorded), this harness's wall clock.
    var serviceClock: ServiceClock {
        var clock = self.clock.serviceClock
        clock.date = { self.wallClock.withLock { $0 } }
        return clock
    }

    func client(timeout: Duration = .seconds(10)) -> FivetranAPIClient {
        FivetranAPIClient(
            baseURL: api.apiURL, apiKey: FakeFivetranAPI.apiKey, apiSecret: FakeFivetranAPI.apiSecret,
            transport: CurlTransport(), timeout: timeout)
    }

    func names(lookupTimeout: Duration = .seconds(2)) -> AccountNames {
        AccountNames(client: client(timeout: .seconds(5)), lookupTimeout: lookupTimeout, logger: logs.logger)
    }

    func watcher(
        _ settings: WatchSettings = WatchSettings(publicURL: "https://alerts.example.com/fivetran"),
        names: AccountNames? = nil, timeout: Duration = .seconds(10),
        mayRun: @escaping @Sendable () async -> Bool = { true }
    ) -> AccountWatcher {
        AccountWatcher(
            client: client(timeout: timeout), settings: settings, names: names ?? self.names(),
            clock: serviceClock, logger: logs.logger, statusFile: statusFile,
            metrics: WatchMetrics(registry: registry),
            openIncidentKeys: { self.openInStore.withLock { $0 } },
            submit: { delivery, body in
                // What is stored reads back as the very delivery that was decided on.
                guard (try? Delivery.parse(body)) == delivery else { return false }
                guard self.accepts.withLock({ $0 }) else { return false }
                self.submitted.withLock { $0.append(delivery) }
                return true
            }, mayRun: mayRun)
    }

    /// The findings submitted since the last call.
    func takeSubmitted() -> [Delivery] {
        submitted.withLock { list in
            defer { list = [] }
            return list
        }
    }

    /// /metrics text.
    var metricsText: String {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }
}

/// A timestamp written as Fivetran writes them.
func utc(_ text: String) -> Date { ISO8601Timestamp.date(from: text)! }

/// Log lines, for assertions.
final class WatchLogs: Sendable {
    private let lines = Mutex<[(level: Logger.Level, message: String)]>([])

    var logger: Logger {
        var logger = Logger(label: "watch-test") { _ in Handler(logs: self) }
        logger.logLevel = .trace
        return logger
    }

    func messages(_ level: Logger.Level? = nil) -> [String] {
        lines.withLock { $0.filter { level == nil || $0.level == level }.map(\.message) }
    }

    func count(containing text: String) -> Int { messages().filter { $0.contains(text) }.count }

    private struct Handler: LogHandler {
        let logs: WatchLogs
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            logs.lines.withLock { $0.append((event.level, event.message.description)) }
        }
    }
}

import Foundation
import Logging
import ServiceLifecycle
import Testing

@testable import FivetranNotifyCore

extension ListenSuites {
    /// A notice is decided once (cli.md): a digest's parts are fixed when it is first taken up, so a
    /// retry after a restart sends the parts still owed, even when the names it was formed with can no
    /// longer be looked up.
    @Suite struct FrozenDigestTests {
        /// Names as the account watch would give them: long enough that 300 of them need several Slack
        /// messages, where 300 ids fit in one.
        struct LongNames: DeliveryEnricher {
            func enrich(_ delivery: Delivery) async -> Delivery {
                var raw = delivery.raw
                let id = delivery.connectorId ?? "?"
                raw["connector_name"] = .string("warehouse_replica_\(id)_" + String(repeating: "n", count: 120))
                return Delivery(raw: raw)
            }
        }

        static func failure(_ index: Int) -> Data {
            Data(
                """
                {"event":"sync_end","created":"2026-05-22T01:12:\(String(format: "%02d", index % 60)).000Z",\
                "connector_type":"postgres","connector_id":"conn_\(index)","sync_id":"s\(index)",\
                "destination_group_id":"grp","data":{"status":"FAILURE","reason":"password authentication failed"}}
                """.utf8)
        }

        /// An API that never answers: every lookup waits far longer than a notice may.
        struct HangingNames: DeliveryEnricher {
            func enrich(_ delivery: Delivery) async -> Delivery {
                try? await Task.sleep(for: .seconds(30))
                var raw = delivery.raw
                raw["connector_name"] = .string("too_late_name")
                return Delivery(raw: raw)
            }
        }

        /// Runs one dispatcher over the store until `until` holds, then stops it as SIGTERM would.
        static func dispatch(
            store: DeliveryStore, enricher: (any DeliveryEnricher)?, logs: CapturedOutput,
            nameWait: Duration = .seconds(2), until: () async throws -> Bool
        ) async throws {
            var configuration = DispatcherConfiguration()
            configuration.pacingInterval = .milliseconds(1)
            configuration.pollInterval = .milliseconds(50)
            configuration.nameWait = nameWait
            let logger = ListenLogHandler.logger(format: .text, write: logs.output.err)
            let dispatcher = NoticeDispatcher(
                store: store, destination: SlackDestination(transport: CurlTransport(), logger: logger),
                configuration: configuration, clock: TestClock().serviceClock, logger: logger, enricher: enricher)
            let group = ServiceGroup(
                configuration: .init(services: [dispatcher], gracefulShutdownSignals: [], logger: logger))
            let task = Task { try await group.run() }
            let held = await eventually(within: .seconds(20), until)
            await group.triggerGracefulShutdown()
            _ = try? await task.value
            #expect(held)
        }

        @Test func aDigestCutShortByARestartSendsEveryPartItWasFormedWith() async throws {
            try await FakeSlack.with { slack in
                let directory = TestFiles.temporaryDirectory().appendingPathComponent("state")
                try DeliveryStore.prepare(stateDirectory: directory)
                let store = try DeliveryStore.open(stateDirectory: directory)
                for index in 0..<300 {
                    let body = Self.failure(index)
                    let delivery = try Delivery.parse(body)
                    let incoming = IncomingDelivery(
                        delivery, body: body, receivedAt: Date(), destinations: [slack.url],
                        signal: IncidentSignal.of(delivery, forwarded: ForwardedEvents(names: nil)))
                    _ = try await store.record(incoming)
                }
                // Part 1 is accepted, part 2 answered 500; then the listener stops.
                slack.script([.ok])
                slack.setDefault(.serverError)
                let logs = CapturedOutput()
                try await Self.dispatch(store: store, enricher: LongNames(), logs: logs) {
                    slack.posts.count >= 2
                }
                #expect(slack.delivered.count == 1)
                #expect(slack.delivered[0].text.contains("(part 1 of "))
                // Restarted with the API down (no names) and Slack fine.
                slack.setDefault(.ok)
                try await Self.dispatch(store: store, enricher: nil, logs: logs) {
                    try await store.counts() == QueueCounts(delivered: 1)
                }
                let said = slack.delivered.map(\.text).joined()
                let missing = (0..<300).filter { !said.contains("warehouse_replica_conn_\($0)_") }
                #expect(missing.count == 0, "never posted: \(missing.count) of 300")
                #expect(slack.delivered.count >= 2)
                await store.close()
            }
        }

        /// watch.md: a notice waits at most 2 s (here 300 ms) for all its names together, then goes
        /// with ids; the lookups of its many deliveries run together, not one after another.
        @Test func aNoticeWaitsBoundedlyForAllItsNamesTogether() async throws {
            try await FakeSlack.with { slack in
                let directory = TestFiles.temporaryDirectory().appendingPathComponent("state")
                try DeliveryStore.prepare(stateDirectory: directory)
                let store = try DeliveryStore.open(stateDirectory: directory)
                for index in 0..<20 {
                    let body = Self.failure(index)
                    let delivery = try Delivery.parse(body)
                    _ = try await store.record(
                        IncomingDelivery(
                            delivery, body: body, receivedAt: Date(), destinations: [slack.url],
                            signal: IncidentSignal.of(delivery, forwarded: ForwardedEvents(names: nil))))
                }
                let started = ContinuousClock.now
                try await Self.dispatch(
                    store: store, enricher: HangingNames(), logs: CapturedOutput(), nameWait: .milliseconds(300)
                ) { slack.delivered.count == 1 }
                #expect(ContinuousClock.now - started < .seconds(5))
                let text = slack.delivered.first?.text ?? ""
                #expect(text.contains("conn_0") && text.contains("conn_19"))
                #expect(!text.contains("too_late_name"))
                await store.close()
            }
        }
    }
}

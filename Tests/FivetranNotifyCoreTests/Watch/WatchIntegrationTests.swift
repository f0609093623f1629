import Foundation
import Logging
import Testing

@testable import FivetranNotifyCore

/// How watch findings meet deliveries in the store, and what `--dry-run` prints for each kind.
@Suite struct WatchIntegrationTests {
    static func incoming(_ body: Data, destinations: [String] = ["https://hooks.example/x"]) throws -> IncomingDelivery
    {
        let delivery = try Delivery.parse(body)
        return IncomingDelivery(
            delivery, body: body, receivedAt: Date(), destinations: destinations,
            signal: IncidentSignal.of(delivery, forwarded: ForwardedEvents(names: nil)))
    }

    static func staleFinding(connector: String) -> Data {
        Data(
            """
            {"event":"watch_connection_stale","created":"\(ISO8601Timestamp.string(from: Date()))",\
            "connector_id":"\(connector)","connector_name":"orders_pg","watch_subject":"\(connector)",\
            "data":{"title":"No successful sync for 9 h — orders_pg (syncs every 1 h)","severity":"warning",\
            "status":"stale","reason":"last success 9 h ago"}}
            """.utf8)
    }

    @Test func aSuccessfulSyncEndsTheStaleIncidentOfItsConnector() async throws {
        let store = try DeliveryStore.open(
            stateDirectory: TestFiles.temporaryDirectory(), policy: NoticePolicy(notifyResolved: true))
        _ = try await store.record(try Self.incoming(Self.staleFinding(connector: "id_orders")))
        #expect(try await store.openIncidentKeys() == ["watch_stale|id_orders"])
        // Say the alert went out, so the recovery is worth telling.
        for message in try await store.messages(state: .pending) {
            _ = try await store.claim(message.id)
            try await store.markDelivered(message.id, at: Date())
        }

        let success = Samples.syncEnd(
            connector: "orders", status: "SUCCESSFUL", created: ISO8601Timestamp.string(from: Date()))
        _ = try await store.record(try Self.incoming(success))
        #expect(try await store.openIncidentKeys().isEmpty)
        let resolved = try await store.messages(state: .pending)
        #expect(resolved.map(\.kind) == [.resolved])
        await store.close()
    }

    @Test func aSuccessfulSyncOfAnotherConnectorLeavesTheStaleIncidentOpen() async throws {
        let store = try DeliveryStore.open(stateDirectory: TestFiles.temporaryDirectory())
        _ = try await store.record(try Self.incoming(Self.staleFinding(connector: "id_orders")))
        let success = Samples.syncEnd(
            connector: "other", status: "SUCCESSFUL", created: ISO8601Timestamp.string(from: Date()))
        _ = try await store.record(try Self.incoming(success))
        #expect(try await store.openIncidentKeys() == ["watch_stale|id_orders"])
        await store.close()
    }

    @Test func dryRunPrintsEachKindOnItsOwnLineWithoutTheRoutingKey() async throws {
        let captured = CapturedOutput()
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let catalog = DestinationCatalog(
            transport: { DryRunTransport(output: captured.output, kind: $0) }, pagerDutyURL: "http://127.0.0.1:9",
            logger: logger, dryRun: true)
        let delivery = try Delivery.parse(Samples.syncEnd(connector: "pg"))
        let notice = Notice(id: 1, kind: .alert, deliveries: [delivery], createdAt: Date())
        let key = "R0UT1NGKEY0123456789abcdefABCDEF"
        let target = DestinationTarget(kind: .pagerduty, address: key, dryRun: true)
        for body in catalog.pagerDuty.render(notice, now: Date()) {
            #expect(await catalog.pagerDuty.send(body, to: target.encoded) == .delivered)
        }
        let line = try JSONDecoder().decode(JSONValue.self, from: Data(captured.stdout.utf8))
        #expect(line["dry_run"] == "pagerduty")
        #expect(line["body"]?.objectValue?["event_action"] == "trigger")
        #expect(!captured.stdout.contains(key))
    }

    @Test func aDigestNamesItsDestinationWhenTheWatchKnowsIt() throws {
        let deliveries = try (0..<6).map { index in
            var raw = try Delivery.parse(Samples.syncEnd(connector: "c\(index)")).raw
            raw["destination_name"] = "Snowflake <prod>"
            return Delivery(raw: raw)
        }
        let message = try #require(AlertRenderer.digest(deliveries, now: Date()).first)
        let body = String(decoding: message.jsonBody(), as: UTF8.self)
        #expect(body.contains("— destination Snowflake <prod> (inappropriate_implode)"))  // plain-text header
        #expect(body.contains("destination Snowflake &lt;prod&gt; `inappropriate_implode`"))  // mrkdwn, escaped
        #expect(message.text.contains("on destination Snowflake &lt;prod&gt; (inappropriate_implode)"))
    }
}

import Foundation
import Testing

@testable import FivetranNotifyCore

/// A fixture delivery, e.g. `eventFixture("sync_end_failure")`.
func eventFixture(_ name: String) throws -> Delivery {
    try Delivery.parse(TestFiles.fixture("events/\(name).json"))
}

/// Every event fixture's name.
let allEventFixtures = [
    "connection_failure", "dbt_run_failed", "sync_end_failure", "sync_end_failure_with_task",
    "sync_end_legacy_failure", "sync_end_rescheduled", "sync_end_successful", "sync_start", "test_event",
    "unknown_future_event",
]

@Suite struct DeliveryTests {
    @Test(arguments: allEventFixtures)
    func everyFixtureParses(name: String) throws {
        let delivery = try eventFixture(name)
        #expect(delivery.event != "unknown")
        #expect(delivery.created != nil)
        #expect(delivery.createdDate != nil)
        #expect(!delivery.raw.isEmpty)
    }

    @Test func readsASyncFailureWithTask() throws {
        let d = try eventFixture("sync_end_failure_with_task")
        #expect(d.event == "sync_end")
        #expect(d.created == "2026-05-22T01:12:44.102Z")
        #expect(d.connectorId == "warrant_sheep")
        #expect(d.connectorName == "salesforce_prod")
        #expect(d.connectorType == "salesforce")
        #expect(d.syncId == "2f1d4b8e-97a3-4c56-b0de-6a1c3e9f7d21")
        #expect(d.destinationGroupId == "inappropriate_implode")
        #expect(d.status == "FAILURE_WITH_TASK")
        #expect(d.reason?.hasPrefix("java.lang.RuntimeException: Unable to connect") == true)
        #expect(d.data["taskType"] == .string("reconnect_warehouse"))
        #expect(d.displayName == "salesforce_prod")
        #expect(d.subjectKey == "warrant_sheep")
        #expect(d.dbtJobId == nil)
    }

    @Test func readsTheCreatedTimeWithMilliseconds() throws {
        let d = try eventFixture("sync_end_failure_with_task")
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let expected = try #require(formatter.date(from: "2026-05-22T01:12:44.102Z"))
        let date = try #require(d.createdDate)
        #expect(abs(date.timeIntervalSince(expected)) < 0.000_5)
    }

    @Test func readsTimestampVariants() throws {
        let formatter = ISO8601DateFormatter()
        for text in ["2026-05-22T01:12:44Z", "2024-02-29T23:59:59Z", "1999-12-31T00:00:00Z"] {
            #expect(ISO8601Timestamp.date(from: text) == formatter.date(from: text), "\(text)")
        }
        let offset = ISO8601Timestamp.date(from: "2026-05-22T03:12:44.500+02:00")
        let utc = ISO8601Timestamp.date(from: "2026-05-22T01:12:44.500Z")
        #expect(offset != nil && offset == utc)
        for bad in [
            "", "yesterday", "2026-05-22", "2026-13-01T00:00:00Z", "2026-05-22T01:12:44.Z", "2026-05-22T01:12:44",
        ] {
            #expect(ISO8601Timestamp.date(from: bad) == nil, "\(bad)")
        }
    }

    @Test func legacyDeliveryHasNoNameAndNoSyncId() throws {
        let d = try eventFixture("sync_end_legacy_failure")
        #expect(d.connectorName == nil)
        #expect(d.syncId == nil)
        #expect(d.connectorId == "some_id")
        #expect(d.displayName == "some_id")
        #expect(d.reason == nil)
    }

    @Test func testEventUsesGroupIdAndHasNoSyncId() throws {
        let d = try eventFixture("test_event")
        #expect(d.event == "test_event")
        #expect(d.syncId == nil)
        #expect(d.destinationGroupId == "_destination_1")
        #expect(d.connectorId == "_connector_1")
        #expect(d.data.isEmpty)
        #expect(d.status == nil)
    }

    @Test func unknownFutureEventKeepsItsFieldsAndAcceptsConnectionAliases() throws {
        let d = try eventFixture("unknown_future_event")
        #expect(d.event == "schema_change_detected")
        #expect(d.connectorId == "brisk_otter")
        #expect(d.connectorName == "pg_orders")
        #expect(d.connectorType == "postgres")
        #expect(d.data["tables"] == .array([.string("orders")]))
        #expect(d.raw["connection_id"] == .string("brisk_otter"))
        #expect(d.raw["data"]?["tables"]?.arrayValue?.count == 1)
    }

    @Test func readsADbtFailure() throws {
        let d = try eventFixture("dbt_run_failed")
        #expect(d.dbtJobId == "cover_scale")
        #expect(d.dbtJobName == "at8_30")
        #expect(d.displayName == "at8_30")
        #expect(d.subjectKey == "cover_scale")
        #expect(d.connectorId == nil)
        #expect(d.isTransformationEvent)
        let steps = d.data["result"]?["stepResults"]?.arrayValue
        #expect(steps?.first?["success"] == .bool(false))
        #expect(steps?.first?["commandResult"]?["exitCode"] == .number(1))
    }

    @Test func readsConnectionFailureAndRescheduled() throws {
        let connection = try eventFixture("connection_failure")
        #expect(connection.reason == "Connection test failed: Incorrect username or password was specified.")
        #expect(connection.status == "FAILURE")
        let rescheduled = try eventFixture("sync_end_rescheduled")
        #expect(rescheduled.status == "RESCHEDULED")
        #expect(rescheduled.reason == "API quota exhausted")
    }

    @Test func reasonFallsBackToMessageAndFieldsAreLenient() throws {
        let d = try Delivery.parse(
            Data(#"{"data":{"message":"boom","flag":true,"n":1,"x":null},"connector_id":42}"#.utf8))
        #expect(d.event == "unknown")
        #expect(d.reason == "boom")
        #expect(d.connectorId == "42")
        #expect(d.created == nil && d.createdDate == nil)
        #expect(d.data["flag"] == .bool(true))
        #expect(d.data["n"] == .number(1))
        #expect(d.data["x"] == .null)
        #expect(d.displayName == "42")

        let nothing = try Delivery.parse(Data("{}".utf8))
        #expect(nothing.displayName == "unknown connector")
        #expect(nothing.subjectKey == "event:unknown")
        let oddData = try Delivery.parse(Data(#"{"event":"sync_end","data":[1,2]}"#.utf8))
        #expect(oddData.data.isEmpty)
        #expect(oddData.raw["data"] == .array([.number(1), .number(2)]))
    }

    @Test func rejectsBodiesThatAreNotJSONObjects() throws {
        #expect(throws: DeliveryParseError.notJSON) { try Delivery.parse(Data("not json".utf8)) }
        #expect(throws: DeliveryParseError.notJSON) { try Delivery.parse(Data()) }
        #expect(throws: DeliveryParseError.notJSON) { try Delivery.parse(Data(#"{"event":"#.utf8)) }
        #expect(throws: DeliveryParseError.notAnObject(found: "array")) {
            try Delivery.parse(Data(#"[{"event":"sync_end"}]"#.utf8))
        }
        #expect(throws: DeliveryParseError.notAnObject(found: "string")) { try Delivery.parse(Data(#""x""#.utf8)) }
        #expect(throws: DeliveryParseError.notAnObject(found: "number")) { try Delivery.parse(Data("42".utf8)) }
        #expect(DeliveryParseError.notJSON.description.contains("not JSON"))
        #expect(DeliveryParseError.notAnObject(found: "array").description.contains("array"))
    }

    @Test func jsonValueRoundTripsThroughCodable() throws {
        let d = try eventFixture("dbt_run_failed")
        let value = JSONValue.object(d.raw)
        let encoded = try JSONEncoder().encode(value)
        let decoded = try JSONDecoder().decode(JSONValue.self, from: encoded)
        #expect(decoded == value)
        #expect(try Delivery.parse(encoded) == d)
    }

    @Test func deduplicationKeyIsStableAndDistinguishesEvents() throws {
        let body = TestFiles.fixture("events/sync_end_failure.json")
        let d = try Delivery.parse(body)
        let key = DeduplicationKey.deduplicationKey(for: d, body: body)
        #expect(key == Delivery.deduplicationKey(for: try Delivery.parse(body), body: body))
        #expect(key.contains("assimilate_seem"))
        #expect(key.contains("b4703f73-6315-4e22-8d7a-3bfb18b2fed2"))
        // The same event re-serialised (different bytes) is still the same event.
        let reencoded = try JSONEncoder().encode(JSONValue.object(d.raw))
        #expect(DeduplicationKey.deduplicationKey(for: try Delivery.parse(reencoded), body: reencoded) == key)

        var keys = Set<String>()
        for name in allEventFixtures {
            let body = TestFiles.fixture("events/\(name).json")
            keys.insert(DeduplicationKey.deduplicationKey(for: try Delivery.parse(body), body: body))
        }
        #expect(keys.count == allEventFixtures.count)
    }

    @Test func deduplicationKeyFallsBackToTheBodyHash() throws {
        let dbtBody = TestFiles.fixture("events/dbt_run_failed.json")
        let dbtKey = DeduplicationKey.deduplicationKey(for: try Delivery.parse(dbtBody), body: dbtBody)
        #expect(dbtKey.count == 64)
        #expect(dbtKey.allSatisfy { $0.isHexDigit && !$0.isUppercase })
        let other = Data(#"{"event":"dbt_run_failed","data":{}}"#.utf8)
        let otherKey = DeduplicationKey.deduplicationKey(for: try Delivery.parse(other), body: other)
        #expect(otherKey != dbtKey)
        #expect(otherKey == DeduplicationKey.deduplicationKey(for: try Delivery.parse(other), body: other))
        // SHA-256 of the empty JSON object, as `printf '{}' | sha256sum` prints it.
        let empty = Data("{}".utf8)
        #expect(
            DeduplicationKey.deduplicationKey(for: try Delivery.parse(empty), body: empty)
                == "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a")
    }
}

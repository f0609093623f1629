import Foundation
import Testing

@testable import FivetranNotifyCore

/// A failed `sync_end` for a made-up connector.
private func failure(
    id: String, name: String, reason: String?, status: String = "FAILURE", group: String = "inappropriate_implode",
    at seconds: Double
) -> Delivery {
    var data: [String: JSONValue] = ["status": .string(status)]
    if let reason { data["reason"] = .string(reason) }
    // 2026-05-22T01:12:44.000Z plus `seconds` (under 45 minutes, so within the hour).
    let millis = Int((seconds * 1000).rounded()) + (12 * 60 + 44) * 1000
    let created = String(format: "2026-05-22T01:%02d:%02d.%03dZ", millis / 60_000, millis / 1000 % 60, millis % 1000)
    return Delivery(raw: [
        "event": .string("sync_end"), "created": .string(created),
        "connector_id": .string(id), "connector_name": .string(name), "connector_type": .string("postgres"),
        "destination_group_id": .string(group), "data": .object(data),
    ])
}

@Suite struct DigestTests {
    let now = ISO8601Timestamp.date(from: "2026-05-22T02:00:00Z")!

    @Test func groupsByReasonAndNamesEveryConnector() throws {
        let auth = "Unable to connect to the destination: password authentication failed"
        var deliveries = [
            failure(id: "a", name: "salesforce_prod", reason: auth, at: 0),
            failure(id: "b", name: "hubspot_marketing", reason: "API quota exhausted", status: "RESCHEDULED", at: 30),
            failure(id: "c", name: "pg_orders", reason: auth + "\n\tat stack.Frame", at: 60),
            failure(id: "d", name: "ftar_pg", reason: auth, at: 116),
        ]
        deliveries.append(failure(id: "a", name: "salesforce_prod", reason: auth, at: 100))
        let messages = AlertRenderer.digest(deliveries, now: now)
        #expect(messages.count == 1)
        let message = try #require(messages.first)
        #expect(slackLimitViolations(message) == [])
        #expect(headerText(message) == ":rotating_light: 5 failures in 1 min 56 s — destination inappropriate_implode")
        #expect(message.text == "5 Fivetran failures in 1 min 56 s on destination inappropriate_implode (2 reasons)")
        let texts = allTexts(message)
        #expect(texts.contains("*\(auth)* — 3 connectors\nsalesforce_prod (×2), pg_orders, ftar_pg"))
        #expect(texts.contains("*API quota exhausted* — 1 connector (RESCHEDULED)\nhubspot_marketing"))
        #expect(texts.contains("first 01:12:44 UTC, last 01:14:40 UTC"))
        #expect(texts.contains("<https://fivetran.com/dashboard|Open in Fivetran>"))
        // The bigger group comes first.
        let authRange = try #require(texts.range(of: auth))
        let quotaRange = try #require(texts.range(of: "API quota exhausted"))
        #expect(authRange.lowerBound < quotaRange.lowerBound)
    }

    @Test func noDeliveriesNoMessages() {
        #expect(AlertRenderer.digest([], now: now).isEmpty)
    }

    @Test func oneMessageSetPerDestination() {
        let deliveries = [
            failure(id: "a", name: "one", reason: "x", group: "g1", at: 0),
            failure(id: "b", name: "two", reason: "x", group: "g2", at: 1),
            failure(id: "c", name: "three", reason: "x", group: "g2", at: 2),
        ]
        let messages = AlertRenderer.digest(deliveries, now: now)
        #expect(messages.count == 2)
        #expect(headerText(messages[0])?.contains("destination g2") == true)
        #expect(headerText(messages[1])?.contains("destination g1") == true)
        #expect(messages.allSatisfy { slackLimitViolations($0) == [] })
    }

    @Test func mixesDbtAndConnectionFailures() throws {
        let deliveries = [
            try eventFixture("dbt_run_failed"), try eventFixture("connection_failure"),
            try eventFixture("sync_end_failure"), try eventFixture("sync_end_legacy_failure"),
        ]
        let messages = AlertRenderer.digest(deliveries, now: now)
        #expect(messages.allSatisfy { slackLimitViolations($0) == [] })
        let texts = messages.map(allTexts).joined(separator: "\n")
        for name in ["at8_30", "snowflake_finance", "ftar_pg", "some_id"] {
            #expect(texts.contains(name), "\(name)")
        }
        #expect(texts.contains("(dbt_run_failed)"))
        #expect(texts.contains("Fivetran gave no reason"))
    }

    @Test func fiveThousandFailuresNameEveryConnectorWithinLimits() {
        let reasons = [
            "Unable to connect to the destination: password authentication failed",
            "API quota exhausted",
            String(repeating: "Very long reason <!channel> ", count: 200),
        ]
        var deliveries: [Delivery] = []
        for index in 0..<5000 {
            let reason: String = index % 7 == 0 ? reasons[2] : reasons[index % 2]
            let status: String = index % 2 == 1 ? "RESCHEDULED" : "FAILURE"
            let group: String = index % 10 == 0 ? "other_group" : "main_group"
            deliveries.append(
                failure(
                    id: "connector_\(index)", name: "connector_name_\(index)_ü", reason: reason, status: status,
                    group: group, at: Double(index) / 10))
        }
        let messages = AlertRenderer.digest(deliveries, now: now)
        #expect(messages.count > 2)
        var named = [String]()
        for message in messages {
            let problems: [String] = slackLimitViolations(message)
            #expect(problems.isEmpty, "\(message.text): \(problems)")
            #expect(!message.text.isEmpty)
            named.append(allTexts(message))
        }
        let everything = named.joined(separator: "\n")
        // Each name is followed by a separator, so connector_name_1 does not match connector_name_10.
        let listed = Set(
            everything.split(whereSeparator: { $0 == "," || $0 == "\n" || $0 == " " }).map(String.init)
                .filter { $0.hasPrefix("connector_name_") })
        let missing = (0..<5000).filter { !listed.contains("connector_name_\($0)_ü") }
        #expect(missing.isEmpty, "not named: \(missing.prefix(20))")
        #expect(!everything.contains("<!channel>"))
        #expect(messages.contains { ($0.text).contains("part 2 of") })
        #expect(!everything.contains("more connectors"))
    }
}

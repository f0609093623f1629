import FivetranNotifyCore
import Foundation
import Logging
import SnapshotTesting
import Testing

/// What people see, pinned: the payload every destination sends for each kind of notice, stored as
/// reviewed golden files (`__Snapshots__`), and the facts every destination must say alike.
/// `SNAPSHOT_TESTING_RECORD=all swift test --filter GoldenPayloadTests` records them again after a
/// deliberate change (review the diff by eye).
@Suite struct GoldenPayloadTests {
    /// When every notice is rendered: a fixed time, so relative times ("3 min ago") are stable.
    static let now = Date(timeIntervalSince1970: 1_779_410_000)  // 2026-05-22T00:33:20Z

    static func delivery(_ json: String) -> Delivery {
        // The fixtures are valid JSON; a failure here is a broken test, not a product behaviour.
        (try? Delivery.parse(Data(json.utf8))) ?? Delivery(raw: [:])
    }

    static let failure = delivery(
        #"{"event":"sync_end","created":"2026-05-22T00:06:08.638Z","connector_type":"google_cloud_postgresql","#
            + #""connector_id":"assimilate_seem","connector_name":"ftar_pg","sync_id":"b4703f73","#
            + #""destination_group_id":"inappropriate_implode","#
            + #""data":{"status":"FAILURE_WITH_TASK","reason":"password authentication failed for user fivetran"}}"#)
    static let success = delivery(
        #"{"event":"sync_end","created":"2026-05-22T00:31:02.913Z","connector_type":"google_cloud_postgresql","#
            + #""connector_id":"assimilate_seem","connector_name":"ftar_pg","sync_id":"0c7a0e52","#
            + #""destination_group_id":"inappropriate_implode","data":{"status":"SUCCESSFUL"}}"#)
    static func stormMember(_ index: Int) -> Delivery {
        delivery(
            #"{"event":"sync_end","created":"2026-05-22T00:2\#(index):00.000Z","connector_type":"postgres","#
                + #""connector_id":"storm_\#(index)","connector_name":"orders_pg_\#(index)","sync_id":"s\#(index)","#
                + #""destination_group_id":"inappropriate_implode","#
                + #""data":{"status":"FAILURE","reason":"password authentication failed for user fivetran"}}"#)
    }

    /// One notice of each kind, as the outbox would hold it.
    static let notices: [String: Notice] = [
        "alert": Notice(id: 101, kind: .alert, deliveries: [failure], createdAt: now),
        "reminder": Notice(
            id: 102, kind: .reminder, deliveries: [failure], failures: 7,
            since: now.addingTimeInterval(-4 * 3600), createdAt: now),
        "resolved": Notice(
            id: 103, kind: .resolved, deliveries: [success], failures: 9,
            since: now.addingTimeInterval(-27 * 60), createdAt: now),
        "digest": Notice(id: 104, kind: .digest, deliveries: (0..<6).map(stormMember), createdAt: now),
        "watch reminder": Notice(
            id: 105, kind: .reminder, deliveries: [watchFinding], failures: 3,
            since: now.addingTimeInterval(-3600), createdAt: now),
    ]

    /// An account-watch finding as the watch submits it: a connection found broken.
    static let watchFinding = delivery(
        #"{"event":"watch_connection_broken","created":"2026-05-22T00:30:00.000Z","connector_id":"assimilate_seem","#
            + #""connector_name":"ftar_pg","data":{"title":"Connector broken — ftar_pg","#
            + #""watch_subject":"assimilate_seem","severity":"failure"}}"#)

    static let destinations: [any NoticeDestination] = {
        var logger = Logger(label: "golden")
        logger.logLevel = .critical
        return DestinationCatalog(
            transport: { _ in CurlTransport() }, pagerDutyURL: "http://127.0.0.1:9", logger: logger
        ).all
    }()

    /// The bodies as reviewable text: each part as sorted, indented JSON, parts separated.
    static func text(_ bodies: [Data]) -> String {
        bodies.map { body in
            guard let object = try? JSONSerialization.jsonObject(with: body),
                let pretty = try? JSONSerialization.data(
                    withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
            else { return String(decoding: body, as: UTF8.self) }
            return String(decoding: pretty, as: UTF8.self)
        }.joined(separator: "\n--- next part ---\n") + "\n"
    }

    @Test(arguments: ["alert", "reminder", "resolved", "digest"])
    func eachDestinationSaysWhatWasReviewed(kind: String) throws {
        let notice = try #require(Self.notices[kind])
        for destination in Self.destinations {
            let bodies = destination.render(notice, now: Self.now)
            assertSnapshot(of: Self.text(bodies), as: .lines, named: "\(kind).\(destination.name)")
        }
    }

    /// Every destination that takes a notice says the same facts about it: the connector's name,
    /// the reason, and the counts.
    @Test func everyDestinationSaysTheSameFacts() throws {
        let facts: [String: [String]] = [
            "alert": ["ftar_pg", "password authentication failed for user fivetran"],
            "reminder": ["ftar_pg", "7 more failures"],
            "resolved": ["ftar_pg", "9 failed syncs"],
            "digest": (0..<6).map { "orders_pg_\($0)" } + ["password authentication failed for user fivetran"],
            // A watch finding is named by its title, and its repeats are sweeps, in every destination.
            "watch reminder": ["Connector broken — ftar_pg", "3 more sweeps"],
        ]
        for (kind, said) in facts {
            let notice = try #require(Self.notices[kind])
            for destination in Self.destinations {
                // Markdown escapes (Teams writes ftar\_pg) are layout, not facts.
                let text = Self.text(destination.render(notice, now: Self.now))
                    .replacingOccurrences(of: "\\\\", with: "")
                // A destination may take no notice of a kind (PagerDuty takes no reminders or digests).
                if text == "\n" { continue }
                // PagerDuty's resolve names its incident by key alone (Events API v2).
                if text.contains(#""event_action" : "resolve""#) {
                    #expect(text.contains("sync|assimilate_seem"), "\(destination.name) resolves another incident")
                    continue
                }
                for fact in said {
                    #expect(text.contains(fact), "\(destination.name) \(kind) does not say \(fact)")
                }
            }
        }
    }
}

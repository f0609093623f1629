import Foundation
import Logging
import Testing

@testable import FivetranNotifyCore

/// PagerDuty's Events API v2: the events rendered for each kind of notice, and what one send makes of
/// each answer of a fake PagerDuty over real HTTP, through the real curl transport.
@Suite struct PagerDutyDestinationTests {
    static let routingKey = "R0UT1NGKEY0000000000000000SECRET"
    static let target = DestinationTarget(kind: .pagerduty, address: routingKey).encoded
    /// 2026-05-22 01:15:00 UTC: when the notices were decided.
    static let decided = Date(timeIntervalSince1970: 1_779_412_500)

    static func destination(baseURL: String = "http://127.0.0.1:1", dryRun: Bool = false) -> PagerDutyDestination {
        PagerDutyDestination(
            transport: CurlTransport(), baseURL: baseURL,
            logger: Logger(label: "pagerduty-test") { _ in SwiftLogNoOpLogHandler() }, requestTimeout: .seconds(5),
            dryRun: dryRun)
    }

    static func delivery(_ json: String) throws -> Delivery {
        try Delivery.parse(Data(json.utf8))
    }

    static func syncFailure(status: String = "FAILURE_WITH_TASK", reason: String = "password authentication failed")
        throws -> Delivery
    {
        try delivery(
            """
            {"event":"sync_end","created":"2026-05-22T01:12:44.000Z","connector_type":"salesforce",\
            "connector_id":"warrant_sheep","connector_name":"salesforce_prod","sync_id":"2f1d4b8e-1",\
            "destination_group_id":"inappropriate_implode","data":{"status":"\(status)","reason":"\(reason)"}}
            """)
    }

    static func notice(_ kind: NoticeKind, _ deliveries: [Delivery], failures: Int? = nil, since: Date? = nil)
        -> Notice
    {
        Notice(id: 7, kind: kind, deliveries: deliveries, failures: failures, since: since, createdAt: decided)
    }

    /// The one event a notice renders to, as JSON.
    static func event(_ notice: Notice) throws -> [String: JSONValue] {
        let bodies = destination().render(notice, now: decided)
        try #require(bodies.count == 1)
        return try #require(try JSONDecoder().decode(JSONValue.self, from: bodies[0]).objectValue)
    }

    // MARK: - Rendering

    @Test func aFailureTriggersAnAlertKeyedByItsIncident() throws {
        let event = try Self.event(Self.notice(.alert, [try Self.syncFailure()], failures: 3))
        #expect(event["event_action"] == "trigger")
        #expect(event["dedup_key"] == "fivetran-notify/sync|warrant_sheep")
        #expect(event["client"] == "fivetran-notify")
        #expect(event["routing_key"] == nil)
        #expect(
            event["links"]
                == [
                    [
                        "href": "https://fivetran.com/dashboard/connectors/warrant_sheep/status",
                        "text": "Open in Fivetran",
                    ]
                ])
        let payload = try #require(event["payload"]?.objectValue)
        #expect(
            payload["summary"]
                == "Sync failed: salesforce_prod (salesforce) — FAILURE_WITH_TASK: password authentication failed")
        #expect(payload["source"] == "warrant_sheep")
        #expect(payload["severity"] == "error")
        #expect(payload["component"] == "salesforce")
        #expect(payload["group"] == "inappropriate_implode")
        #expect(payload["class"] == "sync_end")
        #expect(payload["timestamp"] == "2026-05-22T01:12:44.000Z")
        let details = try #require(payload["custom_details"]?.objectValue)
        #expect(details["status"] == "FAILURE_WITH_TASK")
        #expect(details["reason"] == "password authentication failed")
        #expect(details["sync_id"] == "2f1d4b8e-1")
        #expect(details["failures"] == .number(3))
        #expect(details["connector"] == "salesforce_prod (warrant_sheep)")
    }

    @Test func rescheduledAndCanceledSyncsAreWarnings() throws {
        for status in ["RESCHEDULED", "CANCELED"] {
            let event = try Self.event(Self.notice(.alert, [try Self.syncFailure(status: status)]))
            #expect(event["payload"]?["severity"] == "warning")
        }
        let dbt = try Self.delivery(String(decoding: TestFiles.fixture("events/dbt_run_failed.json"), as: UTF8.self))
        let event = try Self.event(Self.notice(.alert, [dbt]))
        #expect(event["payload"]?["severity"] == "error")
        #expect(event["dedup_key"] == "fivetran-notify/transformation|cover_scale")
        #expect(event["payload"]?["source"] == "cover_scale")
        #expect(
            event["links"]?.arrayValue?.first?["href"]
                == "https://fivetran.com/dashboard/dbt-transformations?groupId=inappropriate_implode")
        let reason = try #require(event["payload"]?["custom_details"]?["reason"]?.stringValue)
        #expect(reason.contains("relation \"raw.shop.orders\" does not exist"))
    }

    @Test func aDeliveryWithoutCreatedIsStampedWithTheTimeReceived() throws {
        let d = try Self.delivery(#"{"event":"connection_failure","connector_id":"abc","data":{"status":"x"}}"#)
        let event = try Self.event(Self.notice(.alert, [d]))
        #expect(event["payload"]?["timestamp"] == "2026-05-22T01:15:00.000Z")
        #expect(event["payload"]?["summary"] == "Connection test failed: abc — x")
        #expect(event["payload"]?["component"] == nil)
    }

    @Test func aHugeReasonIsClampedVisiblyEverywhere() throws {
        let reason = String(repeating: "x", count: 100_000)
        let bodies = Self.destination().render(
            Self.notice(.alert, [try Self.syncFailure(reason: reason)]), now: Self.decided)
        try #require(bodies.count == 1)
        #expect(bodies[0].count < 16_000)
        let event = try #require(try JSONDecoder().decode(JSONValue.self, from: bodies[0]).objectValue)
        let summary = try #require(event["payload"]?["summary"]?.stringValue)
        #expect(summary.utf16.count <= 1024)
        #expect(summary.hasPrefix("Sync failed: salesforce_prod (salesforce) — FAILURE_WITH_TASK: xxx"))
        let dropped =
            100_000
            - (summary.count - "Sync failed: salesforce_prod (salesforce) — FAILURE_WITH_TASK: ".count
                - "… (NNNNN more characters)".count)
        #expect(summary.hasSuffix("… (\(dropped) more characters)"))
        let details = try #require(event["payload"]?["custom_details"]?["reason"]?.stringValue)
        #expect(details.utf16.count <= 4096)
        #expect(details.hasSuffix("more characters)"))
    }

    @Test func aRecoveryResolvesTheSameAlert() throws {
        let failure = try Self.event(Self.notice(.alert, [try Self.syncFailure()]))
        let success = try Self.syncFailure(status: "SUCCESSFUL")
        let resolve = try Self.event(Self.notice(.resolved, [success], failures: 4, since: Self.decided))
        #expect(resolve["event_action"] == "resolve")
        #expect(resolve["dedup_key"] == failure["dedup_key"])
        #expect(resolve["routing_key"] == nil)
        #expect(resolve["payload"] == nil)
    }

    @Test func remindersAndDigestsSendNothing() throws {
        let failure = try Self.syncFailure()
        let destination = Self.destination()
        #expect(
            destination.render(Self.notice(.reminder, [failure], failures: 9, since: Self.decided), now: Self.decided)
                .isEmpty)
        #expect(destination.render(Self.notice(.digest, [failure, failure]), now: Self.decided).isEmpty)
    }

    @Test func anAccountWatchFindingTriggersFromItsTitleAndResolvesWhenCleared() throws {
        let broken = try Self.delivery(
            """
            {"event":"watch_connection_broken","connector_id":"warrant_sheep","connector_name":"salesforce_prod",\
            "data":{"title":"Connector broken — salesforce_prod","reason":"Reconnect your warehouse: password expired",\
            "severity":"warning","fix":"open the connector setup"}}
            """)
        let trigger = try Self.event(Self.notice(.alert, [broken]))
        #expect(
            trigger["payload"]?["summary"]
                == "Connector broken — salesforce_prod: Reconnect your warehouse: password expired")
        #expect(trigger["payload"]?["severity"] == "warning")
        #expect(trigger["payload"]?["custom_details"]?["fix"] == "open the connector setup")
        let cleared = try Self.delivery(
            #"{"event":"watch_connection_broken_cleared","connector_id":"warrant_sheep","data":{"title":"Connector fixed"}}"#
        )
        let resolve = try Self.event(Self.notice(.resolved, [cleared]))
        #expect(resolve["event_action"] == "resolve")
        #expect(trigger["dedup_key"] == "fivetran-notify/watch_broken|warrant_sheep")
        #expect(resolve["dedup_key"] == trigger["dedup_key"])
    }

    @Test func theInactiveWebhookFindingResolvesByItsWatchSubject() throws {
        let subject = #""watch_subject":"webhook:https://alerts.example.com/fivetran""#
        let inactive = try Self.delivery(
            """
            {"event":"watch_webhook_inactive",\(subject),"data":{"title":"Fivetran is not sending alerts here",\
            "reason":"webhook wh_1 is inactive","severity":"failure","fix":"fivetran-notify webhook update wh_1 --active"}}
            """)
        let trigger = try Self.event(Self.notice(.alert, [inactive]))
        #expect(trigger["dedup_key"] == "fivetran-notify/watch_webhook|webhook:https://alerts.example.com/fivetran")
        #expect(trigger["payload"]?["source"] == "webhook:https://alerts.example.com/fivetran")
        #expect(trigger["payload"]?["severity"] == "error")
        let cleared = try Self.delivery(
            #"{"event":"watch_webhook_inactive_cleared",\#(subject),"data":{"title":"Webhook active again"}}"#)
        #expect(try Self.event(Self.notice(.resolved, [cleared]))["dedup_key"] == trigger["dedup_key"])
    }

    @Test func handlesOnlyItsOwnTargetsAndNeverShowsTheKey() {
        let live = Self.destination()
        let dry = Self.destination(dryRun: true)
        let dryTarget = DestinationTarget(kind: .pagerduty, address: Self.routingKey, dryRun: true).encoded
        #expect(live.handles(Self.target))
        #expect(!live.handles(dryTarget))
        #expect(dry.handles(dryTarget))
        #expect(!dry.handles(Self.target))
        #expect(!live.handles("https://hooks.slack.com/services/T/B/x"))
        #expect(!live.handles(DestinationTarget(kind: .forward, address: "https://example.com").encoded))
        #expect(live.redacted(Self.target) == "pagerduty routing key …CRET")
        #expect(live.name == "pagerduty")
        #expect(live.displayName == "PagerDuty")
    }

    // MARK: - Sending

    @Test func sendingAddsTheRoutingKeyAndPostsToEnqueue() async throws {
        try await FakePagerDuty.with { pagerDuty in
            let destination = Self.destination(baseURL: pagerDuty.baseURL + "/")
            let body = try #require(
                destination.render(Self.notice(.alert, [try Self.syncFailure()]), now: Self.decided).first)
            #expect(!String(decoding: body, as: UTF8.self).contains(Self.routingKey))
            #expect(await destination.send(body, to: Self.target) == .delivered)
            let post = try #require(pagerDuty.posts.first)
            #expect(post.path == "/v2/enqueue")
            #expect(post.headers["content-type"] == "application/json")
            #expect(post.json["routing_key"] == .string(Self.routingKey))
            var rest = post.json
            rest["routing_key"] = nil
            #expect(rest == (try JSONDecoder().decode(JSONValue.self, from: body)).objectValue)
        }
    }

    @Test func aDryRunPostsTheKeyRedacted() async throws {
        try await FakePagerDuty.with { pagerDuty in
            let destination = Self.destination(baseURL: pagerDuty.baseURL, dryRun: true)
            let dryTarget = DestinationTarget(kind: .pagerduty, address: Self.routingKey, dryRun: true).encoded
            let body = try #require(
                destination.render(Self.notice(.alert, [try Self.syncFailure()]), now: Self.decided).first)
            #expect(await destination.send(body, to: dryTarget) == .delivered)
            #expect(pagerDuty.posts.first?.json["routing_key"] == "…CRET")
            let posted = String(decoding: pagerDuty.posts.first?.body ?? Data(), as: UTF8.self)
            #expect(!posted.contains(Self.routingKey))
        }
    }

    @Test func anInvalidEventIsRefusedForGood() async throws {
        try await FakePagerDuty.with { pagerDuty in
            pagerDuty.script([.invalidEvent])
            let destination = Self.destination(baseURL: pagerDuty.baseURL)
            let outcome = await destination.send(Data(#"{"event_action":"trigger"}"#.utf8), to: Self.target)
            #expect(
                outcome == .permanent(status: 400, reason: "HTTP 400 Event object is invalid: 'summary' is missing"))
        }
    }

    @Test func rateLimitsWaitForRetryAfterWhenGiven() async throws {
        try await FakePagerDuty.with { pagerDuty in
            pagerDuty.script([.rateLimited(retryAfter: "7"), .rateLimited()])
            let destination = Self.destination(baseURL: pagerDuty.baseURL)
            let body = Data(#"{"event_action":"resolve","dedup_key":"fivetran-notify/sync|a"}"#.utf8)
            #expect(await destination.send(body, to: Self.target) == .rateLimited(retryAfter: .seconds(7)))
            // No hint: the dispatcher applies its own growing wait.
            #expect(await destination.send(body, to: Self.target) == .rateLimited(retryAfter: nil))
            #expect(pagerDuty.posts.map(\.status) == [429, 429])
        }
    }

    @Test func serverErrorsAreRetriedThenDelivered() async throws {
        try await FakePagerDuty.with { pagerDuty in
            pagerDuty.script([.serverError])
            let destination = Self.destination(baseURL: pagerDuty.baseURL)
            let body = Data(#"{"event_action":"resolve","dedup_key":"fivetran-notify/sync|a"}"#.utf8)
            #expect(await destination.send(body, to: Self.target) == .transient(reason: "HTTP 500 internal error"))
            #expect(await destination.send(body, to: Self.target) == .delivered)
            #expect(pagerDuty.posts.map(\.status) == [500, 202])
            #expect(pagerDuty.posts.map(\.body) == [pagerDuty.posts[0].body, pagerDuty.posts[0].body])
        }
    }

    @Test func otherAnswersReadAsDocumented() async throws {
        try await FakePagerDuty.with { pagerDuty in
            pagerDuty.script([
                .init(status: 408, body: ""), .init(status: 425, body: ""), .init(status: 403, body: "forbidden"),
                .init(status: 503, body: ""),
            ])
            let destination = Self.destination(baseURL: pagerDuty.baseURL)
            let body = Data(#"{"event_action":"resolve","dedup_key":"k"}"#.utf8)
            #expect(await destination.send(body, to: Self.target) == .transient(reason: "HTTP 408"))
            #expect(await destination.send(body, to: Self.target) == .transient(reason: "HTTP 425"))
            #expect(
                await destination.send(body, to: Self.target) == .permanent(status: 403, reason: "HTTP 403 forbidden"))
            #expect(await destination.send(body, to: Self.target) == .transient(reason: "HTTP 503"))
        }
    }

    @Test func anUnreachablePagerDutyIsRetried() async throws {
        // Port 1 on loopback: nothing listens, the connection is refused.
        let outcome = await Self.destination(baseURL: "http://127.0.0.1:1").send(
            Data(#"{"event_action":"resolve","dedup_key":"k"}"#.utf8), to: Self.target)
        guard case .transient(let reason) = outcome else {
            Issue.record("expected a transient failure, got \(outcome)")
            return
        }
        #expect(reason.contains("127.0.0.1"))
        #expect(!reason.contains(Self.routingKey))
    }
}

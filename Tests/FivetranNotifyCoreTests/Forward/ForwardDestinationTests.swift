import Foundation
import Logging
import Synchronization
import Testing

@testable import FivetranNotifyCore

/// The forward destination: the documented JSON per kind of notice, Standard Webhooks signatures, and
/// what one send makes of each answer of a fake receiver over real HTTP, through the real curl
/// transport.
@Suite struct ForwardDestinationTests {
    /// 2026-05-22 01:15:00 UTC: when the notices were decided.
    static let decided = Date(timeIntervalSince1970: 1_779_412_500)
    static let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

    /// A clock that moves on by `step` seconds on each reading.
    final class SteppingClock: Sendable {
        private let seconds: Mutex<TimeInterval>
        let step: TimeInterval
        init(start: Date, step: TimeInterval) {
            seconds = Mutex(start.timeIntervalSince1970)
            self.step = step
        }
        func now() -> Date {
            seconds.withLock { value in
                defer { value += step }
                return Date(timeIntervalSince1970: value)
            }
        }
    }

    static func destination(clock: @escaping @Sendable () -> Date = { decided }) -> ForwardDestination {
        ForwardDestination(
            transport: CurlTransport(), logger: Logger(label: "forward-test") { _ in SwiftLogNoOpLogHandler() },
            requestTimeout: .seconds(30), clock: clock)
    }

    static func delivery(_ json: String) throws -> Delivery {
        try Delivery.parse(Data(json.utf8))
    }

    static func syncEnd(
        connector: String = "warrant_sheep", name: String = "salesforce_prod", status: String = "FAILURE",
        reason: String? = "password authentication failed", created: String = "2026-05-22T01:12:44.000Z"
    ) throws -> Delivery {
        let reasonField = reason.map { #","reason":"\#($0)""# } ?? ""
        return try delivery(
            """
            {"event":"sync_end","created":"\(created)","connector_type":"salesforce",\
            "connector_id":"\(connector)","connector_name":"\(name)","sync_id":"2f1d4b8e-1",\
            "destination_group_id":"inappropriate_implode","destination_name":"Snowflake prod",\
            "data":{"status":"\(status)"\(reasonField)},"future_field":{"kept":true}}
            """)
    }

    static func notice(
        _ kind: NoticeKind, _ deliveries: [Delivery], id: Int64 = 42, failures: Int? = nil, since: Date? = nil
    ) -> Notice {
        Notice(id: id, kind: kind, deliveries: deliveries, failures: failures, since: since, createdAt: decided)
    }

    static func json(_ notice: Notice) throws -> [String: JSONValue] {
        let bodies = destination().render(notice, now: decided)
        try #require(bodies.count == 1)
        return try #require(try JSONDecoder().decode(JSONValue.self, from: bodies[0]).objectValue)
    }

    // MARK: - The JSON

    @Test func aFailureCarriesTheDocumentedFields() throws {
        let d = try Self.syncEnd()
        let object = try Self.json(Self.notice(.alert, [d]))
        #expect(object["version"] == .number(1))
        #expect(object["id"] == "ntc_1779412500000_42")
        #expect(object["type"] == "failure")
        #expect(object["incident_key"] == "sync|warrant_sheep")
        #expect(object["event"] == "sync_end")
        #expect(object["status"] == "FAILURE")
        #expect(object["severity"] == "failure")
        #expect(object["reason"] == "password authentication failed")
        #expect(object["connector"] == ["id": "warrant_sheep", "name": "salesforce_prod", "type": "salesforce"])
        #expect(object["destination_group_id"] == "inappropriate_implode")
        #expect(object["destination_name"] == "Snowflake prod")
        #expect(object["created"] == "2026-05-22T01:12:44.000Z")
        #expect(object["dashboard_url"] == "https://fivetran.com/dashboard/connectors/warrant_sheep/status")
        #expect(object["text"] == "Sync failed: salesforce_prod (salesforce) — FAILURE: password authentication failed")
        #expect(object["delivery"] == .object(d.raw))
        #expect(object["delivery"]?["future_field"] == ["kept": true])
        // What does not apply is left out.
        for absent in ["dbt_job", "failures", "failing_since", "incidents"] { #expect(object[absent] == nil) }
    }

    @Test func aLongReasonIsCutVisiblyInTheTextAndKeptWholeInTheReason() throws {
        let reason = String(repeating: "relation does not exist; ", count: 40)
        let object = try Self.json(Self.notice(.alert, [try Self.syncEnd(reason: reason)]))
        let text = try #require(object["text"]?.stringValue)
        #expect(text.count <= ForwardText.limit)
        #expect(text.hasPrefix("Sync failed: salesforce_prod (salesforce) — FAILURE: relation does not exist"))
        #expect(text.hasSuffix("more characters)"))
        #expect(object["reason"] == .string(reason))
    }

    @Test func aDbtFailureNamesItsJob() throws {
        let dbt = try Delivery.parse(TestFiles.fixture("events/dbt_run_failed.json"))
        let object = try Self.json(Self.notice(.alert, [dbt]))
        #expect(object["dbt_job"] == ["id": "cover_scale", "name": "at8_30"])
        #expect(object["connector"] == nil)
        #expect(object["incident_key"] == "transformation|cover_scale")
        #expect(
            object["dashboard_url"]
                == "https://fivetran.com/dashboard/dbt-transformations?groupId=inappropriate_implode")
        #expect(object["text"] == "dbt run failed: at8_30 on inappropriate_implode — Steps: successful 0, failed 1")
    }

    @Test func aRecoveryCarriesTheSameIncidentKeyAndHowLongItFailed() throws {
        let failure = try Self.json(Self.notice(.alert, [try Self.syncEnd()]))
        let success = try Self.syncEnd(status: "SUCCESSFUL", reason: nil, created: "2026-05-22T03:25:44.000Z")
        let since = try #require(ISO8601Timestamp.date(from: "2026-05-22T01:12:44.000Z"))
        let object = try Self.json(Self.notice(.resolved, [success], id: 43, failures: 4, since: since))
        #expect(object["type"] == "resolved")
        #expect(object["id"] == "ntc_1779412500000_43")
        #expect(object["incident_key"] == failure["incident_key"])
        #expect(object["status"] == "SUCCESSFUL")
        #expect(object["failures"] == .number(4))
        #expect(object["failing_since"] == "2026-05-22T01:12:44.000Z")
        #expect(object["text"] == "Recovered — salesforce_prod, after 2 h 13 min (4 failed syncs)")
        #expect(object["reason"] == nil)
        #expect(object["severity"] == nil)
    }

    @Test func aReminderSaysHowManyMoreFailures() throws {
        let since = try #require(ISO8601Timestamp.date(from: "2026-05-22T01:12:44.000Z"))
        let object = try Self.json(Self.notice(.reminder, [try Self.syncEnd()], failures: 9, since: since))
        #expect(object["type"] == "reminder")
        #expect(object["incident_key"] == "sync|warrant_sheep")
        #expect(object["failures"] == .number(9))
        #expect(object["last_notice_at"] == "2026-05-22T01:12:44.000Z")
        #expect(object["text"] == "Still failing — salesforce_prod: 9 more failures since 01:12 UTC (same reason)")
    }

    @Test func aDigestListsEveryIncident() throws {
        let deliveries = [
            try Self.syncEnd(connector: "a_id", name: "a", created: "2026-05-22T01:12:44.000Z"),
            try Self.syncEnd(connector: "b_id", name: "b", created: "2026-05-22T01:13:44.000Z"),
            try Self.syncEnd(connector: "c_id", name: "c", reason: "quota", created: "2026-05-22T01:14:44.000Z"),
        ]
        let object = try Self.json(Self.notice(.digest, deliveries))
        #expect(object["type"] == "digest")
        #expect(object["incident_key"] == nil)
        #expect(object["delivery"] == nil)
        #expect(object["failures"] == .number(3))
        #expect(object["destination_group_id"] == "inappropriate_implode")
        #expect(object["text"] == "3 Fivetran failures in 2 min on destination inappropriate_implode (2 reasons)")
        let incidents = try #require(object["incidents"]?.arrayValue)
        #expect(incidents.map { $0["incident_key"] } == ["sync|a_id", "sync|b_id", "sync|c_id"])
        #expect(incidents.map { $0["connector"]?["name"] } == ["a", "b", "c"])
        #expect(incidents[2]["reason"] == "quota")
        #expect(incidents[0]["delivery"] == .object(deliveries[0].raw))
        #expect(incidents[0]["dashboard_url"] == "https://fivetran.com/dashboard/connectors/a_id/status")
    }

    @Test func anAccountWatchFindingIsForwardedWithItsTitleAndFix() throws {
        let broken = try Self.delivery(
            """
            {"event":"watch_connection_broken","connector_id":"warrant_sheep","connector_name":"salesforce_prod",\
            "data":{"title":"Connector broken — salesforce_prod","reason":"Reconnect your warehouse",\
            "severity":"failure","fix":"fivetran-notify status"}}
            """)
        let object = try Self.json(Self.notice(.alert, [broken]))
        #expect(object["title"] == "Connector broken — salesforce_prod")
        #expect(object["fix"] == "fivetran-notify status")
        #expect(object["severity"] == "failure")
        #expect(object["text"] == "Connector broken — salesforce_prod: Reconnect your warehouse")
        #expect(object["incident_key"] == "watch_broken|warrant_sheep")
        let cleared = try Self.delivery(
            #"{"event":"watch_connection_broken_cleared","connector_id":"warrant_sheep","connector_name":"salesforce_prod"}"#
        )
        let resolved = try Self.json(Self.notice(.resolved, [cleared], since: Self.decided.addingTimeInterval(-3600)))
        #expect(resolved["incident_key"] == object["incident_key"])
        #expect(resolved["text"] == "Recovered — salesforce_prod, after 1 h")
    }

    @Test func theInactiveWebhookFindingKeepsOneIncidentKey() throws {
        let subject = #""watch_subject":"webhook:https://alerts.example.com/fivetran""#
        let inactive = try Self.delivery(
            #"{"event":"watch_webhook_inactive",\#(subject),"data":{"title":"Fivetran is not sending alerts here"}}"#)
        let cleared = try Self.delivery(
            #"{"event":"watch_webhook_inactive_cleared",\#(subject),"data":{"title":"Webhook active again"}}"#)
        let raised = try Self.json(Self.notice(.alert, [inactive]))
        let resolved = try Self.json(Self.notice(.resolved, [cleared], since: Self.decided.addingTimeInterval(-7980)))
        #expect(raised["incident_key"] == "watch_webhook|webhook:https://alerts.example.com/fivetran")
        #expect(resolved["incident_key"] == raised["incident_key"])
        #expect(resolved["text"] == "Webhook active again, after 2 h 13 min")
    }

    @Test func renderingIsDeterministic() throws {
        let notice = Self.notice(.alert, [try Self.syncEnd()])
        let destination = Self.destination()
        #expect(destination.render(notice, now: Self.decided) == destination.render(notice, now: Self.decided))
        var other = notice
        other.id = 43
        #expect(ForwardNotice.id(of: other) != ForwardNotice.id(of: notice))
    }

    // MARK: - Signatures

    @Test func signaturesMatchTheStandardWebhooksVector() throws {
        let body = Data(#"{"test": 2432232314}"#.utf8)
        let id = "msg_p5jXN8AQM9LWM0D4loKWxJek"
        let signature = try StandardWebhookSignature.sign(
            id: id, timestamp: 1_614_265_330, body: body, secret: Self.secret)
        #expect(signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        let then = Date(timeIntervalSince1970: 1_614_265_330)
        #expect(
            StandardWebhookSignature.verify(
                id: id, timestamp: "1614265330", signature: "v1,bm90IGl0 " + signature, body: body, secret: Self.secret,
                now: then))
        // Another body, another id, a stale timestamp or another secret do not verify.
        #expect(
            !StandardWebhookSignature.verify(
                id: id, timestamp: "1614265330", signature: signature, body: Data(#"{"test": 1}"#.utf8),
                secret: Self.secret, now: then))
        #expect(
            !StandardWebhookSignature.verify(
                id: "msg_other", timestamp: "1614265330", signature: signature, body: body, secret: Self.secret,
                now: then))
        #expect(
            !StandardWebhookSignature.verify(
                id: id, timestamp: "1614265330", signature: signature, body: body, secret: Self.secret,
                now: then.addingTimeInterval(301)))
        #expect(
            !StandardWebhookSignature.verify(
                id: id, timestamp: "1614265330", signature: signature, body: body, secret: "whsec_AAAA", now: then))
    }

    @Test func aPlainSecretIsUsedAsItsBytes() throws {
        // Python: base64(hmac.new(b"plain-secret", b"msg_p5jXN8AQM9LWM0D4loKWxJek.1614265330.{\"test\": 2432232314}", sha256))
        let signature = try StandardWebhookSignature.sign(
            id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330, body: Data(#"{"test": 2432232314}"#.utf8),
            secret: "plain-secret")
        #expect(signature == "v1,3Iu+JbC8cHey9rJURLZfxQoX30vMfLebm9Kn1ePn6f4=")
        #expect(throws: StandardWebhookSignature.InvalidSecret.self) {
            try StandardWebhookSignature.sign(id: "x", timestamp: 1, body: Data(), secret: "whsec_not base64!")
        }
    }

    // MARK: - Sending

    @Test func postsTheJSONSignedWithStandardWebhooksHeaders() async throws {
        try await FakeReceiver.with { receiver in
            let destination = Self.destination()
            let target = DestinationTarget(kind: .forward, address: receiver.url, secret: Self.secret).encoded
            let body = try #require(
                destination.render(Self.notice(.alert, [try Self.syncEnd()]), now: Self.decided).first)
            #expect(await destination.send(body, to: target) == .delivered)
            let post = try #require(receiver.posts.first)
            #expect(post.body == body)
            #expect(post.headers["content-type"] == "application/json")
            #expect(post.headers["webhook-id"] == "ntc_1779412500000_42")
            #expect(post.headers["webhook-timestamp"] == "1779412500")
            let signature = try #require(post.headers["webhook-signature"])
            #expect(signature.hasPrefix("v1,"))
            #expect(
                StandardWebhookSignature.verify(
                    id: post.headers["webhook-id"] ?? "", timestamp: post.headers["webhook-timestamp"] ?? "",
                    signature: signature, body: post.body, secret: Self.secret, now: Self.decided))
            #expect(
                !StandardWebhookSignature.verify(
                    id: post.headers["webhook-id"] ?? "", timestamp: post.headers["webhook-timestamp"] ?? "",
                    signature: signature, body: post.body, secret: "whsec_AAAAAAAA", now: Self.decided))
        }
    }

    @Test func aRetryKeepsTheWebhookIDWithANewTimestamp() async throws {
        try await FakeReceiver.with { receiver in
            receiver.script([.init(status: 500, body: "oops")])
            let clock = SteppingClock(start: Self.decided, step: 30)
            let destination = Self.destination(clock: { clock.now() })
            let target = DestinationTarget(kind: .forward, address: receiver.url, secret: "plain-secret").encoded
            let body = try #require(
                destination.render(Self.notice(.alert, [try Self.syncEnd()]), now: Self.decided).first)
            #expect(await destination.send(body, to: target) == .transient(reason: "HTTP 500 oops"))
            #expect(await destination.send(body, to: target) == .delivered)
            let posts = receiver.posts
            try #require(posts.count == 2)
            #expect(posts[0].headers["webhook-id"] == posts[1].headers["webhook-id"])
            #expect(posts.map { $0.headers["webhook-timestamp"] } == ["1779412500", "1779412530"])
            #expect(posts[0].headers["webhook-signature"] != posts[1].headers["webhook-signature"])
            for post in posts {
                #expect(
                    StandardWebhookSignature.verify(
                        id: post.headers["webhook-id"] ?? "", timestamp: post.headers["webhook-timestamp"] ?? "",
                        signature: post.headers["webhook-signature"] ?? "", body: post.body, secret: "plain-secret",
                        now: Self.decided))
            }
        }
    }

    @Test func withoutASecretNothingIsSigned() async throws {
        try await FakeReceiver.with { receiver in
            let destination = Self.destination()
            let target = DestinationTarget(kind: .forward, address: receiver.url).encoded
            let body = try #require(
                destination.render(Self.notice(.alert, [try Self.syncEnd()]), now: Self.decided).first)
            #expect(await destination.send(body, to: target) == .delivered)
            let post = try #require(receiver.posts.first)
            #expect(post.headers["webhook-id"] == "ntc_1779412500000_42")
            #expect(post.headers["webhook-signature"] == nil)
        }
    }

    @Test func answersReadAsDocumented() async throws {
        try await FakeReceiver.with { receiver in
            receiver.script([
                .init(status: 410, body: "gone"), .rateLimited(retryAfter: "12"), .init(status: 429),
                .init(status: 408), .init(status: 425), .init(status: 503), .init(status: 200, body: "ok"),
            ])
            let destination = Self.destination()
            let target = DestinationTarget(kind: .forward, address: receiver.url).encoded
            let body = Data(#"{"id":"ntc_1_1","version":1}"#.utf8)
            #expect(await destination.send(body, to: target) == .permanent(status: 410, reason: "HTTP 410 gone"))
            #expect(await destination.send(body, to: target) == .rateLimited(retryAfter: .seconds(12)))
            #expect(await destination.send(body, to: target) == .rateLimited(retryAfter: nil))
            #expect(await destination.send(body, to: target) == .transient(reason: "HTTP 408"))
            #expect(await destination.send(body, to: target) == .transient(reason: "HTTP 425"))
            #expect(await destination.send(body, to: target) == .transient(reason: "HTTP 503"))
            #expect(await destination.send(body, to: target) == .delivered)
            #expect(receiver.posts.map(\.status) == [410, 429, 429, 408, 425, 503, 200])
        }
    }

    @Test func anUnusableSecretSendsNothing() async throws {
        try await FakeReceiver.with { receiver in
            let destination = Self.destination()
            let target = DestinationTarget(kind: .forward, address: receiver.url, secret: "whsec_%%%").encoded
            let outcome = await destination.send(Data(#"{"id":"ntc_1_1"}"#.utf8), to: target)
            guard case .permanent(_, let reason) = outcome else {
                Issue.record("expected a permanent failure, got \(outcome)")
                return
            }
            #expect(reason.contains("not base64"))
            #expect(!reason.contains("%%%"))
            #expect(receiver.posts.isEmpty)
        }
    }

    @Test func handlesOnlyItsOwnTargetsAndNeverShowsTheSecret() {
        let destination = Self.destination()
        let target = DestinationTarget(kind: .forward, address: "https://alerts.example.com/hook", secret: "s3cret")
            .encoded
        #expect(destination.handles(target))
        #expect(!destination.handles("dry-run:" + target))
        #expect(!destination.handles(DestinationTarget(kind: .pagerduty, address: "key").encoded))
        #expect(!destination.handles("https://hooks.slack.com/services/T/B/x"))
        #expect(!destination.redacted(target).contains("s3cret"))
        #expect(destination.redacted(target).contains("alerts.example.com"))
        #expect(destination.name == "forward")
        #expect(destination.displayName == "the forward endpoint")
    }
}

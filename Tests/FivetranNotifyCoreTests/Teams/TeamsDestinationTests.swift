import Foundation
import Logging
import Testing

@testable import FivetranNotifyCore

@Suite struct TeamsDestinationTests {
    let now = ISO8601Timestamp.date(from: "2026-05-22T02:00:00Z")!

    private func destination(dryRun: Bool = false) -> TeamsDestination {
        var logger = Logger(label: "teams-test")
        logger.logLevel = .critical
        return TeamsDestination(
            transport: CurlTransport(), logger: logger, requestTimeout: .seconds(30), dryRun: dryRun)
    }

    private func alertBody() throws -> Data {
        let notice = Notice(
            id: 1, kind: .alert, deliveries: [try eventFixture("sync_end_failure_with_task")], createdAt: now)
        return try #require(destination().render(notice, now: now).first)
    }

    @Test func namesAndTargets() {
        let teams = destination()
        #expect(teams.name == "teams")
        #expect(teams.displayName == "Microsoft Teams")
        let url =
            "https://prod-01.westeurope.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?sig=SECRETsig1234"
        #expect(teams.handles("teams:" + url))
        #expect(!teams.handles("dry-run:teams:" + url))
        #expect(!teams.handles(url))
        #expect(!teams.handles("pagerduty:R0UT1NGKEY"))
        #expect(!teams.handles("not a target"))
        #expect(destination(dryRun: true).handles("dry-run:teams:" + url))
        #expect(!destination(dryRun: true).handles("teams:" + url))
        let redacted = teams.redacted("teams:" + url)
        #expect(redacted.contains("prod-01.westeurope.logic.azure.com"))
        #expect(!redacted.contains("SECRETsig"))
    }

    @Test func aWorkflows202IsDelivered() async throws {
        let body = try alertBody()
        try await FakeTeams.with { teams in
            let outcome = await destination().send(body, to: teams.target)
            #expect(outcome == .delivered)
            let posts = teams.posts
            try #require(posts.count == 1)
            #expect(posts[0].body == body)
            #expect(posts[0].contentType == "application/json")
            #expect(posts[0].json?["type"] as? String == "message")
        }
    }

    @Test func aDeletedFlowIsPermanent() async throws {
        let body = try alertBody()
        try await FakeTeams.with(default: .flowDeleted) { teams in
            let outcome = await destination().send(body, to: teams.target)
            guard case .permanent(let status, let reason) = outcome else {
                Issue.record("expected permanent, got \(outcome)")
                return
            }
            #expect(status == 404)
            #expect(reason.contains("HTTP 404"))
            #expect(reason.contains("WorkflowNotFound"))
            #expect(!reason.contains("fakeSignature"))
            #expect(teams.posts.count == 1)
        }
    }

    @Test func a429WaitsForRetryAfter() async throws {
        let body = try alertBody()
        try await FakeTeams.with { teams in
            teams.script([.rateLimited(retryAfter: "7")])
            #expect(await destination().send(body, to: teams.target) == .rateLimited(retryAfter: .seconds(7)))
            // The next answer is the default 202.
            #expect(await destination().send(body, to: teams.target) == .delivered)
            #expect(teams.posts.map(\.status) == [429, 202])
        }
    }

    @Test func a500IsTransient() async throws {
        let body = try alertBody()
        try await FakeTeams.with(default: .serverError) { teams in
            let outcome = await destination().send(body, to: teams.target)
            guard case .transient(let reason) = outcome else {
                Issue.record("expected transient, got \(outcome)")
                return
            }
            #expect(reason.contains("HTTP 500"))
        }
    }

    @Test func noAnswerAtAllIsTransient() async throws {
        // Port 1 on the loopback: nothing listens there, the connection is refused.
        let outcome = await destination().send(try alertBody(), to: "teams:http://127.0.0.1:1/workflows/x")
        guard case .transient = outcome else {
            Issue.record("expected transient, got \(outcome)")
            return
        }
    }

    @Test func aTargetOfAnotherKindIsRefusedWithoutPosting() async throws {
        let outcome = await destination().send(try alertBody(), to: "pagerduty:R0UT1NGKEY")
        guard case .permanent = outcome else {
            Issue.record("expected permanent, got \(outcome)")
            return
        }
    }

    @Test(arguments: [
        (200, "delivered"), (202, "delivered"), (204, "delivered"), (400, "permanent"), (401, "permanent"),
        (403, "permanent"), (404, "permanent"), (410, "permanent"), (413, "permanent"), (408, "transient"),
        (429, "rateLimited"), (500, "transient"), (502, "transient"), (503, "transient"),
    ])
    func answersRead(status: Int, expected: String) {
        let outcome = SendOutcome(teamsResponse: HTTPResponse(status: status))
        let kind: String
        switch outcome {
        case .delivered: kind = "delivered"
        case .permanent(let got, _):
            kind = "permanent"
            #expect(got == status)
        case .transient: kind = "transient"
        case .rateLimited(let wait):
            kind = "rateLimited"
            #expect(wait == nil)
        }
        #expect(kind == expected)
    }

    @Test func retryAfterAsAnHTTPDate() {
        let now = Date(timeIntervalSince1970: 1_779_411_600)  // 2026-05-22 01:00:00 UTC
        let response = HTTPResponse(status: 429, headers: ["retry-after": "Fri, 22 May 2026 01:00:30 GMT"])
        #expect(SendOutcome(teamsResponse: response, now: now) == .rateLimited(retryAfter: .seconds(30)))
    }
}

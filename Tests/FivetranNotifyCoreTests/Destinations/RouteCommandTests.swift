import Foundation
import Testing

@testable import FivetranNotifyCore

/// `route list` and `route test` through the real parser, config.toml and libcurl, against fake
/// services on 127.0.0.1; and the start-up refusals every destination kind shares.
@Suite struct RouteCommandTests {
    static let routingKey = "R0UT1NGKEY0123456789abcdefABCDEF"

    @Test func listShowsEveryRouteInOrderWithSecretsRedacted() async throws {
        let harness = CommandHarness()
        harness.environment["PAGERDUTY_ROUTING_KEY"] = Self.routingKey
        harness.environment["FINANCE_TEAMS"] = "https://prod.westeurope.logic.azure.com/workflows/abc?sig=SECRETsigWXYZ"
        try harness.writeConfig(
            """
            slack_webhook_url = "https://hooks.slack.com/services/T0/B0/SECRETdefault"

            [[route]]
            name = "finance"
            match = { destination_group_id = "grp_finance" }
            teams_webhook_url_env = "FINANCE_TEAMS"
            forward_url = "https://incidents.example.com/hooks/fivetran"
            forward_secret = "whsec_c2VjcmV0"
            """)
        #expect(await harness.run(["route", "list"]) == 0)
        let text = harness.output.stdout
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.count == 3)
        #expect(lines[1].hasPrefix("finance") && lines[1].contains("destination_group_id=grp_finance"))
        #expect(lines[1].contains("teams prod.westeurope.logic.azure.com/…WXYZ"))
        #expect(lines[1].contains("forward incidents.example.com/…tran"))
        #expect(lines[2].hasPrefix("default") && lines[2].contains("hooks.slack.com/…ault"))
        #expect(lines[2].contains("pagerduty routing key …CDEF"))
        for secret in ["SECRETdefault", "SECRETsig", Self.routingKey, "whsec_c2VjcmV0"] {
            #expect(!text.contains(secret))
        }

        #expect(await harness.run(["route", "list", "--json"]) == 0)
        let json = try JSONDecoder().decode(
            JSONValue.self, from: Data(harness.output.stdout.dropFirst(text.count).utf8))
        let routes = try #require(json.arrayValue)
        #expect(routes.map { $0.objectValue?["name"] } == ["finance", "default"])
        let kinds = routes[0].objectValue?["destinations"]?.arrayValue?.map { $0.objectValue?["kind"] }
        #expect(kinds == ["teams", "forward"])
        // No state yet: no counts.
        #expect(!harness.output.stdout.contains("pending"))
    }

    /// With a state, each destination shows its pending and failed messages: which one is stuck.
    @Test func listShowsEachDestinationsPendingAndFailedMessagesFromTheState() async throws {
        let harness = CommandHarness()
        try harness.writeConfig(
            """
            slack_webhook_url = "https://hooks.slack.com/services/T0/B0/SECRETdefault"

            [[route]]
            name = "finance"
            match = { destination_group_id = "grp_finance" }
            teams_webhook_url = "https://prod.westeurope.logic.azure.com/workflows/abc?sig=SECRETsigWXYZ"
            forward_url = "https://incidents.example.com/hooks/fivetran"
            """)
        let store = try DeliveryStore.open(stateDirectory: harness.paths.stateDirectory(given: nil))
        for key in ["a", "b", "c"] {
            _ = try await store.record(storeIncoming(key, destination: "route:teams:finance"))
        }
        _ = try await store.record(storeIncoming("d", destination: "route:slack"))
        _ = try await store.record(storeIncoming("e", destination: "route:slack:gone"))
        let stuck = try #require(try await store.pendingMessages(destination: "route:teams:finance").first)
        #expect(try await store.claim(stuck.id))
        #expect(try await store.markFailed(stuck.id, error: "HTTP 404"))
        await store.close()

        #expect(await harness.run(["route", "list"]) == 0)
        let text = harness.output.stdout
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines[1].contains("teams prod.westeurope.logic.azure.com/…WXYZ (2 pending, 1 failed)"))
        #expect(lines[1].contains("forward incidents.example.com/…tran (0 pending, 0 failed)"))
        #expect(lines[2].contains("hooks.slack.com/…ault (1 pending, 0 failed)"))
        #expect(lines.last?.hasPrefix("Also 1 pending, 0 failed for destinations no route has now") == true)

        #expect(await harness.run(["route", "list", "--json"]) == 0)
        let json = try JSONDecoder().decode(
            JSONValue.self, from: Data(harness.output.stdout.dropFirst(text.count).utf8))
        let teams = try #require(json.arrayValue?.first?.objectValue?["destinations"]?.arrayValue?.first?.objectValue)
        #expect(teams["pending"] == .number(2) && teams["failed"] == .number(1))

        // A route test of it says so too, after the destination's answer.
        try await FakeSlack.with { slack in
            harness.environment["SLACK_WEBHOOK_URL"] = slack.url
            #expect(await harness.run(["route", "test"]) == 0)
        }
        #expect(harness.output.stdout.hasSuffix("accepted; in the state: 1 pending, 0 failed"))
    }

    @Test func testSendsATestNoticeToEachDestinationAndResolvesThePage() async throws {
        try await FakeSlack.with { slack in
            try await FakePagerDuty.with { pagerDuty in
                let harness = CommandHarness()
                harness.environment["SLACK_WEBHOOK_URL"] = slack.url
                harness.environment["PAGERDUTY_ROUTING_KEY"] = Self.routingKey
                harness.environment["PAGERDUTY_URL"] = pagerDuty.baseURL
                #expect(await harness.run(["route", "test"]) == 0, "\(harness.output.stderr)")
                #expect(slack.posts.count == 1)
                #expect(slack.posts.first?.text.contains("Test — ") == true)
                #expect(pagerDuty.posts.map { $0.json["event_action"] } == ["trigger", "resolve"])
                #expect(pagerDuty.posts[0].json["dedup_key"] == pagerDuty.posts[1].json["dedup_key"])
                let summary = pagerDuty.posts[0].json["payload"]?.objectValue?["summary"]?.stringValue
                #expect(summary?.hasPrefix("Test — ") == true)
                #expect(harness.output.stdout.contains("accepted, then resolved"))
                // One line per destination, each naming its kind first.
                let lines = harness.output.stdout.split(separator: "\n").map(String.init)
                #expect(lines.count == 2, "\(lines)")
                #expect(lines.contains { $0.hasPrefix("slack 127.0.0.1/…") && $0.hasSuffix(": accepted") }, "\(lines)")
                #expect(lines.contains { $0.hasPrefix("pagerduty routing key …") }, "\(lines)")
            }
        }
    }

    @Test func testExitsNonZeroWhenADestinationRefuses() async throws {
        try await FakeTeams.with(default: .flowDeleted) { teams in
            try await FakeReceiver.with { receiver in
                let harness = CommandHarness()
                harness.environment["TEAMS_WEBHOOK_URL"] = teams.url
                harness.environment["FORWARD_URL"] = receiver.url
                #expect(await harness.run(["route", "test"]) == 1)
                #expect(harness.output.stdout.contains("refused"))
                #expect(harness.output.stdout.contains("forward 127.0.0.1/…"))
                #expect(harness.output.stderr.contains("1 of 2 destinations did not take the test notice"))
                #expect(receiver.posts.count == 1)
                #expect(receiver.posts.first?.json["text"]?.stringValue?.hasPrefix("Test — ") == true)
            }
        }
    }

    @Test func testOfAnUnknownRouteNamesTheRoutes() async throws {
        let harness = CommandHarness()
        harness.environment["SLACK_WEBHOOK_URL"] = "https://hooks.slack.com/services/T0/B0/X"
        #expect(await harness.run(["route", "test", "nope"]) == 64)
        #expect(harness.output.stderr.contains("No route is named \"nope\"; the routes are: default"))
    }

    static let mistakes: [(toml: String, says: String)] = [
        (
            """
            [[route]]
            name = "ops"
            teams_webhook_url = "https://example.logic.azure.com/a"
            teams_webhook_url_env = "OPS_TEAMS"
            """, "config.toml:4: route \"ops\": give teams_webhook_url or teams_webhook_url_env, not both"
        ),
        (
            """
            [[route]]
            name = "oncall"
            pagerduty_routing_key_env = "ONCALL_KEY"
            """,
            "config.toml:3: route \"oncall\": pagerduty_routing_key_env names ONCALL_KEY, which is not set"
        ),
        (
            """
            [[route]]
            name = "sink"
            forward_secret = "x"
            slack_webhook_url = "https://hooks.slack.com/services/T/B/C"
            """, "route \"sink\": forward_secret is set but forward_url is not"
        ),
        (
            """
            [[route]]
            name = "signed"
            forward_url = "https://incidents.example.com/hook"
            forward_secret = "whsec_not base64!"
            """, "config.toml:4: route \"signed\": forward_secret starts with whsec_ but what follows is not base64"
        ),
        (
            """
            [[route]]
            name = "bad"
            pagerduty_routing_key = "https://events.pagerduty.com"
            """, "route \"bad\": pagerduty_routing_key is not a PagerDuty routing key"
        ),
    ]

    @Test(arguments: 0..<mistakes.count) func aBadRouteIsRefusedInTheSameWordsEverywhere(_ index: Int) async throws {
        let (toml, says) = Self.mistakes[index]
        let harness = CommandHarness()
        harness.environment["SLACK_WEBHOOK_URL"] = "https://hooks.slack.com/services/T0/B0/X"
        harness.environment["FIVETRAN_SIGNING_KEY"] = ListenerHarness.key
        try harness.writeConfig(toml)
        for command in [["route", "list"], ["route", "test"], ["listen", "--port", "0"]] {
            #expect(await harness.run(command) != 0)
            #expect(harness.output.stderr.contains(says), "\(command): \(harness.output.stderr)")
        }
    }

    @Test func listenRefusesADefaultRouteWithoutDestinationNamingTheWays() async throws {
        let harness = CommandHarness()
        harness.environment["FIVETRAN_SIGNING_KEY"] = ListenerHarness.key
        #expect(await harness.run(["listen", "--port", "0"]) == 64)
        let says = harness.output.stderr
        #expect(says.contains("No destination for the default route"))
        for way in ["SLACK_WEBHOOK_URL", "PAGERDUTY_ROUTING_KEY", "TEAMS_WEBHOOK_URL", "FORWARD_URL", "--dry-run"] {
            #expect(says.contains(way))
        }
    }

    @Test func aBadDefaultURLInConfigExits64WithFileAndLine() async throws {
        let harness = CommandHarness()
        harness.environment["FIVETRAN_SIGNING_KEY"] = ListenerHarness.key
        try harness.writeConfig(
            """
            api_key = "k"
            slack_webhook_url = "http://hooks.slack.com/services/T0/B0/SECRET"
            """)
        #expect(await harness.run(["listen", "--port", "0"]) == 64)
        #expect(harness.output.stderr.contains("config.toml:2: slack_webhook_url uses plain http://"))
        #expect(!harness.output.stderr.contains("SECRET"))
    }

    @Test func aBadTeamsURLFromTheEnvironmentExits64WithoutShowingIt() async throws {
        let harness = CommandHarness()
        harness.environment["FIVETRAN_SIGNING_KEY"] = ListenerHarness.key
        harness.environment["TEAMS_WEBHOOK_URL"] = "http://prod.logic.azure.com/workflows/SECRET"
        #expect(await harness.run(["listen", "--port", "0"]) == 64)
        #expect(harness.output.stderr.contains("TEAMS_WEBHOOK_URL uses plain http://"))
        #expect(!harness.output.stderr.contains("SECRET"))
    }
}

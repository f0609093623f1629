import Foundation
import Testing

@testable import FivetranNotifyCore

@Suite struct RouteTableTests {
    let url = URL(fileURLWithPath: "/home/ana/.config/fivetran-notify/config.toml")

    private func table(_ toml: String, environment: [String: String] = [:]) throws -> RouteTable {
        try RouteTable.load(
            from: ConfigFile.parse(toml, url: url),
            defaultDestinations: [
                DestinationTarget(kind: .slack, address: "https://hooks.slack.com/services/T0/B0/DEFAULT")
            ],
            environment: environment, checks: DestinationCatalog.targetChecks)
    }

    private func delivery(_ fields: [String: JSONValue]) -> Delivery { Delivery(raw: fields) }

    private let config = """
        slack_webhook_url = "https://hooks.slack.com/services/T0/B0/DEFAULT"

        [[route]]
        name = "finance"
        match = { destination_group_id = "grp_finance", connector_type = ["salesforce", "netsuite"] }
        slack_webhook_url_env = "SLACK_FINANCE_URL"

        [[route]]
        name = "dbt"
        match = { event = "dbt_run_failed" }
        slack_webhook_url = "https://hooks.slack.com/services/T0/B1/DBT"

        [[route]]
        name = "reschedules"
        match = { status = "rescheduled" }
        slack_webhook_url = "https://hooks.slack.com/services/T0/B2/LOW"
        """

    @Test func firstMatchingRouteWinsAndAllKeysMustMatch() throws {
        let routes = try table(config, environment: ["SLACK_FINANCE_URL": "https://hooks.slack.com/services/T0/B9/FIN"])
        let finance = delivery([
            "event": "sync_end", "destination_group_id": "grp_finance", "connector_type": "netsuite",
            "data": ["status": "RESCHEDULED"],
        ])
        #expect(routes.targets(for: finance) == ["https://hooks.slack.com/services/T0/B9/FIN"])
        #expect(routes.routeName(for: finance) == "finance")

        let otherType = delivery([
            "event": "sync_end", "destination_group_id": "grp_finance", "connector_type": "hubspot",
            "data": ["status": "RESCHEDULED"],
        ])
        #expect(routes.routeName(for: otherType) == "reschedules")

        let dbt = delivery(["event": "dbt_run_failed", "destination_group_id": "grp_finance"])
        #expect(routes.targets(for: dbt) == ["https://hooks.slack.com/services/T0/B1/DBT"])

        let unmatched = delivery(["event": "connection_failure", "connector_id": "x"])
        #expect(routes.targets(for: unmatched) == ["https://hooks.slack.com/services/T0/B0/DEFAULT"])
        #expect(routes.routeName(for: unmatched) == "default")
        #expect(routes.allDestinations.count == 4)
    }

    @Test func connectorIdAlsoMatchesDbtJobs() throws {
        let routes = try table(
            """
            [[route]]
            match = { connector_id = ["cover_scale", "warrant_sheep"] }
            slack_webhook_url = "https://hooks.slack.com/services/T0/B1/X"
            """)
        #expect(
            routes.routeName(for: delivery(["event": "dbt_run_failed", "data": ["dbtJobId": "cover_scale"]]))
                == "route 1")
        #expect(routes.routeName(for: delivery(["event": "sync_end", "connector_id": "warrant_sheep"])) == "route 1")
        #expect(routes.routeName(for: delivery(["event": "sync_end", "connector_id": "other"])) == "default")
    }

    @Test func noConfigMeansEverythingGoesToTheDefault() throws {
        let defaults = [DestinationTarget(kind: .slack, address: "https://hooks.slack.com/d")]
        let routes = try RouteTable.load(
            from: nil, defaultDestinations: defaults, environment: [:], checks: DestinationCatalog.targetChecks)
        #expect(routes.routes.isEmpty)
        #expect(routes.targets(for: delivery(["event": "sync_end"])) == ["https://hooks.slack.com/d"])
    }

    /// Each mistake names the file, the line and what is wrong.
    @Test(arguments: [
        (
            "[[route]]\nname = \"x\"\nmach = { event = \"sync_end\" }\nslack_webhook_url = \"https://h/1\"",
            "config.toml:3: route \"x\": unknown key \"mach\""
        ),
        (
            "[[route]]\nname = \"x\"\nmatch = { evnt = \"sync_end\" }\nslack_webhook_url = \"https://h/1\"",
            "config.toml:3: route \"x\": unknown match key \"evnt\""
        ),
        (
            "[[route]]\nname = \"x\"\nmatch = { event = 3 }\nslack_webhook_url = \"https://h/1\"",
            "config.toml:3: route \"x\": match.event must be a string or a non-empty list of strings"
        ),
        ("[[route]]\nname = \"x\"\nmatch = { event = \"a\" }", "config.toml:1: route \"x\": no destination"),
        (
            "[[route]]\nname = \"x\"\nslack_webhook_url = \"https://h/1\"\nslack_webhook_url_env = \"A\"",
            "config.toml:4: route \"x\": give slack_webhook_url or slack_webhook_url_env, not both"
        ),
        (
            "[[route]]\nname = \"x\"\nslack_webhook_url_env = \"SLACK_MISSING\"",
            "config.toml:3: route \"x\": slack_webhook_url_env names SLACK_MISSING, which is not set"
        ),
        (
            "[[route]]\nslack_webhook_url = \"https://h/1\"\n\n[[route]]\nslack_webhook_url = \"hooks.slack.com/x\"",
            "config.toml:5: route \"route 2\": slack_webhook_url must start with https://"
        ),
    ])
    func mistakesStopWithFileLineAndReason(toml: String, expected: String) throws {
        let error = #expect(throws: NotifyError.self) { try table(toml) }
        #expect(error?.message.contains(expected) == true, "\(error?.message ?? "no error")")
    }
}

@Suite struct ListenConfigTests {
    let url = URL(fileURLWithPath: "/etc/config.toml")

    @Test func readsTheListenTable() throws {
        let config = try ListenConfig.load(
            from: ConfigFile.parse(
                "[listen]\nnotify_resolved = true\nremind_every = \"90m\"\nevents = [\"sync_end\"]\nmax_age = \"12h\"\n",
                url: url))
        #expect(
            config
                == ListenConfig(
                    notifyResolved: true, remindEvery: .seconds(5400), events: ["sync_end"], maxAge: .seconds(43_200)))
    }

    @Test func defaultsWithoutATable() throws {
        #expect(try ListenConfig.load(from: nil) == ListenConfig(notifyResolved: false, remindEvery: .seconds(14400)))
    }

    @Test(arguments: [
        ("[listen]\nnotify_resolvd = true", "config.toml:2: [listen]: unknown key \"notify_resolvd\""),
        ("[listen]\nremind_every = \"4 hours\"", "config.toml:2: remind_every: \"4 hours\" is not a duration"),
        ("[listen]\nnotify_resolved = \"yes\"", "config.toml:2: notify_resolved must be true or false"),
        ("[listen]\n\nevents = \"sync_end\"", "config.toml:3: events must be a list of event names"),
        ("[listen]\nmax_age = \"0d\"", "config.toml:2: max_age: \"0d\" is not a duration"),
        (
            "[listen]\nmax_age = \"400d\"",
            "config.toml:2: max_age: \"400d\" is out of range; it must be from 1m to 365d"
        ),
        (
            "[listen]\nremind_every = \"30s\"",
            "config.toml:2: remind_every: \"30s\" is out of range; it must be from 1m"
        ),
    ])
    func mistakesNameTheLine(toml: String, expected: String) {
        let error = #expect(throws: NotifyError.self) { try ListenConfig.load(from: ConfigFile.parse(toml, url: url)) }
        #expect(error?.message.contains(expected) == true, "\(error?.message ?? "no error")")
    }
}

@Suite struct DurationTextTests {
    @Test(arguments: [("90s", 90), ("15m", 900), ("4h", 14400), ("1d", 86400), ("1h30m", 5400), (" 2H ", 7200)])
    func parses(text: String, seconds: Int64) {
        #expect(DurationText.parse(text) == .seconds(seconds))
    }

    @Test(arguments: ["", "4", "h", "4 hours", "-1h", "0s", "1.5h", "99999999999999999999d", "9223372036854775807s1s"])
    func rejects(text: String) {
        #expect(DurationText.parse(text) == nil)
    }

    /// cli.md "Durations have ranges": out of range is a sentence that states the range.
    @Test(
        arguments: [
            ("365d", DurationRange.longWait, nil),
            ("59s", .longWait, "\"59s\" is out of range; it must be from 1m to 365d"),
            ("9223372036854775807s", .longWait, "\"9223372036854775807s\" is out of range; it must be from 1m to 365d"),
            ("99999999999999999999d", .timeout, "\"99999999999999999999d\" is out of range; it must be from 1s to 1d"),
            ("25h", .timeout, "\"25h\" is out of range; it must be from 1s to 1d"),
            ("soon", .timeout, "\"soon\" is not a duration; write it like 30s"),
            ("0s", .timeout, "\"0s\" is not a duration; write it like 30s"),
        ] as [(String, DurationRange, String?)])
    func rangesAreStated(text: String, range: DurationRange, problem: String?) {
        #expect(DurationText.problem(text, within: range, example: "30s") == problem)
    }
}

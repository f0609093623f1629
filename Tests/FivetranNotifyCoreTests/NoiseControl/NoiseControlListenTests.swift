import ArgumentParser
import Foundation
import Synchronization
import Testing

@testable import FivetranNotifyCore
@testable import fivetran_notify

/// Repeats, reminders, recoveries, routes and mutes, through a real listener, real SQLite and fake
/// Slack servers over real HTTP.
@Suite struct NoiseControlListenTests {
    @Test func repeatsStayQuietThenOneReminderCountsThem() async throws {
        try await FakeSlack.with { slack in
            let clock = HandWallClock()
            try await ListenerHarness.with(
                slackURL: slack.url, policy: NoticePolicy(remindEvery: .seconds(4 * 3600)), now: clock.now
            ) { listener throws in
                #expect(try await listener.post(sync("pg", 1)).status == 200)
                #expect(await eventually { slack.delivered.count == 1 })
                #expect(await eventually { try await listener.store.counts().delivered == 1 })
                for n in 2...4 {
                    clock.advance(hours: 1)
                    #expect(try await listener.post(sync("pg", n)).status == 200)
                }
                // Stored before each 200: nothing was queued for the repeats.
                #expect(try await listener.store.counts() == QueueCounts(delivered: 1))
                #expect(try await listener.store.deliveryCount() == 4)
                clock.advance(hours: 1)
                #expect(try await listener.post(sync("pg", 5)).status == 200)
                #expect(await eventually { slack.delivered.count == 2 })
                #expect(await eventually { try await listener.store.counts().delivered == 2 })
                #expect(slack.delivered[1].text.contains("Still failing"))
                #expect(slack.delivered[1].text.contains("4 more failures"))
            }
        }
    }

    @Test func aDifferentReasonPostsAtOnce() async throws {
        try await FakeSlack.with { slack in
            try await ListenerHarness.with(slackURL: slack.url) { listener throws in
                #expect(try await listener.post(sync("pg", 1, reason: "password rejected")).status == 200)
                #expect(try await listener.post(sync("pg", 2, reason: "disk full")).status == 200)
                #expect(
                    try await listener.post(sync("pg", 3, status: "FAILURE_WITH_TASK", reason: "disk full")).status
                        == 200)
                #expect(await eventually { slack.delivered.count == 3 })
                #expect(await eventually { try await listener.store.counts().delivered == 3 })
                #expect(slack.delivered[1].text.contains("disk full"))
            }
        }
    }

    @Test func aRecoveryAfterAPostedFailureSaysResolved() async throws {
        try await FakeSlack.with { slack in
            let clock = HandWallClock()
            try await ListenerHarness.with(
                slackURL: slack.url, policy: NoticePolicy(notifyResolved: true), now: clock.now
            ) { listener throws in
                #expect(try await listener.post(sync("pg", 1)).status == 200)
                #expect(await eventually { slack.delivered.count == 1 })
                #expect(await eventually { try await listener.store.counts().delivered == 1 })
                clock.advance(hours: 1)
                #expect(try await listener.post(sync("pg", 2)).status == 200)
                clock.advance(hours: 1.25)
                #expect(try await listener.post(sync("pg", 3, status: "SUCCESSFUL", reason: nil)).status == 200)
                #expect(await eventually { slack.delivered.count == 2 })
                #expect(await eventually { try await listener.store.counts().delivered == 2 })
                let resolved = slack.delivered[1].text
                #expect(resolved.contains("Recovered"))
                #expect(resolved.contains("2 failed syncs"))
                // A second success has nothing left to resolve.
                #expect(try await listener.post(sync("pg", 4, status: "SUCCESSFUL", reason: nil)).status == 200)
                #expect(try await listener.store.counts() == QueueCounts(delivered: 2))
            }
        }
    }

    @Test func withoutNotifyResolvedARecoveryPostsNothing() async throws {
        try await FakeSlack.with { slack in
            try await ListenerHarness.with(
                slackURL: slack.url, policy: NoticePolicy(notifyResolved: false)
            ) { listener throws in
                #expect(try await listener.post(sync("pg", 1)).status == 200)
                #expect(await eventually { slack.delivered.count == 1 })
                #expect(await eventually { try await listener.store.counts().delivered == 1 })
                #expect(try await listener.post(sync("pg", 2, status: "SUCCESSFUL", reason: nil)).status == 200)
                #expect(try await listener.store.counts() == QueueCounts(delivered: 1))
            }
        }
    }

    @Test func aFailureFixedBeforeItsMessageWentOutIsNeverPosted() async throws {
        // Slack is unreachable, so the alert waits (retrying) when Fivetran's retry succeeds.
        let unreachable = "http://127.0.0.1:9/services/T/B/unreachable"
        try await ListenerHarness.with(
            slackURL: unreachable, policy: NoticePolicy(notifyResolved: true)
        ) { listener throws in
            #expect(try await listener.post(sync("pg", 1)).status == 200)
            #expect(try await listener.store.counts().pending == 1)
            #expect(try await listener.post(sync("pg", 2, status: "SUCCESSFUL", reason: nil)).status == 200)
            // Withdrawn at once, or, if an attempt is under way, as soon as it fails.
            #expect(await eventually { try await listener.store.counts() == QueueCounts() })
        }
    }

    @Test func aRecoveryAfterAStormDigestSaysResolved() async throws {
        try await FakeSlack.with { slack in
            // Slack is down while the storm arrives, so the alerts pile up and go out as a digest.
            slack.setDefault(.serverError)
            try await ListenerHarness.with(
                slackURL: slack.url, policy: NoticePolicy(notifyResolved: true)
            ) { listener in
                let names = (1...8).map { "storm_pg_\($0)" }
                for name in names {
                    #expect(try await listener.post(sync(name, 1)).status == 200)
                }
                slack.setDefault(.ok)
                #expect(await eventually { try await listener.store.counts().pending == 0 && !slack.delivered.isEmpty })
                let posted = slack.delivered.count
                #expect(posted < names.count, "the storm was not folded into a digest")

                #expect(try await listener.post(sync(names[2], 2, status: "SUCCESSFUL", reason: nil)).status == 200)
                #expect(await eventually { slack.delivered.count == posted + 1 })
                let recovered = try #require(slack.delivered.last).text
                #expect(recovered.contains("Recovered"))
                #expect(recovered.contains(names[2]))
            }
        }
    }

    @Test func aFlappingConnectorsNextIncidentIsJudgedByItsOwnMessages() async throws {
        try await FakeSlack.with { slack in
            try await ListenerHarness.with(
                slackURL: slack.url, policy: NoticePolicy(notifyResolved: true)
            ) { listener throws in
                #expect(try await listener.post(sync("pg", 1)).status == 200)
                #expect(await eventually { try await listener.store.counts().delivered == 1 })
                #expect(try await listener.post(sync("pg", 2, status: "SUCCESSFUL", reason: nil)).status == 200)
                #expect(await eventually { try await listener.store.counts().delivered == 2 })
                #expect(slack.delivered.last?.text.contains("Recovered") == true)

                // It fails again while Slack is down, and recovers before that alert could go out: the alert
                // is withdrawn, and no "Recovered" follows for a failure nobody was told about.
                slack.setDefault(.serverError)
                #expect(try await listener.post(sync("pg", 3)).status == 200)
                #expect(try await listener.store.counts() == QueueCounts(pending: 1, delivered: 2))
                #expect(try await listener.post(sync("pg", 4, status: "SUCCESSFUL", reason: nil)).status == 200)
                #expect(await eventually { try await listener.store.counts() == QueueCounts(delivered: 2) })
                #expect(slack.delivered.count == 2)
            }
        }
    }

    @Test func aRecoveryWhileItsFailureIsBeingPostedFollowsItWithResolved() async throws {
        try await FakeSlack.with { slack in
            try await ListenerHarness.with(
                slackURL: slack.url, policy: NoticePolicy(notifyResolved: true)
            ) { listener throws in
                slack.holdReplies()
                #expect(try await listener.post(sync("pg", 1)).status == 200)
                #expect(await eventually { slack.posts.count == 1 })
                // Slack has the failure but has not answered when the connector recovers.
                #expect(try await listener.post(sync("pg", 2, status: "SUCCESSFUL", reason: nil)).status == 200)
                slack.releaseReplies()
                #expect(await eventually { slack.delivered.count == 2 })
                #expect(slack.delivered[1].text.contains("Recovered"))
                #expect(await eventually { try await listener.store.counts() == QueueCounts(delivered: 2) })
            }
        }
    }

    @Test func aRecoveryWhileItsFailureIsBeingPostedWithdrawsItIfThatPostFails() async throws {
        try await FakeSlack.with(default: .serverError) { slack in
            try await ListenerHarness.with(
                slackURL: slack.url, policy: NoticePolicy(notifyResolved: true)
            ) { listener throws in
                slack.holdReplies()
                #expect(try await listener.post(sync("pg", 1)).status == 200)
                #expect(await eventually { slack.posts.count == 1 })
                #expect(try await listener.post(sync("pg", 2, status: "SUCCESSFUL", reason: nil)).status == 200)
                slack.releaseReplies()
                // The post failed, so Slack never showed the failure: it is withdrawn (not retried), and no
                // "Recovered" follows.
                #expect(await eventually { try await listener.store.counts() == QueueCounts() })
                #expect(slack.posts.count == 1)
                let said = await eventually {
                    listener.logs.stderr.contains("withdrawn: its connector recovered while it was being posted")
                }
                #expect(said, "\(listener.logs.stderr)")
            }
        }
    }

    @Test func routesSendEachFailureToItsOwnSlack() async throws {
        try await FakeSlack.with { defaultSlack in
            try await FakeSlack.with(default: .serverError) { dbtSlack in
                let routes = [
                    Route(name: "dbt", match: RouteMatch([.event: ["dbt_run_failed"]]), slackWebhookURL: dbtSlack.url)
                ]
                try await ListenerHarness.with(slackURL: defaultSlack.url, routes: routes) { listener throws in
                    #expect(try await listener.post(TestFiles.fixture("events/dbt_run_failed.json")).status == 200)
                    #expect(try await listener.post(sync("pg", 1)).status == 200)
                    // The dbt channel is broken (500s); the default one is not held up by it.
                    #expect(await eventually { defaultSlack.delivered.count == 1 })
                    #expect(defaultSlack.delivered[0].text.contains("pg"))
                    #expect(await eventually { dbtSlack.posts.count >= 1 })
                    #expect(dbtSlack.posts.allSatisfy { $0.text.contains("at8_30") })
                }
            }
        }
    }
}

/// `mute`, `status` and `replay` through the real command parser, against a running listener's state.
@Suite struct MuteStatusReplayTests {
    private func run(_ arguments: [String], state: URL, now: Date = Date()) async throws -> (Int32, CapturedOutput) {
        let output = CapturedOutput()
        let command = try FivetranNotifyCommand.parseAsRoot(arguments + ["--state-dir", state.path])
        let context = CommandContext(
            environment: ["HOME": state.path], output: output.output, now: { now })
        do {
            switch command {
            case let command as FivetranNotifyCommand.Mute.Add: try await command.run(context)
            case let command as FivetranNotifyCommand.Mute.List: try await command.run(context)
            case let command as FivetranNotifyCommand.Mute.Remove: try await command.run(context)
            case let command as FivetranNotifyCommand.Status: try await command.run(context)
            case let command as FivetranNotifyCommand.Replay: try await command.run(context)
            default: Issue.record("unexpected command \(command)")
            }
            return (0, output)
        } catch let exit as ExitCode {
            return (exit.rawValue, output)
        }
    }

    @Test func aMutedConnectorIsStoredAndCountedNotPostedUntilUnmuted() async throws {
        try await FakeSlack.with { slack in
            try await ListenerHarness.with(slackURL: slack.url) { listener in
                let state = listener.stateDirectory
                #expect(try await listener.post(sync("other", 1)).status == 200)

                let (added, addOutput) = try await run(
                    ["mute", "add", "--connector", "id_pg", "--for", "2h", "--reason", "vendor maintenance"],
                    state: state)
                #expect(added == 0)
                let muteID = addOutput.stdout
                #expect(muteID.hasPrefix("mute_"))
                #expect(addOutput.stderr.contains("no delivery from connector id_pg"))

                #expect(try await listener.post(sync("pg", 1)).status == 200)
                #expect(try await listener.post(sync("pg", 2)).status == 200)
                #expect(await eventually { slack.delivered.count == 1 })
                #expect(await eventually { try await listener.store.counts().delivered == 1 })
                #expect(try await listener.store.counts() == QueueCounts(delivered: 1))

                let (_, status) = try await run(["status", "--json"], state: state)
                let report = try JSONDecoder().decode(JSONValue.self, from: Data(status.stdout.utf8))
                guard case .object(let keys) = report, case .array(let failing)? = keys["failing"],
                    case .array(let mutes)? = keys["mutes"]
                else {
                    Issue.record("status --json: \(status.stdout)")
                    return
                }
                #expect(Set(keys.keys) == ["pending", "failed", "delivered", "destinations", "failing", "mutes"])
                #expect(keys["destinations"]?.objectValue?["slack"]?.objectValue?["delivered"] == .number(1))
                #expect(keys["delivered"] == .number(1))
                let pg = failing.first { $0.objectValue?["id"] == "id_pg" }?.objectValue
                #expect(pg?["count"] == .number(2))
                #expect(pg?["muted"] == .bool(true))
                #expect(mutes.count == 1)

                let (text, textOutput) = try await run(["status"], state: state)
                #expect(text == 0)
                #expect(textOutput.stdout.contains("Failing now:"))
                #expect(textOutput.stdout.contains("vendor maintenance"))

                let (overlap, overlapOutput) = try await run(
                    ["mute", "add", "--connector", "id_pg", "--for", "1h"], state: state)
                #expect(overlap == 0)
                #expect(overlapOutput.stderr.contains("already muted"))

                let (removed, removeOutput) = try await run(["mute", "remove", "--connector", "id_pg"], state: state)
                #expect(removed == 0)
                #expect(removeOutput.stdout.contains(muteID))
                #expect(try await listener.post(sync("pg", 3)).status == 200)
                #expect(await eventually { slack.delivered.count == 2 })
                #expect(await eventually { try await listener.store.counts().delivered == 2 })
                #expect(slack.delivered[1].text.contains("pg"))
            }
        }
    }

    @Test func mutesExpireByThemselves() async throws {
        let state = TestFiles.temporaryDirectory()
        let start = Date()
        #expect(
            try await run(["mute", "add", "--event", "connection_failure", "--for", "1m"], state: state, now: start).0
                == 0)
        let (_, during) = try await run(["mute", "list", "--json"], state: state, now: start + 30)
        #expect(during.stdout.contains("connection_failure"))
        let (_, after) = try await run(["mute", "list"], state: state, now: start + 61)
        #expect(after.stdout == "No active mutes.")
    }

    @Test(arguments: [
        ["mute", "add", "--connector", "a", "--group", "b", "--for", "1h"],
        ["mute", "add", "--connector", "a", "--for", "2 hours"],
        ["mute", "add", "--connector", "a"],
        ["mute", "remove"],
        ["mute", "remove", "mute_1", "--connector", "a"],
        ["replay"],
    ])
    func badInputIsAUsageError(arguments: [String]) {
        #expect(throws: (any Error).self) { try FivetranNotifyCommand.parseAsRoot(arguments) }
    }

    @Test func mutesCanBeRemovedByGroupOrEvent() async throws {
        let state = TestFiles.temporaryDirectory()
        #expect(try await run(["mute", "add", "--group", "grp", "--for", "1h"], state: state).0 == 0)
        #expect(try await run(["mute", "add", "--event", "sync_end", "--for", "1h"], state: state).0 == 0)
        let (byGroup, groupOutput) = try await run(["mute", "remove", "--group", "grp"], state: state)
        #expect(byGroup == 0)
        #expect(groupOutput.stdout.contains("group grp"))
        let (byEvent, _) = try await run(["mute", "remove", "--event", "sync_end"], state: state)
        #expect(byEvent == 0)
        #expect(try await run(["mute", "list"], state: state).1.stdout == "No active mutes.")
    }

    /// slack-app.md: `mute add --dbt-job ID` is a target beside the others, listed and removed the same
    /// way; it silences that job's runs and no connector.
    @Test func aDbtJobIsMutedByItsOwnTarget() async throws {
        let state = TestFiles.temporaryDirectory()
        #expect(try await run(["mute", "add", "--dbt-job", "nightly_models", "--for", "1h"], state: state).0 == 0)
        let (_, list) = try await run(["mute", "list"], state: state)
        #expect(list.stdout.contains("dbt_job nightly_models"))
        let mute = Mute(
            id: "m", target: .dbtJob("nightly_models"), until: .distantFuture, reason: nil, createdAt: Date())
        #expect(mute.matches(Delivery(raw: ["event": "dbt_run_failed", "data": ["dbtJobId": "nightly_models"]])))
        #expect(!mute.matches(Delivery(raw: ["event": "sync_end", "connector_id": "nightly_models"])))
        #expect(Mute.Target(subjectOf: Delivery(raw: ["data": ["dbtJobId": "j1"]])) == .dbtJob("j1"))
        #expect(Mute.Target(subjectOf: Delivery(raw: ["connector_id": "c1"])) == .connector("c1"))
        let (removed, output) = try await run(["mute", "remove", "--dbt-job", "nightly_models"], state: state)
        #expect(removed == 0)
        #expect(output.stdout.contains("dbt_job nightly_models"))
        #expect(try await run(["mute", "list"], state: state).1.stdout == "No active mutes.")
    }

    @Test func removingAnUnknownMuteSaysHowToFindOne() async throws {
        let (status, output) = try await run(
            ["mute", "remove", "mute_00000000"], state: TestFiles.temporaryDirectory())
        #expect(status == 1)
        #expect(output.stderr.contains("mute list"))
    }

    @Test func replayRequeuesFailedMessagesAndARunningListenerSendsThem() async throws {
        try await FakeSlack.with { slack in
            slack.script([.noService])
            try await ListenerHarness.with(
                slackURL: slack.url, dispatcher: { $0.pollInterval = .milliseconds(50) }
            ) { listener in
                #expect(try await listener.post(sync("pg", 1)).status == 200)
                #expect(await eventually { try await listener.store.counts().failed == 1 })

                let (replayed, output) = try await run(["replay", "--failed"], state: listener.stateDirectory)
                #expect(replayed == 0)
                #expect(output.stdout.contains("Re-queued 1 failed message"))
                #expect(await eventually { slack.delivered.count == 1 })
                #expect(await eventually { try await listener.store.counts().delivered == 1 })
                #expect(await eventually { try await listener.store.counts() == QueueCounts(delivered: 1) })
            }
        }
    }

    @Test func statusWithoutAnyListenerStateSaysSo() async throws {
        let (status, output) = try await run(["status"], state: TestFiles.temporaryDirectory())
        #expect(status == 1)
        #expect(output.stderr.contains("has not run with this state directory"))
    }
}

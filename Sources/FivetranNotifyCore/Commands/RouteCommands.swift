import Foundation
import Logging

/// The work of `route list` and `route test`: the routes as `listen` would read them now (flags,
/// environment, config.toml), shown with secrets redacted, and tried directly with one test notice.
public enum RouteCommands {
    /// `route list [--json]`: every route in order, the default last; when there is a state (a database
    /// given, or a state directory holding one), each destination with its pending and failed messages.
    public static func list(
        json: Bool, stateDirectory: String? = nil, database: String? = nil, context: CommandContext
    ) async throws {
        let routes = try ConfiguredRoutes.load(context: context, checks: DestinationCatalog.targetChecks)
        let queue = try await RouteQueueCounts.load(
            stateDirectory: stateDirectory, database: database, context: context)
        func entry(_ name: String?, match: RouteMatch?, _ destinations: [DestinationTarget]) -> Entry {
            Entry(
                name: name ?? "default", match: match, destinations: destinations,
                counts: queue.map { queue in
                    destinations.map { queue.counts(route: name, target: $0, of: destinations) }
                })
        }
        let entries =
            routes.routes.map { entry($0.name, match: $0.match, $0.destinations) }
            + [entry(nil, match: nil, routes.defaultDestinations)]
        if json {
            context.output.out(try ReportJSON.encode(entries))
            return
        }
        let rows = entries.map { entry in
            [entry.name, entry.matchText, entry.destinationsText]
        }
        context.output.out(TextTable.render(header: ["ROUTE", "MATCH", "DESTINATIONS"], rows: rows))
        if let elsewhere = queue?.elsewhere(in: routes), elsewhere.pending + elsewhere.failed > 0 {
            context.output.out(
                "Also \(RouteQueueCounts.text(elsewhere)) for destinations no route has now (a route removed or "
                    + "renamed since they were queued, or queued by an older release).")
        }
    }

    /// `route test [NAME]`: one sample failure notice, titled as a test, to every destination of the
    /// route, straight through the destinations (not a listener's queue); PagerDuty gets the matching
    /// resolve right after, so nobody stays paged. Exit 0 only if every destination took it. When there
    /// is a state, a destination's line also says how many of its messages are pending or failed in it.
    public static func test(
        route name: String?, event: String?, status: String?, stateDirectory: String? = nil,
        database: String? = nil, context: CommandContext, transport: (any HTTPTransport)? = nil
    ) async throws {
        let settings = try Settings.load(flags: SettingFlags(), context: context)
        let transport = transport ?? CurlTransport(caFile: settings.caFile)
        let routes = try ConfiguredRoutes.load(
            flags: [:], settings: settings, environment: context.environment, checks: DestinationCatalog.targetChecks)
        let destinations: [DestinationTarget]
        if let name, name != "default" {
            guard let route = routes.routes.first(where: { $0.name == name }) else {
                let known = (routes.routes.map(\.name) + ["default"]).joined(separator: ", ")
                throw NotifyError(
                    "No route is named \"\(name)\"; the routes are: \(known) (see `fivetran-notify route list`).",
                    exitCode: ExitStatus.usage)
            }
            destinations = route.destinations
        } else {
            destinations = routes.defaultDestinations
        }
        guard !destinations.isEmpty else {
            throw NotifyError(
                "The default route has no destination to test. Give one or more: \(RouteDestinations.ways).",
                exitCode: ExitStatus.usage)
        }
        var logger = Logger(label: "fivetran-notify")
        logger.logLevel = .critical
        let slackApp = try SlackAppSettings.resolve(
            flags: SlackAppFlags(), environment: context.environment, config: settings.configFile,
            canResync: (try? settings.credentials()) != nil)
        let catalog = DestinationCatalog(
            transport: { _ in transport },
            pagerDutyURL: try ConfiguredRoutes.pagerDutyURL(settings: settings, environment: context.environment),
            logger: logger, slackApp: slackApp)
        let now = context.now()
        let sample = SampleDeliveries.sample(event: event ?? "sync_end", status: status, now: now)
        let delivery = Delivery(raw: sample.objectValue ?? [:])
        let id = Int64(now.timeIntervalSince1970 * 1000)
        var notice = Notice(id: id, kind: .alert, deliveries: [delivery], createdAt: now)
        notice.isTest = true
        // The state is only a hint here: the test notices go out even when it cannot be read.
        let queue: RouteQueueCounts?
        do {
            queue = try await RouteQueueCounts.load(
                stateDirectory: stateDirectory, database: database, context: context)
        } catch {
            queue = nil
            let reason = (error as? NotifyError)?.message ?? String(describing: error)
            context.output.err("The messages waiting in the state are not shown: \(reason)")
        }
        let routeName = name == "default" ? nil : name
        var refused = 0
        for target in destinations {
            guard let destination = catalog.destination(target.kind) else {
                refused += 1
                context.output.out(
                    "\(target.redacted): not sent: no Slack bot token; give one with \(SlackAppSettings.tokenWays)")
                continue
            }
            var answer =
                if target.kind == .slackApp, let slackApp {
                    await sendLiving(notice, with: destination, to: target, now: now, options: slackApp)
                } else {
                    await send(notice, with: destination, to: target, now: now)
                }
            if target.kind == .pagerduty, answer.accepted {
                var resolve = notice
                resolve.kind = .resolved
                resolve.failures = 1
                resolve.since = now
                let resolved = await send(resolve, with: destination, to: target, now: now)
                answer.text += resolved.accepted ? ", then resolved" : "; the resolve was not taken: \(resolved.text)"
            }
            if !answer.accepted { refused += 1 }
            // Each line names its kind (destinations.md `route test`); the other kinds' redacted
            // targets already start with it.
            let label = target.kind == .slack ? "slack \(target.redacted)" : target.redacted
            var waiting = ""
            if let counts = queue?.counts(route: routeName, target: target, of: destinations),
                counts.pending + counts.failed > 0
            {
                waiting = "; in the state: \(RouteQueueCounts.text(counts))"
                if counts.failed > 0 { waiting += " (`fivetran-notify replay --failed` sends the failed again)" }
            }
            context.output.out("\(label): \(answer.text)\(waiting)")
        }
        if refused > 0 {
            throw NotifyError(
                "\(refused) of \(destinations.count) destinations did not take the test notice; see the answers above.")
        }
    }

    /// The Slack app's test: the test alert posted, then updated in place to its recovered form, with
    /// both answers; with a signing secret, where Slack must send clicks.
    private static func sendLiving(
        _ notice: Notice, with destination: any NoticeDestination, to target: DestinationTarget, now: Date,
        options: SlackAppOptions
    ) async -> Answer {
        var post: String?
        var said: [String] = []
        // The token first: a bad one is one sentence, not a failed post.
        if let app = destination as? SlackAppDestination {
            switch await app.checkToken() {
            case .success(let identity):
                said.append("token of \(identity.team ?? identity.teamID ?? "the workspace") works")
            case .failure(let failure):
                return Answer(accepted: false, text: "bot token refused by auth.test: \(failure.sentence)")
            }
        }
        for (step, kind) in [("posted", NoticeKind.alert), ("updated in place as recovered", .resolved)] {
            var stage = notice
            stage.kind = kind
            if kind == .resolved {
                stage.failures = 1
                stage.since = now
            }
            for body in destination.render(stage, now: now) {
                let (outcome, kept) = await destination.send(body, to: target.encoded, post: post)
                guard outcome == .delivered else {
                    let answer = describe(outcome)
                    return Answer(accepted: false, text: (said + [answer.text]).joined(separator: "; "))
                }
                post = kept ?? post
            }
            said.append(step + (post.flatMap(SlackAppPost.link(ofStored:)).map { " (\($0))" } ?? ""))
        }
        if options.hasButtons {
            said.append(
                "button clicks must reach \(options.actionsPath) on the listener's public URL "
                    + "(`fivetran-notify slack manifest --public-url URL` prints the Request URL)")
        }
        return Answer(accepted: true, text: said.joined(separator: "; "))
    }

    private static func describe(_ outcome: SendOutcome) -> Answer {
        switch outcome {
        case .delivered:
            return Answer(accepted: true, text: "accepted")
        case .rateLimited(let wait):
            return Answer(
                accepted: false,
                text: "rate limited (HTTP 429)" + (wait.map { "; try again in \($0.secondsText)" } ?? ""))
        case .transient(let reason):
            return Answer(accepted: false, text: "not reached: \(reason); try again later")
        case .permanent(_, let reason):
            return Answer(accepted: false, text: "refused: \(reason)")
        }
    }

    /// What one destination answered, in words.
    struct Answer {
        var accepted: Bool
        var text: String
    }

    private static func send(
        _ notice: Notice, with destination: any NoticeDestination, to target: DestinationTarget, now: Date
    ) async -> Answer {
        for body in destination.render(notice, now: now) {
            let outcome = await destination.send(body, to: target.encoded)
            if case .delivered = outcome { continue }
            var answer = describe(outcome)
            if case .permanent = outcome { answer.text += "; check the URL or key" }
            return answer
        }
        return describe(.delivered)
    }

    /// One route as `route list` shows it.
    struct Entry: Encodable {
        var name: String
        var match: RouteMatch?
        var destinations: [DestinationTarget]
        /// Each destination's messages in the state; nil when there is no state.
        var counts: [QueueCounts]?

        var matchText: String {
            guard let match, !match.conditions.isEmpty else {
                return match == nil ? "(everything else)" : "(everything)"
            }
            return match.conditions.sorted { $0.key.rawValue < $1.key.rawValue }.map { key, values in
                "\(key.rawValue)=\(values.sorted().joined(separator: "|"))"
            }.joined(separator: " ")
        }

        var destinationsText: String {
            guard !destinations.isEmpty else { return "(none)" }
            return destinations.indices.map { index in
                let target = destinations[index].redacted
                guard let counts = counts?[index] else { return target }
                return "\(target) (\(RouteQueueCounts.text(counts)))"
            }.joined(separator: ", ")
        }

        enum CodingKeys: String, CodingKey { case name, match, destinations }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(name, forKey: .name)
            var conditions: [String: [String]] = [:]
            for (key, values) in match?.conditions ?? [:] { conditions[key.rawValue] = values.sorted() }
            try container.encode(conditions, forKey: .match)
            try container.encode(
                destinations.indices.map { index in
                    Destination(
                        kind: destinations[index].kind.rawValue, target: destinations[index].redacted,
                        pending: counts?[index].pending, failed: counts?[index].failed)
                }, forKey: .destinations)
        }

        /// A destination in the JSON: its messages only when there is a state.
        private struct Destination: Encodable {
            var kind: String
            var target: String
            var pending: Int?
            var failed: Int?
        }
    }
}

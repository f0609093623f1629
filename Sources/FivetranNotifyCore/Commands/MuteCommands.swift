import Foundation

/// The work of `mute add|list|remove`: mutes are rows in the state directory's SQLite file, which a
/// running listener reads on every failure, so changes take effect at once without a restart. Each
/// takes the state directory as given with `--state-dir` (nil for the default).
public enum MuteCommands {
    /// `mute add`: stores the mute and prints its id. Warns (and still mutes) when no delivery from the
    /// connector or group was ever stored, and when another active mute already covers the same target.
    public static func add(
        target: Mute.Target, for duration: Duration, reason: String?, stateDirectory: String?,
        database: String? = nil, context: CommandContext
    ) async throws {
        try await StateAccess.withStore(stateDirectory: stateDirectory, database: database, context: context) { store in
            try await add(target: target, for: duration, reason: reason, store: store, context: context)
        }
    }

    private static func add(
        target: Mute.Target, for duration: Duration, reason: String?, store: any StateStore, context: CommandContext
    ) async throws {
        let now = context.now()
        let seconds = Double(duration.components.seconds)
        let mute = Mute(
            id: Mute.newID(), target: target, until: now.addingTimeInterval(seconds), reason: reason, createdAt: now)

        if case .event = target {
        } else if try await !store.hasDeliveries(from: target) {
            context.output.err(
                "warning: no delivery from \(mute.targetText) has been received here yet; muting it anyway "
                    + "(check the id if you expected one).")
        }
        for other in try await store.activeMutes(at: now) where other.target == target {
            context.output.err(
                "warning: \(mute.targetText) is already muted until \(TimeText.absolute(other.until)) by "
                    + "\(other.id); both apply until each ends.")
        }
        try await store.addMute(mute)
        context.output.out(mute.id)
        context.output.err(
            "Muted \(mute.targetText) until \(TimeText.absolute(mute.until)); its failures are stored and counted, "
                + "not posted. `fivetran-notify mute remove \(mute.id)` ends it early.")
    }

    /// `mute list`: active mutes, as a table or JSON.
    public static func list(json: Bool, stateDirectory: String?, database: String? = nil, context: CommandContext)
        async throws
    {
        // Reading only: works on a state directory it cannot write; no state yet means no mutes.
        let mutes =
            try await StateAccess.withReadingStore(
                stateDirectory: stateDirectory, database: database, context: context
            ) { store in
                try await store.activeMutes(at: context.now())
            } ?? []
        if json {
            context.output.out(try ReportJSON.encode(mutes.map(StatusReport.MuteEntry.init)))
            return
        }
        context.output.out(MuteTable.render(mutes, now: context.now()))
    }

    /// `mute remove`: by id or by target.
    public static func remove(
        id: String?, target: Mute.Target?, stateDirectory: String?, database: String? = nil, context: CommandContext
    ) async throws {
        let removed = try await StateAccess.withStore(
            stateDirectory: stateDirectory, database: database, context: context
        ) { store in
            try await store.removeMutes(id: id, target: target, at: context.now())
        }
        guard !removed.isEmpty else {
            let what = id ?? target.map { "for \($0.kind) \($0.value)" } ?? ""
            throw NotifyError(
                "No active mute \(what); `fivetran-notify mute list` shows the active ones (expired mutes end by themselves)."
            )
        }
        for mute in removed {
            context.output.out("Removed \(mute.id) (\(mute.targetText)); its failures are posted again.")
        }
    }
}

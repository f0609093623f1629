import Foundation
import Logging
import Synchronization

/// What sweeps learned about the account, for naming things in notices (watch.md "Names, not ids"):
/// every connection's name (`schema`), type, group and current task/warning messages, and every
/// group's name (the destination's name).
///
/// As a `DeliveryEnricher` it fills in what a delivery lacks: `connector_name` (and
/// `connector_type`, `destination_group_id`), `destination_name`, and for a failed `sync_end` without
/// `data.reason` the connection's current messages, marked "(from Fivetran's connection status)". A
/// connection or group the cache does not know is looked up once (`GET /connections/{id}`,
/// `GET /groups/{id}`); the delivery waits at most `lookupTimeout` for it, then goes out as it was
/// (the lookup still fills the cache when it answers later).
public final class AccountNames: DeliveryEnricher, Sendable {
    /// One connection as the cache keeps it.
    public struct ConnectionName: Sendable, Equatable {
        public var schema: String?
        public var service: String?
        public var groupID: String?
        /// Task and warning messages ("message: details"), tasks first.
        public var messages: [String]

        public init(schema: String? = nil, service: String? = nil, groupID: String? = nil, messages: [String] = []) {
            self.schema = schema
            self.service = service
            self.groupID = groupID
            self.messages = messages
        }

        init(_ c: Connection) {
            self.init(
                schema: c.schema, service: c.service, groupID: c.groupID, messages: AccountSweep.messages(c))
        }
    }

    /// The marker of a reason taken from the connection's status rather than the delivery.
    public static let statusReasonMarker = "(from Fivetran's connection status)"

    private struct State {
        var connections: [String: ConnectionName] = [:]
        var groups: [String: String] = [:]
        /// Ids looked up already (answered or not): each is looked up once.
        var lookedUp: Set<String> = []
    }

    private let state = Mutex(State())
    private let client: FivetranAPIClient?
    private let lookupTimeout: Duration
    private let logger: Logger
    /// Counts lookups and their failures on /metrics beside the sweeps' (watch.md "Seeing it").
    private let metrics: WatchMetrics?

    /// - Parameters:
    ///   - client: for looking up unknown ids; nil to use the cache alone. Its retry policy should
    ///     allow few attempts: the lookup is bounded by `lookupTimeout` anyway.
    ///   - lookupTimeout: how long a delivery waits for a lookup (2 s).
    ///   - metrics: where lookups and failed lookups are counted, if anywhere.
    public init(
        client: FivetranAPIClient?, lookupTimeout: Duration = .seconds(2), logger: Logger,
        metrics: WatchMetrics? = nil
    ) {
        self.client = client
        self.lookupTimeout = lookupTimeout
        self.logger = logger
        self.metrics = metrics
    }

    // MARK: - Filled by sweeps

    /// Remembers this sweep's connections (replacing what was known of each).
    public func update(connections: [Connection]) {
        state.withLock { state in
            for c in connections { state.connections[c.id] = ConnectionName(c) }
        }
    }

    public func update(groups: [FivetranGroup]) {
        state.withLock { state in
            for g in groups { if let name = g.name { state.groups[g.id] = name } }
        }
    }

    public func connection(_ id: String) -> ConnectionName? { state.withLock { $0.connections[id] } }

    public func groupName(_ id: String) -> String? { state.withLock { $0.groups[id] } }

    /// Every group name known, by id.
    public var groupNames: [String: String] { state.withLock { $0.groups } }

    /// The ids among `ids` whose group has no name yet.
    public func unnamedGroups(among ids: some Sequence<String>) -> Set<String> {
        state.withLock { state in Set(ids.filter { state.groups[$0] == nil }) }
    }

    // MARK: - Enriching

    public func enrich(_ delivery: Delivery) async -> Delivery {
        let needsReason = Self.needsReason(delivery)
        var connectionID = delivery.connectorId
        if delivery.isTransformationEvent { connectionID = nil }
        let needConnection =
            connectionID.map { id in
                connection(id) == nil
                    && (delivery.connectorName == nil || delivery.destinationGroupId == nil || needsReason)
            } ?? false
        let knownGroup = delivery.destinationGroupId ?? connectionID.flatMap { connection($0)?.groupID }
        let needGroup = delivery.destinationName == nil && (knownGroup.map { groupName($0) == nil } ?? needConnection)
        if needConnection || needGroup {
            await lookUp(connectionID: needConnection ? connectionID : nil, groupID: knownGroup)
        }
        return filled(delivery, needsReason: needsReason)
    }

    private static func needsReason(_ d: Delivery) -> Bool {
        guard d.isSyncEnd, d.status != nil, !d.isSuccessful else { return false }
        return (d.data["reason"]?.displayText ?? "").isEmpty
    }

    private func filled(_ delivery: Delivery, needsReason: Bool) -> Delivery {
        var raw = delivery.raw
        var changed = false
        func set(_ key: String, _ value: String?) {
            guard let value, !value.isEmpty else { return }
            raw[key] = .string(value)
            changed = true
        }
        var groupID = delivery.destinationGroupId
        if let id = delivery.connectorId, !delivery.isTransformationEvent, let known = connection(id) {
            if delivery.connectorName == nil { set("connector_name", known.schema) }
            if delivery.connectorType == nil { set("connector_type", known.service) }
            if groupID == nil, let group = known.groupID {
                set("destination_group_id", group)
                groupID = group
            }
            if needsReason, !known.messages.isEmpty {
                var data = delivery.data
                data["reason"] = .string(known.messages.joined(separator: "\n") + " " + Self.statusReasonMarker)
                raw["data"] = .object(data)
                changed = true
            }
        }
        if delivery.destinationName == nil, let groupID, let name = groupName(groupID) {
            set("destination_name", name)
        }
        return changed ? Delivery(raw: raw) : delivery
    }

    /// Looks up what is unknown, once per id, waiting at most `lookupTimeout`.
    private func lookUp(connectionID: String?, groupID: String?) async {
        guard let client else { return }
        let (lookConnection, lookGroup) = state.withLock { state -> (String?, String?) in
            let c = connectionID.flatMap { state.lookedUp.insert("connection:" + $0).inserted ? $0 : nil }
            let g = groupID.flatMap { state.lookedUp.insert("group:" + $0).inserted ? $0 : nil }
            return (c, g)
        }
        guard lookConnection != nil || lookGroup != nil else { return }
        let logger = self.logger
        let metrics = self.metrics
        let work: @Sendable () async -> Void = { [self] in
            var group = lookGroup
            if let id = lookConnection {
                metrics?.requests.increment()
                do {
                    let c = try await client.connectionDetails(id: id)
                    update(connections: [c])
                    if group == nil, let found = c.groupID, groupName(found) == nil,
                        state.withLock({ $0.lookedUp.insert("group:" + found).inserted })
                    {
                        group = found
                    }
                } catch {
                    metrics?.errors.increment()
                    logger.warning("watch: could not look up connection \(id): \(Self.describe(error))")
                }
            }
            if let id = group {
                metrics?.requests.increment()
                do {
                    update(groups: [try await client.groupDetails(id: id)])
                } catch {
                    metrics?.errors.increment()
                    logger.warning("watch: could not look up group \(id): \(Self.describe(error))")
                }
            }
        }
        let finished = await Deadline.run(within: lookupTimeout, work)
        if !finished {
            // Not answered in time: a failed call too (its late answer, if any, still fills the cache).
            metrics?.errors.increment()
            logger.info(
                Logger.Message(
                    stringLiteral: "watch: the lookup of \(lookConnection ?? lookGroup ?? "") took longer than "
                        + "\(WatchText.duration(lookupTimeout)); the notice goes out with the ids alone"))
        }
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? PersonFacingError { return error.message }
        return String(describing: error)
    }
}

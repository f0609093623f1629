import Foundation

extension DeliveryEndpoint {
    /// Records an account-watch finding (a synthetic delivery, see `WatchFinding`) exactly as a
    /// received delivery is recorded: routed, noise-controlled and muted alike, and told whatever
    /// `--events` forwards. True once it is stored (or was already).
    func recordFinding(_ delivery: Delivery, body: Data) async -> Bool {
        let live = settings.current
        let incoming = IncomingDelivery(
            delivery, body: body, receivedAt: now(), destinations: live.routeTable.references(for: delivery),
            signal: IncidentSignal.of(delivery, forwarded: live.forwardedEvents))
        let title = delivery.data["title"]?.displayText ?? delivery.displayName
        do {
            _ = try await store.record(incoming)
            logger.info(
                "--> watch: \(delivery.event): \(title)",
                metadata: ["event": "\(delivery.event)", "subject": "\(delivery.subjectKey)"])
            return true
        } catch {
            logger.error(
                "watch: cannot store the finding \(delivery.event) (\(title)): \(store.failureText(error)); the next sweep tries again"
            )
            return false
        }
    }
}

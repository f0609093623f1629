import Foundation
import Testing

@testable import FivetranNotifyCore

extension ListenSuites {
    /// Deduplication records are kept at least as long as `max_age` (cli.md "Freshness"), the one in
    /// force: a SIGHUP that raised it is honoured by the next prune.
    @Suite struct DedupRetentionTests {
        @Test func aReloadedMaxAgeKeepsDeduplicationRecordsLonger() async throws {
            let directory = TestFiles.temporaryDirectory().appendingPathComponent("state")
            try DeliveryStore.prepare(stateDirectory: directory)
            let store = try DeliveryStore.open(stateDirectory: directory)
            let received = Date(timeIntervalSince1970: 1_800_000_000)
            let body = Samples.syncEnd(connector: "captured_pg")
            let delivery = try Delivery.parse(body)
            let incoming = IncomingDelivery(
                delivery, body: body, receivedAt: received, destinations: [], signal: nil)
            _ = try await store.record(incoming)

            let settings = LiveSettings(
                ReloadableSettings(
                    verifier: SignatureVerifier(keys: ["k"]), routeTable: RouteTable(defaultDestinations: []),
                    maxAge: .seconds(3 * 86_400)))
            // Eight days later, by the injected clock.
            let clock = TestClock(date: { received.addingTimeInterval(8 * 86_400) })
            let pruner = StorePruner(
                store: store, retention: { StorePruner.retention(maxAge: settings.current.maxAge) },
                clock: clock.serviceClock, logger: .init(label: "test"))
            // SIGHUP: max_age 3d → 10d.
            var reloaded = settings.current
            reloaded.maxAge = .seconds(10 * 86_400)
            settings.replace(with: reloaded)
            #expect(try await pruner.pruneOnce() == 0)
            #expect(try await store.deliveryCount() == 1)
            #expect(try await store.record(incoming) == .duplicate)

            // With the start-up 3d it would have gone (a week's floor): the record really was at stake.
            reloaded.maxAge = .seconds(3 * 86_400)
            settings.replace(with: reloaded)
            #expect(try await pruner.pruneOnce() == 1)
            await store.close()
        }
    }
}

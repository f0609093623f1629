import Foundation
import Testing

@testable import FivetranNotifyCore

extension ListenSuites {
    /// cli.md "Memory has a budget": request bodies in flight share one budget; a request that does
    /// not fit is refused before its body is read (503 with Retry-After, `Connection: close`), never
    /// acknowledged, while small deliveries still get through; the budget is whole again afterwards.
    @Suite struct BodyBudgetTests {
        @Test func largeBodiesOverTheBudgetAreRefusedEarlyAndRealDeliveriesStillPass() async throws {
            try await ListenerHarness.with(slackURL: nil, maxBodyMemory: 3 << 20) { listener in
                // Two slow clients hold 1 MiB each: 2 of the 2.625 MiB large bodies may use.
                let header =
                    "POST / HTTP/1.1\r\nHost: x\r\nX-Fivetran-Signature-256: bad\r\nContent-Length: 1048576\r\n\r\n"
                let holders = try (0..<2).map { _ in try RawConnection(port: listener.port) }
                for holder in holders { holder.send(header + String(repeating: "x", count: 1000)) }
                let full = await eventually(within: .seconds(5)) { listener.bodyBudget.inFlight == 2 << 20 }
                #expect(full, "in flight: \(listener.bodyBudget.inFlight)")

                // A third large body is refused at once, before its body is sent.
                let third = try RawConnection(port: listener.port)
                third.send(header)
                let answer = await third.answer(within: .seconds(5))
                #expect(answer.hasPrefix("HTTP/1.1 503"), "\(answer)")
                #expect(answer.lowercased().contains("retry-after: 5"), "\(answer)")
                #expect(answer.lowercased().contains("connection: close"), "\(answer)")

                // A real delivery still fits (the reserve for small bodies) and is stored.
                #expect(try await listener.post(Samples.syncEnd(connector: "during_flood")).status == 200)

                // The slow clients leave: the whole budget is back.
                for holder in holders { holder.closeNow() }
                #expect(await eventually(within: .seconds(5)) { listener.bodyBudget.inFlight == 0 })
                let big = Data(repeating: UInt8(ascii: "x"), count: 1 << 20)
                #expect(try await listener.post(big, signature: .header("bad")).status == 401)
            }
        }

        @Test func theReserveIsForSmallBodiesOnly() {
            let budget = BodyBudget(limit: 8 << 20, smallBody: 64 << 10)
            let large = (0..<7).compactMap { _ in budget.admit(1 << 20) }
            #expect(large.count == 7)
            #expect(budget.admit(1 << 20) == nil, "a large body used the reserve")
            let small = budget.admit(4096)
            #expect(small != nil)
            small?.release()
            small?.release()
            #expect(budget.inFlight == 7 << 20)
            for reservation in large { reservation.release() }
            #expect(budget.inFlight == 0)
        }
    }
}

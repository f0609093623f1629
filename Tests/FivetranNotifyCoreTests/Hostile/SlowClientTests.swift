import Foundation
import Synchronization
import Testing

@testable import FivetranNotifyCore

extension ListenSuites {
    /// Slow and idle clients (cli.md, "Order, freshness, signals and hostile clients"): a request must
    /// arrive whole within `--request-timeout` of its first byte, at most `--max-connections` are open.
    @Suite struct SlowClientTests {
        /// Sends `text` every 200 ms (each resetting the idle timer) until the server closes the
        /// connection; true when it did within `limit`.
        static func isCut(_ client: RawConnection, trickling text: String, within limit: Duration) async -> Bool {
            let started = ContinuousClock.now
            while ContinuousClock.now - started < limit {
                client.send(text)
                if await client.isClosedByServer(within: .milliseconds(200)) { return true }
            }
            return false
        }

        @Test func aTricklingBodyIsCutAtTheRequestTimeoutThoughEachByteResetsTheIdleTimer() async throws {
            try await ListenerHarness.with(slackURL: nil, idleTimeout: .seconds(15), requestTimeout: .seconds(1)) {
                listener throws in
                let client = try RawConnection(port: listener.port)
                #expect(client.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n"))
                #expect(await Self.isCut(client, trickling: "x", within: .seconds(3)))
            }
        }

        @Test func tricklingHeadersAreCutToo() async throws {
            try await ListenerHarness.with(slackURL: nil, requestTimeout: .seconds(1)) { listener throws in
                let client = try RawConnection(port: listener.port)
                #expect(client.send("POST / HTTP/1.1\r\n"))
                #expect(await Self.isCut(client, trickling: "X-Slow: a\r\n", within: .seconds(3)))
            }
        }

        @Test func aWellBehavedDeliveryIsAnsweredWhileSlowClientsHoldConnections() async throws {
            try await ListenerHarness.with(slackURL: nil) { listener throws in
                // Warm up the client (libcurl is loaded on first use), so only the server is timed.
                #expect(try await listener.post(Samples.syncEnd(connector: "warm_up")).status == 200)
                let slow = try (0..<200).map { _ in try RawConnection(port: listener.port) }
                for client in slow { client.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n") }
                let started = ContinuousClock.now
                let response = try await listener.post(Samples.syncEnd(connector: "among_slow"))
                #expect(response.status == 200)
                // Alone this takes milliseconds; the bound leaves room for the rest of the suite running
                // beside it on two cores, and is far below the 30 s a server held by the slow ones takes.
                #expect(ContinuousClock.now - started < .seconds(5))
                withExtendedLifetime(slow) {}
            }
        }

        @Test func connectionsBeyondTheCapWaitInTheBacklogInsteadOfBeingRefused() async throws {
            try await ListenerHarness.with(slackURL: nil, maxConnections: 2) { listener throws in
                let held = try (0..<2).map { _ in try RawConnection(port: listener.port) }
                // Each is accepted and served once, then kept open (keep-alive): both count as open.
                for client in held {
                    client.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                    #expect(await client.receivesAnAnswer(within: .seconds(5)))
                }
                let answered = Mutex(false)
                let post = Task {
                    let response = try await listener.post(Samples.syncEnd(connector: "waiting"))
                    answered.withLock { $0 = true }
                    return response.status
                }
                try await Task.sleep(for: .milliseconds(500))
                #expect(answered.withLock { $0 } == false, "a third connection was served beyond --max-connections 2")
                held[0].closeNow()
                #expect(try await post.value == 200)
                withExtendedLifetime(held) {}
            }
        }

        @Test func anyOtherMethodOnAKnownPathIs405() async throws {
            try await ListenerHarness.with(slackURL: nil) { listener throws in
                for (method, path, allow) in [
                    ("PROPFIND", "/", "POST"), ("TRACE", "/", "POST"), ("MKCOL", "/", "POST"), ("GET", "/", "POST"),
                    ("PUT", "/healthz", "GET, HEAD"), ("LOCK", "/metrics", "GET, HEAD"),
                ] {
                    let response = try await listener.get(path, method: method)
                    #expect(response.status == 405, "\(method) \(path)")
                    #expect(response.header("Allow") == allow, "\(method) \(path)")
                }
                #expect(try await listener.get("/elsewhere", method: "PROPFIND").status == 404)
            }
        }
    }
}

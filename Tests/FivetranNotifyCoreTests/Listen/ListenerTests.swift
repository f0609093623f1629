import Foundation
import Testing

@testable import FivetranNotifyCore

extension ListenSuites {
    /// The HTTP contract of `listen`, over real HTTP against a real store.
    @Suite struct ListenerTests {
        @Test func storesAVerifiedDeliveryAndAnswers200() async throws {
            try await ListenerHarness.with(slackURL: nil) { listener in
                let body = TestFiles.fixture("events/sync_end_failure.json")
                let response = try await listener.post(body)
                #expect(response.status == 200)
                #expect(try await listener.store.deliveryCount() == 1)
                #expect(listener.logs.stderr.contains("--> sync_end ftar_pg FAILURE"))
                // --dry-run: the Slack payload is printed on stdout instead of posted.
                #expect(await eventually { listener.logs.stdout.contains(#""text":"#) })
                #expect(listener.logs.stdout.contains("ftar_pg"))
                // Lowercase hex is accepted too.
                let other = Samples.syncEnd(connector: "lower")
                let lower = SignatureVerifier.signature(body: other, key: ListenerHarness.key, uppercase: false)
                #expect(try await listener.post(other, signature: .header(lower)).status == 200)
            }
        }

        @Test(arguments: ["missing", "wrong", "truncated", "non-hex"])
        func rejectsABadSignatureWithoutStoring(_ kind: String) async throws {
            try await ListenerHarness.with(slackURL: nil) { listener in
                let body = TestFiles.fixture("events/sync_end_failure.json")
                let good = SignatureVerifier.signature(body: body, key: ListenerHarness.key)
                let signature: ListenerHarness.Signature
                switch kind {
                case "missing": signature = .none
                case "wrong": signature = .header(SignatureVerifier.signature(body: body, key: "another-key"))
                case "truncated": signature = .header(String(good.dropLast()))
                default: signature = .header(String(repeating: "z", count: 64))
                }
                let response = try await listener.post(body, signature: signature)
                #expect(response.status == 401)
                #expect(try await listener.store.deliveryCount() == 0)
            }
        }

        @Test func rejectsSignedBodiesThatAreNotJSONObjects() async throws {
            try await ListenerHarness.with(slackURL: nil) { listener throws in
                #expect(try await listener.post(Data("not json at all".utf8)).status == 400)
                #expect(try await listener.post(Data(#"[{"event":"sync_end"}]"#.utf8)).status == 400)
                #expect(try await listener.store.deliveryCount() == 0)
            }
        }

        @Test func rejectsABodyOverTheLimit() async throws {
            try await ListenerHarness.with(slackURL: nil) { listener in
                var big = Data(#"{"event":"sync_end","padding":""#.utf8)
                big.append(Data(repeating: UInt8(ascii: "x"), count: 2 << 20))
                big.append(Data(#""}"#.utf8))
                let response = try await listener.post(big)
                #expect(response.status == 413)
                #expect(try await listener.store.deliveryCount() == 0)
            }
        }

        @Test func aFullDiskAnswers503AndStoresNothingUntilThereIsRoom() async throws {
            try await ListenerHarness.with(slackURL: nil) { listener in
                // SQLite's page limit stands in for a disk that has filled up: a write that needs one more
                // page fails with SQLITE_FULL, as it does on a full file system.
                try await listener.store.pool.writeWithoutTransaction { db in
                    let pages = try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0
                    try db.execute(sql: "PRAGMA max_page_count = \(pages)")
                }
                let failure = try JSONSerialization.jsonObject(with: TestFiles.fixture("events/sync_end_failure.json"))
                var object = try #require(failure as? [String: Any])
                object["padding"] = String(repeating: "x", count: 32 << 10)  // needs overflow pages
                let body = try JSONSerialization.data(withJSONObject: object)

                let refused = try await listener.post(body)
                #expect(refused.status == 503)
                #expect(refused.text.contains("could not be stored"))
                #expect(try await listener.store.deliveryCount() == 0)
                #expect(listener.logs.stderr.contains("disk holding \(listener.store.path) is full"))

                // Space is freed; Fivetran's retry of the same delivery is stored and answered 200.
                try await listener.store.pool.writeWithoutTransaction { db in
                    try db.execute(sql: "PRAGMA max_page_count = 1073741823")
                }
                #expect(try await listener.post(body).status == 200)
                #expect(try await listener.store.deliveryCount() == 1)
            }
        }

        @Test func answersOtherMethodsAndPaths() async throws {
            try await ListenerHarness.with(slackURL: nil) { listener in
                #expect(try await listener.get("/").status == 405)
                #expect(try await listener.get("/", method: "PUT").status == 405)
                #expect(try await listener.get("/healthz", method: "POST").status == 405)
                #expect(try await listener.get("/nope").status == 404)
                #expect(try await listener.post(Data("{}".utf8), path: "/elsewhere").status == 404)
                let health = try await listener.get("/healthz")
                #expect(health.status == 200)
                #expect(health.text.contains(#""undelivered":0"#))
                _ = try await listener.post(Data("nope".utf8), signature: .none)
                let metrics = try await listener.get("/metrics")
                #expect(metrics.status == 200)
                #expect(metrics.text.contains(#"fivetran_notify_deliveries_rejected_total{reason="signature"} 1"#))
                #expect(metrics.text.contains("fivetran_notify_slack_messages_pending"))
            }
        }

        @Test func dropsAClientThatSendsHeadersThenNothing() async throws {
            try await ListenerHarness.with(slackURL: nil, idleTimeout: .milliseconds(300)) { listener in
                let started = ContinuousClock.now
                let closed = try await RawClient.sendAndWaitForClose(
                    port: listener.port,
                    request: "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n",
                    giveUpAfter: .seconds(5))
                let elapsed = ContinuousClock.now - started
                #expect(closed)
                #expect(elapsed < .seconds(3))
                #expect(try await listener.store.deliveryCount() == 0)
            }
        }

        @Test func logsOneJSONObjectPerLineWithLogFormatJSON() throws {
            let output = CapturedOutput()
            let logger = ListenLogHandler.logger(format: .json, write: output.output.err)
            logger.info("--> sync_end ftar_pg FAILURE", metadata: ["destination": "hooks.slack.com/…abcd"])
            let object = try JSONSerialization.jsonObject(with: Data(output.stderr.utf8)) as? [String: Any]
            #expect(object?["message"] as? String == "--> sync_end ftar_pg FAILURE")
            #expect(object?["level"] as? String == "info")
            #expect(object?["destination"] as? String == "hooks.slack.com/…abcd")
            #expect(object?["time"] is String)
        }

        @Test func storesTestEventsAndUnknownEventsWithoutForwarding() async throws {
            try await FakeSlack.with { slack in
                try await ListenerHarness.with(slackURL: slack.url) { listener throws in
                    for name in ["test_event.json", "unknown_future_event.json", "sync_end_successful.json"] {
                        #expect(try await listener.post(TestFiles.fixture("events/" + name)).status == 200)
                    }
                    #expect(try await listener.store.deliveryCount() == 3)
                    #expect(try await listener.store.counts() == QueueCounts())
                }
            }
        }
    }
}

/// A bare TCP client for the slow-client test.
enum RawClient {
    /// Connects, sends `request`, then reads until the server closes (true) or `giveUpAfter` (false).
    static func sendAndWaitForClose(port: Int, request: String, giveUpAfter: Duration) async throws -> Bool {
        let client = try RawConnection(port: port)
        client.send(request)
        return await client.isClosedByServer(within: giveUpAfter)
    }
}

import ArgumentParser
import Foundation
import Hummingbird
import Synchronization
import Testing

@testable import FivetranNotifyCore
@testable import fivetran_notify

/// A tiny receiver that checks signatures as a correct listener does and records what it got.
private final class RecordingReceiver: Sendable {
    let server: TestHTTPServer
    private let received = Mutex<[(signature: String?, body: Data)]>([])

    var deliveries: [(signature: String?, body: Data)] { received.withLock { $0 } }

    private init(server: TestHTTPServer) { self.server = server }

    static func start(key: String) async throws -> RecordingReceiver {
        let box = Mutex<RecordingReceiver?>(nil)
        let router = Router()
        let verifier = SignatureVerifier(keys: [key])
        router.post("/hook") { request, _ -> Response in
            let body = Data(buffer: try await request.body.collect(upTo: 1 << 20))
            let signature = request.headers[.init("X-Fivetran-Signature-256")!]
            box.withLock { $0 }?.received.withLock { $0.append((signature, body)) }
            return Response(status: verifier.isValid(body: body, signature: signature) ? .ok : .unauthorized)
        }
        let receiver = RecordingReceiver(server: try await TestHTTPServer.start(router))
        box.withLock { $0 = receiver }
        return receiver
    }

    /// A receiver for the length of `body`, stopped afterwards even when `body` throws.
    static func with<Result>(key: String, _ body: (RecordingReceiver) async throws -> Result) async throws -> Result {
        try await withStarted({ try await start(key: key) }, stop: { await $0.server.stop() }, body)
    }
}

@Suite struct SendTestTests {
    let key = "3f9a1c0e7b2d4e6f8a9b0c1d2e3f405162738495a6b7c8d9e0f1a2b3c4d5e6f7"

    private func context(
        _ output: CapturedOutput, home: URL = TestFiles.temporaryDirectory(), environmentKey: String? = nil
    ) -> CommandContext {
        CommandContext(
            environment: ["HOME": home.path, "FIVETRAN_SIGNING_KEY": environmentKey ?? key],
            output: output.output)
    }

    private func run(_ arguments: [String], _ output: CapturedOutput, environmentKey: String? = nil) async throws
        -> Int32
    {
        let command = try #require(
            try FivetranNotifyCommand.parseAsRoot(["send-test"] + arguments) as? FivetranNotifyCommand.SendTest)
        do {
            try await command.run(context(output, environmentKey: environmentKey))
            return 0
        } catch let exit as ExitCode {
            return exit.rawValue
        }
    }

    @Test func sendsASignedFailedSyncByDefault() async throws {
        try await RecordingReceiver.with(key: key) { receiver in
            let output = CapturedOutput()
            let status = try await run(["--url", "\(receiver.server.baseURL)/hook"], output)
            #expect(status == 0)
            let delivery = try #require(receiver.deliveries.first)
            let signature = try #require(delivery.signature)
            #expect(signature == signature.uppercased())
            #expect(SignatureVerifier(keys: [key]).isValid(body: delivery.body, signature: signature))
            let parsed = try Delivery.parse(delivery.body)
            #expect(parsed.event == "sync_end")
            #expect(parsed.status == "FAILURE")
            #expect(parsed.syncId != nil)
            #expect(output.stdout.hasPrefix("200"))
        }
    }

    @Test func signsWithTheEnvironmentKeyAsListenReadsIt() async throws {
        // A trailing newline (from `$(cat key)` or a secrets manager) is not part of the key, for
        // send-test as for listen.
        try await RecordingReceiver.with(key: key) { receiver in
            let url = "\(receiver.server.baseURL)/hook"
            #expect(try await run(["--url", url], CapturedOutput(), environmentKey: " \(key)\n") == 0)
            let signature = try #require(receiver.deliveries.first?.signature)
            #expect(SignatureVerifier(keys: [key]).isValid(body: receiver.deliveries[0].body, signature: signature))
        }
    }

    @Test func statusIsDataStatusOnEveryEventWhateverItsCharacters() throws {
        let status = #"WEIRD "quoted" \ STATUS"#
        for event in ["connection_failure", "dbt_run_failed", "test_event", "some_future_event", "sync_end"] {
            let request = try SendTestRunner.request(
                SendTestRunner.Options(event: event, status: status), context: context(CapturedOutput()))
            let delivery = try Delivery.parse(try #require(request.body))
            #expect(delivery.status == status, "\(event)")
        }
    }

    @Test func lowercaseSignsInLowercaseHex() async throws {
        try await RecordingReceiver.with(key: key) { receiver in
            #expect(try await run(["--url", "\(receiver.server.baseURL)/hook", "--lowercase"], CapturedOutput()) == 0)
            let signature = try #require(receiver.deliveries.first?.signature)
            #expect(signature == signature.lowercased())
        }
    }

    @Test func repeatedSendsAreDistinctSoDedupDoesNotSwallowThem() async throws {
        let now = Date()
        let first = SampleDeliveries.sample(event: "sync_end", status: nil, now: now)
        let second = SampleDeliveries.sample(event: "sync_end", status: nil, now: now.addingTimeInterval(1))
        let a = try Delivery.parse(JSONEncoder().encode(first))
        let b = try Delivery.parse(JSONEncoder().encode(second))
        #expect(a.syncId != b.syncId)
        #expect(a.created != b.created)
    }

    @Test(arguments: ["--unsigned", "--bad-signature"])
    func unsignedAndBadSignatureSucceedOnlyWhenRejected(flag: String) async throws {
        try await RecordingReceiver.with(key: key) { receiver in
            let output = CapturedOutput()
            #expect(try await run(["--url", "\(receiver.server.baseURL)/hook", flag], output) == 0)
            #expect(output.stdout.hasPrefix("401"))
            let delivery = try #require(receiver.deliveries.first)
            #expect((delivery.signature == nil) == (flag == "--unsigned"))
        }
    }

    @Test func failsWhenAListenerAcceptsABadSignature() async throws {
        let router = Router()
        router.post("/") { _, _ in Response(status: .ok) }
        try await TestHTTPServer.with(router) { careless throws in
            let output = CapturedOutput()
            #expect(try await run(["--url", "\(careless.baseURL)/", "--bad-signature"], output) == 1)
            #expect(output.stderr.contains("must answer 401"))
        }
    }

    @Test func failsWhenTheListenerRejectsTheKey() async throws {
        try await RecordingReceiver.with(key: "another-key") { receiver throws in
            let output = CapturedOutput()
            #expect(try await run(["--url", "\(receiver.server.baseURL)/hook"], output) == 1)
            #expect(output.stderr.contains("keygen --show"))
        }
    }

    @Test func unreachableListenerSaysSoWithoutADump() async throws {
        let output = CapturedOutput()
        #expect(try await run(["--url", "http://127.0.0.1:9/"], output) == 1)
        #expect(output.stderr.contains("could not reach 127.0.0.1"))
    }

    @Test func cacertLetsItReachAListenerWithASelfSignedCertificate() async throws {
        let files = try TLSFiles(certificate: .localhost, key: .localhost)
        let tls = try ReloadableTLS(certificateFile: files.certificate, keyFile: files.key)
        let untrusted = CapturedOutput()
        let trusted = CapturedOutput()
        let (untrustedStatus, trustedStatus) = try await TLSTestServer.with(tls: tls) { server in
            let untrustedStatus = try await run(["--url", server.url], untrusted)
            // Trusted, the TLS handshake succeeds and the (GET-only) test server answers 4xx.
            let trustedStatus = try await run(["--url", server.url, "--cacert", TLSFixture.localhost.caFile], trusted)
            return (untrustedStatus, trustedStatus)
        }
        #expect(untrustedStatus == 1)
        #expect(untrusted.stderr.contains("could not reach 127.0.0.1"))
        #expect(trustedStatus == 1)
        #expect(trusted.stderr.contains("The listener answered 4"))
    }

    @Test func printShowsHeadersAndBodyWithoutSending() async throws {
        let output = CapturedOutput()
        let status = try await run(
            ["--print", "--event", "dbt_run_failed", "--set", "data.dbtJobName=nightly"], output)
        #expect(status == 0)
        #expect(output.stdout.contains("X-Fivetran-Signature-256: "))
        let body = try #require(output.stdout.split(separator: "\n").last)
        let delivery = try Delivery.parse(Data(body.utf8))
        #expect(delivery.event == "dbt_run_failed")
        #expect(delivery.dbtJobName == "nightly")
    }

    @Test func everyKnownEventHasASampleThatParsesAndForwardsFailures() throws {
        let forwarded = ForwardedEvents(names: nil)
        for event in SampleDeliveries.eventNames {
            let body = try JSONEncoder().encode(SampleDeliveries.sample(event: event, status: nil, now: Date()))
            let delivery = try Delivery.parse(body)
            #expect(delivery.event == event)
            let isFailure = [
                "sync_end", "dbt_run_failed", "transformation_run_failed", "transformation_failed",
                "connection_failure",
            ].contains(event)
            #expect(forwarded.shouldForward(delivery) == isFailure, "\(event)")
        }
    }

    @Test func statusShortcutSetsDataStatus() async throws {
        let output = CapturedOutput()
        #expect(try await run(["--print", "--status", "RESCHEDULED"], output) == 0)
        let body = try #require(output.stdout.split(separator: "\n").last)
        let delivery = try Delivery.parse(Data(body.utf8))
        #expect(delivery.status == "RESCHEDULED")
        #expect(delivery.data["rescheduledAt"] != nil)
    }

    @Test func conflictingFlagsAreAUsageError() {
        #expect(throws: (any Error).self) {
            _ = try FivetranNotifyCommand.parseAsRoot(["send-test", "--unsigned", "--bad-signature"])
        }
    }
}

@Suite struct JSONOverrideTests {
    let sample: JSONValue = [
        "event": "sync_end",
        "data": ["status": "FAILURE", "steps": [["success": true]]],
    ]

    @Test func setsNestedPathsCreatingObjects() throws {
        let result = try JSONOverride(parsing: "data.extra.note=hello").apply(to: sample)
        #expect(
            result == [
                "event": "sync_end",
                "data": ["status": "FAILURE", "steps": [["success": true]], "extra": ["note": "hello"]],
            ])
    }

    @Test func parsesJSONValuesAndFallsBackToStrings() throws {
        #expect(try JSONOverride(parsing: "a=true").value == .bool(true))
        #expect(try JSONOverride(parsing: "a=3").value == .number(3))
        #expect(try JSONOverride(parsing: "a={\"b\":[1]}").value == ["b": [.number(1)]])
        #expect(try JSONOverride(parsing: "a=\"quoted\"").value == "quoted")
        #expect(try JSONOverride(parsing: "a=disk full").value == "disk full")
        #expect(try JSONOverride(parsing: "a=x=y").value == "x=y")
        #expect(try JSONOverride(parsing: "a=").value == "")
    }

    @Test func indexesArrays() throws {
        let result = try JSONOverride(parsing: "data.steps.0.success=false").apply(to: sample)
        #expect(result == ["event": "sync_end", "data": ["status": "FAILURE", "steps": [["success": false]]]])
        let appended = try JSONOverride(parsing: "data.steps.1=\"x\"").apply(to: sample)
        #expect(appended == ["event": "sync_end", "data": ["status": "FAILURE", "steps": [["success": true], "x"]]])
    }

    @Test(arguments: ["no-equals", "=x", "data..status=x", ".a=1"])
    func rejectsMalformedOverrides(text: String) {
        #expect(throws: NotifyError.self) { try JSONOverride(parsing: text) }
    }

    @Test func badPathsSayWhatIsWrong() throws {
        let intoString = #expect(throws: NotifyError.self) {
            try JSONOverride(parsing: "data.status.code=1").apply(to: sample)
        }
        #expect(intoString?.message.contains("data.status is a single value") == true)
        let outOfRange = #expect(throws: NotifyError.self) {
            try JSONOverride(parsing: "data.steps.5=1").apply(to: sample)
        }
        #expect(outOfRange?.message.contains("index from 0 to 1") == true)
    }
}

import Foundation
import Synchronization
import Testing

@testable import FivetranNotifyCore

extension ListenSuites {
    /// `listen` as users run it: the built `fivetran-notify` binary as a child process.
    @Suite struct ListenProcessTests {
        @Test func sigkillWhileSlackIsDownLosesNothingAndPostsNothingTwice() async throws {
            try await FakeSlack.with(default: .serverError) { slack in
                let home = TestFiles.temporaryDirectory()
                let state = home.appendingPathComponent("state")
                let names = (1...20).map { String(format: "crash_conn_%02d", $0) }

                try await ListenProcess.with(home: home, state: state, slackURL: slack.url) { first in
                    for name in names {
                        let response = try await first.post(Samples.syncEnd(connector: name))
                        #expect(response.status == 200)
                    }
                    first.kill(SIGKILL)
                    #expect(await first.waitForExit() != nil)
                }
                #expect(slack.delivered.isEmpty)

                slack.setDefault(.ok)
                try await ListenProcess.with(home: home, state: state, slackURL: slack.url) { second in
                    let allNamed = await eventually(within: .seconds(20)) {
                        names.allSatisfy { name in slack.delivered.contains { $0.text.contains(name) } }
                    }
                    #expect(allNamed, "stderr: \(second.stderr)")
                    // Let the listener settle, then check the queue from outside while it runs.
                    let store = try DeliveryStore(path: state.appendingPathComponent(DeliveryStore.fileName).path)
                    #expect(await eventually { (try? await store.counts().pending) == 0 })
                    await store.close()

                    second.kill(SIGTERM)
                    let status = await second.waitForExit()
                    #expect(status == 0, "stderr: \(second.stderr)")
                    for name in names {
                        #expect(slack.delivered.filter { $0.text.contains(name) }.count == 1, "\(name)")
                    }
                }
            }
        }

        @Test func loadsLibcurlOnlyOnceThereIsSomethingToPost() async throws {
            try await FakeSlack.with(default: .ok) { slack in
                let home = TestFiles.temporaryDirectory()
                try await ListenProcess.with(
                    home: home, state: home.appendingPathComponent("state"), slackURL: slack.url
                ) { listener in
                    let success = try await listener.post(
                        Samples.syncEnd(connector: "healthy_pg", status: "SUCCESSFUL"))
                    #expect(success.status == 200)
                    #expect(listener.maps.contains("fivetran-notify"))
                    #expect(!listener.maps.contains("libcurl"), "a listener with nothing to post loaded libcurl")

                    let failure = try await listener.post(Samples.syncEnd(connector: "broken_pg"))
                    #expect(failure.status == 200)
                    #expect(await eventually { slack.delivered.contains { $0.text.contains("broken_pg") } })
                    #expect(listener.maps.contains("libcurl"))
                    listener.kill(SIGTERM)
                    #expect(await listener.waitForExit() == 0)
                }
            }
        }

        @Test func refusesToStartWithoutAWritableStateDirectory() async throws {
            let home = TestFiles.temporaryDirectory()
            let file = home.appendingPathComponent("a-file")
            _ = FileManager.default.createFile(atPath: file.path, contents: Data())
            let output = CapturedOutput()
            var options = ListenOptions()
            options.dryRun = true
            options.stateDirectory = file.appendingPathComponent("state").path
            options.port = 0
            let context = CommandContext(
                environment: ["HOME": home.path, "FIVETRAN_SIGNING_KEY": "k"],
                output: output.output)
            let status = await runReportingErrors(output.output) {
                try await ListenRunner.run(options, context: context)
            }
            #expect(status == 1)
            #expect(output.stderr.contains("is not writable"))
            #expect(output.stderr.contains("--state-dir"))
        }

        @Test func refusesToStartWithoutAKeyOrASlackURL() async throws {
            let home = TestFiles.temporaryDirectory()
            let output = CapturedOutput()
            var options = ListenOptions()
            options.stateDirectory = home.appendingPathComponent("state").path
            let noKey = CommandContext(
                environment: ["HOME": home.path], output: output.output)
            let status = await runReportingErrors(output.output) { try await ListenRunner.run(options, context: noKey) }
            #expect(status == ExitStatus.credentials)
            #expect(output.stderr.contains("keygen"))
            #expect(output.stderr.contains("FIVETRAN_SIGNING_KEY"))

            let noSlack = CommandContext(
                environment: ["HOME": home.path, "FIVETRAN_SIGNING_KEY": "k"],
                output: output.output)
            let second = await runReportingErrors(output.output) {
                try await ListenRunner.run(options, context: noSlack)
            }
            #expect(second != 0)
            for name in ["--slack-webhook-url", "SLACK_WEBHOOK_URL", "slack_webhook_url", "--dry-run"] {
                #expect(output.stderr.contains(name), "\(name)")
            }
        }
    }
}

/// A `fivetran-notify listen` child process on a free port.
final class ListenProcess: Sendable {
    let process: Process
    let port: Int
    /// `http`, or `https` with `--tls-cert`.
    let scheme: String
    private let errors: ErrorsBox

    private init(process: Process, port: Int, scheme: String, errors: ErrorsBox) {
        self.process = process
        self.port = port
        self.scheme = scheme
        self.errors = errors
    }

    var stderr: String { errors.text }

    /// The built executable, next to the test bundle.
    static var executable: URL {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
            Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent(),
        ]
        for directory in candidates {
            let url = directory.appendingPathComponent("fivetran-notify")
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue {
                return url
            }
        }
        return candidates[0].appendingPathComponent("fivetran-notify")
    }

    private static func start(
        home: URL, state: URL, slackURL: String, arguments: [String] = [], environment: [String: String] = [:],
        wrapper: [String] = []
    ) async throws -> ListenProcess {
        let process = Process()
        let command =
            [
                executable.path, "listen", "--host", "127.0.0.1", "--port", "0", "--state-dir", state.path,
                "--slack-webhook-url", slackURL,
            ] + arguments
        // A wrapper (such as `unshare … sh -c '…; exec "$@"'`) execs the listener in the same process.
        let full = wrapper + command
        process.executableURL = URL(fileURLWithPath: full[0])
        process.arguments = Array(full.dropFirst())
        let scheme = arguments.contains("--tls-cert") ? "https" : "http"
        process.environment = [
            "PATH": "/usr/bin:/bin", "HOME": home.path,
            "XDG_CONFIG_HOME": home.appendingPathComponent("config").path,
            "FIVETRAN_SIGNING_KEY": ListenerHarness.key,
        ].merging(environment) { $1 }
        let pipe = Pipe()
        process.standardError = pipe
        process.standardOutput = FileHandle.nullDevice
        let reader = pipe.fileHandleForReading
        let box = ErrorsBox()
        reader.readabilityHandler = { handle in
            let data = handle.availableData
            if data.isEmpty {
                handle.readabilityHandler = nil
                return
            }
            box.append(String(decoding: data, as: UTF8.self))
        }
        try process.run()
        var port = 0
        _ = await eventually(within: .seconds(20)) {
            let text = box.text
            guard let range = text.range(of: "listening on \(scheme)://127.0.0.1:") else { return !process.isRunning }
            let digits = text[range.upperBound...].prefix { $0.isNumber }
            port = Int(digits) ?? 0
            return port > 0
        }
        guard port > 0 else {
            process.terminate()
            throw TestServerError(message: "listen did not start: \(box.text)")
        }
        return ListenProcess(process: process, port: port, scheme: scheme, errors: box)
    }

    /// A listener process for the length of `body`; killed afterwards if it is still running, even when
    /// `body` throws.
    static func with<Result>(
        home: URL, state: URL, slackURL: String, arguments: [String] = [], environment: [String: String] = [:],
        wrapper: [String] = [],
        _ body: (ListenProcess) async throws -> Result
    ) async throws -> Result {
        try await withStarted(
            {
                try await start(
                    home: home, state: state, slackURL: slackURL, arguments: arguments, environment: environment,
                    wrapper: wrapper)
            },
            stop: { listener in
                if listener.process.isRunning {
                    listener.kill(SIGKILL)
                    _ = await listener.waitForExit()
                }
            }, body)
    }

    /// Posts a signed delivery; over HTTPS, trusting only `caFile`.
    func post(_ body: Data, trusting caFile: String? = nil) async throws -> HTTPResponse {
        try await CurlTransport(caFile: caFile).send(
            HTTPRequest(
                method: "POST", url: "\(scheme)://127.0.0.1:\(port)/",
                headers: [
                    ("Content-Type", "application/json"),
                    ("X-Fivetran-Signature-256", SignatureVerifier.signature(body: body, key: ListenerHarness.key)),
                ], body: body))
    }

    /// GETs a path of the listener (`/healthz`, `/metrics`).
    func get(_ path: String) async throws -> HTTPResponse {
        try await CurlTransport().send(HTTPRequest(method: "GET", url: "\(scheme)://127.0.0.1:\(port)\(path)"))
    }

    /// The listener's memory map (`/proc/PID/maps`): which files it has loaded.
    var maps: String {
        // /proc files report a size of 0: read them to the end instead.
        let file = FileHandle(forReadingAtPath: "/proc/\(process.processIdentifier)/maps")
        let maps = (try? file?.readToEnd()).flatMap { $0 }.map { String(decoding: $0, as: UTF8.self) } ?? ""
        try? file?.close()
        return maps
    }

    func kill(_ signal: Int32) {
        _ = Foundation.kill(process.processIdentifier, signal)
    }

    /// The exit status once it has exited (nil if it did not within 10 s).
    func waitForExit() async -> Int32? {
        let exited = await eventually(within: .seconds(10)) { !process.isRunning }
        return exited ? process.terminationStatus : nil
    }
}

/// Shares the child's stderr text between the pipe's handler and the test.
private final class ErrorsBox: Sendable {
    private let mutex = Mutex("")
    var text: String { mutex.withLock { $0 } }
    func append(_ text: String) { mutex.withLock { $0 += text } }
}

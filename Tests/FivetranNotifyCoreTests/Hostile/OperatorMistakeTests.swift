import Foundation
import Testing

@testable import FivetranNotifyCore

extension ListenSuites {
    /// Operator mistakes are sentences and exit 64, never a crash; SIGTERM ends `listen` within 10 s
    /// whatever clients do. The real binary, as a child process.
    @Suite struct OperatorMistakeTests {
        /// Runs `fivetran-notify ARGUMENTS` to its end; returns its status and stderr.
        static func run(_ arguments: [String], stateDirectory: URL? = nil) throws -> (status: Int32, stderr: String) {
            let home = TestFiles.temporaryDirectory()
            let process = Process()
            process.executableURL = ListenProcess.executable
            let state = stateDirectory ?? home.appendingPathComponent("state")
            process.arguments = arguments + ["--state-dir", state.path]
            process.environment = [
                "PATH": "/usr/bin:/bin", "HOME": home.path, "FIVETRAN_SIGNING_KEY": ListenerHarness.key,
                "XDG_CONFIG_HOME": home.appendingPathComponent("config").path,
            ]
            let errors = Pipe()
            process.standardError = errors
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            return (process.terminationStatus, text)
        }

        static let mistakes: [(arguments: [String], says: String)] = [
            (["--path", "/healthz"], "--path /healthz is where listen answers health checks"),
            (["--path", "/metrics"], "choose another path for deliveries"),
            (["--idle-timeout", "1e300"], "--idle-timeout must be a number of seconds between 0 and 86400"),
            (["--idle-timeout=-1"], "--idle-timeout must be a number of seconds"),
            (["--request-timeout", "0s"], "--request-timeout \"0s\" is not a duration"),
            (["--request-timeout", "400d"], "--request-timeout \"400d\" is out of range; it must be from 1s to 1d"),
            (["--remind-every", "9223372036854775807s"], "it must be from 1m to 365d"),
            (["--max-age", "9223372036854775807s"], "--max-age \"9223372036854775807s\" is out of range"),
            (["--max-age", "366d"], "it must be from 1m to 365d"),
            (["--max-age", "99999999999999999999d"], "is out of range"),
            (["--watch-every", "400d"], "--watch-every \"400d\" is out of range"),
            (["--max-age=-3d"], "--max-age \"-3d\" is not a duration"),
            (["--max-connections", "0"], "--max-connections must be between 1 and 1000000"),
        ]

        @Test(arguments: 0..<mistakes.count) func aMistakeIsASentenceAndExit64(_ index: Int) throws {
            let (arguments, says) = Self.mistakes[index]
            let result = try Self.run(["listen", "--dry-run", "--port", "0"] + arguments)
            #expect(result.status == 64, "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains(says), "\(arguments): \(result.stderr)")
            #expect(!result.stderr.contains("Fatal error"))
        }

        @Test func sigtermEndsListenWithinTenSecondsWhateverClientsDo() async throws {
            let home = TestFiles.temporaryDirectory()
            try await ListenProcess.with(
                home: home, state: home.appendingPathComponent("state"), slackURL: "http://127.0.0.1:9/hook"
            ) { listener in
                // Trickling clients: each byte restarts the idle timer; the request timeout is 30 s.
                let clients = try (0..<20).map { _ in try RawConnection(port: listener.port) }
                for client in clients { client.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\nx") }
                let started = ContinuousClock.now
                listener.kill(SIGTERM)
                var exited = false
                while !exited, ContinuousClock.now - started < .seconds(12) {
                    for client in clients { client.send("x") }
                    exited = !listener.process.isRunning
                    try await Task.sleep(for: .milliseconds(500))
                }
                #expect(exited, "still running 12 s after SIGTERM")
                #expect(ContinuousClock.now - started < .seconds(10.5))
                #expect(listener.process.terminationStatus == 0, "stderr: \(listener.stderr)")
            }
        }
    }
}

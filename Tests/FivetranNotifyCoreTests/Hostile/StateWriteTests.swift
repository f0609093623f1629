import Foundation
import Testing

@testable import FivetranNotifyCore

extension ListenSuites {
    /// cli.md "Health tells the truth", "A port in use", and `status`/`mute list` on a state directory
    /// they cannot write. The real binary; a full disk and a read-only mount are real ones, made in a
    /// private mount namespace (`unshare`), so nothing outside the test sees them.
    @Suite struct StateWriteTests {
        /// `unshare` gives the child its own mounts; as root or through a user namespace.
        static let unshare = "/usr/bin/unshare"

        @Test func aFullDiskIsUnhealthyUntilThereIsSpaceAgain() async throws {
            let home = TestFiles.temporaryDirectory()
            let state = home.appendingPathComponent("state")
            try FileManager.default.createDirectory(at: state, withIntermediateDirectories: true)
            let mountTmpfs = #"mount -t tmpfs -o size=4m,mode=0700 fivetran-test "$0" && exec "$@""#
            try await ListenProcess.with(
                home: home, state: state, slackURL: "http://127.0.0.1:9/hook",
                wrapper: [Self.unshare, "-Urm", "/bin/sh", "-c", mountTmpfs, state.path]
            ) { listener in
                // The listener's view of its state directory: the tmpfs inside its namespace.
                let inside = "/proc/\(listener.process.processIdentifier)/root\(state.path)"
                #expect(try await listener.get("/healthz").status == 200)
                #expect(try await listener.post(Samples.syncEnd(connector: "before_pg")).status == 200)

                let filler = inside + "/filler"
                try Self.fill(filler)
                let unhealthy = await eventually(within: .seconds(10)) {
                    try await listener.get("/healthz").status == 503
                }
                #expect(unhealthy, "stderr: \(listener.stderr)")
                let health = try await listener.get("/healthz")
                #expect(
                    health.text.contains("state_not_writable") && health.text.contains("no space left"),
                    "\(health.text)")
                let refused = try await listener.post(Samples.syncEnd(connector: "during_pg"))
                #expect(refused.status == 503, "a delivery was acknowledged on a full disk")

                #expect(unlink(filler) == 0)
                let healed = await eventually(within: .seconds(10)) {
                    try await listener.get("/healthz").status == 200
                }
                #expect(healed, "stderr: \(listener.stderr)")
                #expect(try await listener.post(Samples.syncEnd(connector: "during_pg")).status == 200)
                #expect(listener.stderr.contains("the state directory cannot be written"))
                #expect(listener.stderr.contains("can be written again"))
            }
        }

        @Test func aPortInUseIsOneSentenceAndCreatesNothing() async throws {
            try await FakeSlack.with { slack in
                let port = try #require(URLComponents(string: slack.url)?.port)
                let home = TestFiles.temporaryDirectory()
                let state = home.appendingPathComponent("state")
                let result = try OperatorMistakeTests.run(
                    ["listen", "--dry-run", "--host", "127.0.0.1", "--port", "\(port)"], stateDirectory: state)
                #expect(result.status == 1, "\(result.stderr)")
                #expect(result.stderr.contains("Port \(port) on 127.0.0.1 is already in use"), "\(result.stderr)")
                #expect(result.stderr.contains("--port"))
                #expect(!result.stderr.contains("errno"))
                #expect(!FileManager.default.fileExists(atPath: state.path), "the state directory was created")
            }
        }

        @Test func statusAndMuteListReadAStateDirectoryTheyCannotWrite() async throws {
            let home = TestFiles.temporaryDirectory()
            let state = home.appendingPathComponent("state")
            let store = try DeliveryStore.open(stateDirectory: state)
            try await store.addMute(
                Mute(
                    id: Mute.newID(), target: .connector("quiet_pg"), until: Date().addingTimeInterval(3600),
                    reason: "maintenance", createdAt: Date()))
            await store.close()
            let before = try FileManager.default.contentsOfDirectory(atPath: state.path).sorted()

            let readOnly = #"mount --bind "$0" "$0" && mount -o remount,ro,bind "$0" && exec "$@""#
            for command in [["status", "--json"], ["mute", "list", "--json"]] {
                let result = try Self.run(
                    [Self.unshare, "-Urm", "/bin/sh", "-c", readOnly, state.path, ListenProcess.executable.path]
                        + command + ["--state-dir", state.path], home: home)
                #expect(result.status == 0, "\(command): \(result.stderr)")
                #expect(result.stdout.contains("quiet_pg"), "\(command): \(result.stdout)")
            }
            #expect(try FileManager.default.contentsOfDirectory(atPath: state.path).sorted() == before)
        }

        /// Writes zeros to `path` until the file system has no space left.
        static func fill(_ path: String) throws {
            let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
            guard fd >= 0 else { throw TestServerError(message: "cannot create \(path): errno \(errno)") }
            defer { close(fd) }
            let chunk = [UInt8](repeating: 0, count: 64 * 1024)
            while chunk.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) > 0 {}
        }

        /// Runs a command to its end: status, stdout and stderr.
        static func run(_ command: [String], home: URL) throws -> (status: Int32, stdout: String, stderr: String) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: command[0])
            process.arguments = Array(command.dropFirst())
            process.environment = [
                "PATH": "/usr/bin:/bin", "HOME": home.path,
                "XDG_CONFIG_HOME": home.appendingPathComponent("config").path,
            ]
            let output = Pipe()
            let errors = Pipe()
            process.standardOutput = output
            process.standardError = errors
            try process.run()
            let out = output.fileHandleForReading.readDataToEndOfFile()
            let err = errors.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return (
                process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self)
            )
        }
    }
}

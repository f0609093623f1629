import ArgumentParser
import FivetranNotifyCore
import Foundation
import Synchronization

@testable import fivetran_notify

/// Runs commands the way a person does: arguments through the real parser, the real `CurlTransport`,
/// XDG directories in a fresh temporary directory, output captured, and waits recorded instead of
/// slept.
final class CommandHarness: Sendable {
    let directory: URL
    let output = CapturedOutput()
    private let state: Mutex<(environment: [String: String], sleeps: [Duration], answers: [String], interactive: Bool)>

    /// A harness whose environment points at `api` with valid credentials (when given).
    init(api: FakeFivetranAPI? = nil) {
        directory = TestFiles.temporaryDirectory()
        var environment = [
            "HOME": directory.path,
            "XDG_CONFIG_HOME": directory.appendingPathComponent("config").path,
            "XDG_STATE_HOME": directory.appendingPathComponent("state").path,
        ]
        if let api {
            environment["FIVETRAN_API_KEY"] = FakeFivetranAPI.apiKey
            environment["FIVETRAN_API_SECRET"] = FakeFivetranAPI.apiSecret
            environment["FIVETRAN_API_URL"] = api.apiURL
        }
        state = Mutex((environment, [], [], false))
    }

    var environment: [String: String] {
        get { state.withLock { $0.environment } }
        set { state.withLock { $0.environment = newValue } }
    }

    /// The waits the command asked for, in order.
    var sleeps: [Duration] { state.withLock { $0.sleeps } }

    var paths: Paths { Paths(environment: environment) }

    /// Pretends a person sits at a terminal and types these answers.
    func typeAnswers(_ answers: String...) {
        state.withLock {
            $0.interactive = true
            $0.answers = answers
        }
    }

    var context: CommandContext {
        let snapshot = state.withLock { $0 }
        return CommandContext(
            environment: snapshot.environment,
            output: output.output,
            isInteractive: snapshot.interactive,
            readLine: {
                self.state.withLock { $0.answers.isEmpty ? nil : $0.answers.removeFirst() }
            },
            sleep: { duration in self.state.withLock { $0.sleeps.append(duration) } },
            now: { Date(timeIntervalSince1970: 1_800_000_000) }
        )
    }

    /// Parses `arguments` as the root command does and runs the command; returns its exit status.
    /// A parse or validation error returns the status swift-argument-parser would exit with (64),
    /// with its message on the captured stderr.
    @discardableResult
    func run(_ arguments: [String]) async -> Int32 {
        let command: any ParsableCommand
        do {
            command = try FivetranNotifyCommand.parseAsRoot(arguments)
        } catch {
            output.output.err(FivetranNotifyCommand.message(for: error))
            return FivetranNotifyCommand.exitCode(for: error).rawValue
        }
        guard let runnable = command as? any ContextCommand else {
            output.output.err("test harness: \(type(of: command)) cannot run with a context")
            return -1
        }
        do {
            try await runnable.run(context)
            return 0
        } catch let exit as ExitCode {
            return exit.rawValue
        } catch {
            output.output.err("test harness: unexpected error \(error)")
            return -2
        }
    }

    /// Writes config.toml with the given mode.
    func writeConfig(_ text: String, mode: mode_t = 0o600) throws {
        let url = paths.configFile
        try SecretFile.write(text, to: url)
        chmod(url.path, mode)
    }
}

import Foundation

/// Everything a command needs from the outside world, as replaceable parts: the environment, where
/// output goes, whether a person is at a terminal, waiting, and the clock. Commands build the real
/// one with `CommandContext.live()`; tests build one that captures output. HTTP is not part of it:
/// what talks HTTP builds its `CurlTransport` where the command starts, or is given a transport.
public struct CommandContext: Sendable {
    public var environment: [String: String]
    public var output: Output
    /// True when stdin is a terminal, so the command may ask a question.
    public var isInteractive: Bool
    /// Reads one line of an answer from the person at the terminal (nil at end of input).
    public var readLine: @Sendable () -> String?
    /// Waits; injected so retry and backoff tests take milliseconds.
    public var sleep: @Sendable (Duration) async throws -> Void
    /// The current time; injected so time-based rules are testable.
    public var now: @Sendable () -> Date

    public init(
        environment: [String: String],
        output: Output,
        isInteractive: Bool = false,
        readLine: @escaping @Sendable () -> String? = { nil },
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) },
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.environment = environment
        self.output = output
        self.isInteractive = isInteractive
        self.readLine = readLine
        self.sleep = sleep
        self.now = now
    }

    /// The real world: the process environment, stdout/stderr and the terminal.
    public static func live() -> CommandContext {
        CommandContext(
            environment: ProcessInfo.processInfo.environment,
            output: .standard,
            isInteractive: isatty(STDIN_FILENO) != 0,
            readLine: { Swift.readLine() }
        )
    }

    /// The XDG file locations for this context's environment.
    public var paths: Paths { Paths(environment: environment) }
}

/// Where a command writes: `out` for results (what scripts pipe), `err` for messages to people.
public struct Output: Sendable {
    public var out: @Sendable (String) -> Void
    public var err: @Sendable (String) -> Void

    public init(out: @escaping @Sendable (String) -> Void, err: @escaping @Sendable (String) -> Void) {
        self.out = out
        self.err = err
    }

    /// Lines to the process's stdout and stderr.
    public static let standard = Output(
        out: { line in
            FileHandle.standardOutput.write(Data((line + "\n").utf8))
        },
        err: { line in
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
    )
}

import FivetranNotifyCore
import Foundation
import Synchronization

/// Collects what a command writes to stdout and stderr, for assertions.
final class CapturedOutput: Sendable {
    private let lines = Mutex<(out: [String], err: [String])>(([], []))

    var output: Output {
        Output(
            out: { line in self.lines.withLock { $0.out.append(line) } },
            err: { line in self.lines.withLock { $0.err.append(line) } }
        )
    }

    /// Everything written to stdout, lines joined with newlines.
    var stdout: String { lines.withLock { $0.out.joined(separator: "\n") } }
    /// Everything written to stderr, lines joined with newlines.
    var stderr: String { lines.withLock { $0.err.joined(separator: "\n") } }
}

import Foundation
import ServiceLifecycle

/// One listener per state directory: `listen` holds an exclusive `flock` on `<dir>/listen.lock`
/// (with its pid inside) for as long as it runs. A second listener on the same directory refuses to
/// start and touches nothing of the first — not its claims, not its queue. The kernel drops the lock
/// when the process ends, however it ends. `status`, `mute` and `replay` do not take it.
public final class StateDirectoryLock: Service, Sendable {
    public static let fileName = "listen.lock"

    private let descriptor: Int32

    private init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    /// Takes the lock, or says which process has it.
    /// - Throws: `NotifyError` (exit 1) "another listener (pid N) is using DIR".
    public static func acquire(stateDirectory: URL) throws -> StateDirectoryLock {
        let path = stateDirectory.appendingPathComponent(fileName).path
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw NotifyError(
                "Cannot create \(path) (\(String(cString: strerror(errno)))): listen needs it to keep a second "
                    + "listener off this state directory. Fix the directory's permissions or choose another with --state-dir."
            )
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let holder = (try? String(contentsOfFile: path, encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines)
            close(descriptor)
            let who = holder.map { $0.isEmpty ? "another listener" : "another listener (pid \($0))" }
            throw NotifyError(
                "\(who ?? "another listener") is using \(stateDirectory.path). Stop it first, or give this one "
                    + "its own --state-dir: two listeners on one queue would post the same alerts twice.")
        }
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(descriptor, 0)
        _ = pid.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
        return StateDirectoryLock(descriptor: descriptor)
    }

    /// Holds the lock while the listener runs. First in the service list, so it is shut down last, after
    /// everything that writes to the state directory.
    public func run() async throws {
        try? await gracefulShutdown()
        flock(descriptor, LOCK_UN)
    }
}

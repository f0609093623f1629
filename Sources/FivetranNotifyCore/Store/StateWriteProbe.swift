import Foundation
import Logging
import ServiceLifecycle

/// Tells whether the state directory can be written now. A full disk or a read-only remount makes
/// every `record` fail (deliveries are answered 503), but `/healthz` only sees that when a delivery
/// arrives; this probe writes a small file there every few seconds, so health is the truth without
/// traffic, and turns healthy again by itself once writing works (cli.md "Health tells the truth").
public struct StateWriteProbe: Service {
    let store: DeliveryStore
    let directory: URL
    let interval: Duration
    let logger: Logger

    /// Bytes written and synced each time: a few pages, as a delivery's commit would need.
    static let probeSize = 16 * 1024

    public init(store: DeliveryStore, directory: URL, interval: Duration = .seconds(2), logger: Logger) {
        self.store = store
        self.directory = directory
        self.interval = interval
        self.logger = logger
    }

    /// Probes until the listener stops (a service that returned would stop the whole listener).
    public func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while true {
                try await Task.sleep(for: interval)
                let problem = Self.probe(directory)
                let before = store.writeProblem
                store.setProbeProblem(problem)
                let after = store.writeProblem
                if let after, before == nil {
                    logger.error(
                        """
                        the state directory cannot be written (\(after)): deliveries are answered 503 and \
                        /healthz reports it until writing works again
                        """)
                } else if before != nil, after == nil {
                    logger.info("the state directory can be written again; deliveries are stored")
                }
            }
        }
        try? await gracefulShutdown()
    }

    /// Writes, syncs and removes a probe file; nil when that worked, else why not, in words.
    static func probe(_ directory: URL) -> String? {
        let path = directory.appendingPathComponent(".write-probe-\(getpid())").path
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { return errorText(errno) }
        defer {
            close(fd)
            unlink(path)
        }
        let bytes = [UInt8](repeating: 0, count: probeSize)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == probeSize else { return written < 0 ? errorText(errno) : errorText(ENOSPC) }
        guard fsync(fd) == 0 else { return errorText(errno) }
        return nil
    }

    private static func errorText(_ code: Int32) -> String {
        switch code {
        case ENOSPC, EDQUOT: return "no space left on the device; free space there"
        case EROFS: return "the file system is read-only; remount it read-write"
        case EACCES, EPERM: return "permission denied; fix the permissions of the state directory"
        case EIO: return "I/O error; check the disk"
        default: return String(cString: strerror(code)).lowercased()
        }
    }
}

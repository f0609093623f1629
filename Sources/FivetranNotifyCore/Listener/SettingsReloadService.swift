import Logging
import ServiceLifecycle
import UnixSignals

/// SIGHUP never stops `listen`: it re-reads the signing keys (so `keygen --rotate` takes effect) and
/// config.toml (routes, `[listen]`), and logs what it reloaded; a broken new file is logged and the
/// settings in force are kept. (The TLS pair reloads on the same signal, `TLSReloadService`.)
public struct SettingsReloadService: Service {
    private let logger: Logger
    private let signals: UnixSignalsSequence
    private let reload: @Sendable () throws -> String

    /// Traps the signal before returning, so from here on SIGHUP reloads and never ends the process
    /// (its default action): make this before the server starts. `reload` applies the new settings
    /// and describes them, or throws and leaves everything as it was.
    public init(logger: Logger, signal: UnixSignal = .sighup, reload: @escaping @Sendable () throws -> String) async {
        self.logger = logger
        self.reload = reload
        signals = await UnixSignalsSequence(trapping: signal)
    }

    public func run() async {
        for await _ in signals.cancelOnGracefulShutdown() {
            do {
                let reloaded = try reload()
                logger.notice("SIGHUP: reloaded \(reloaded)")
            } catch {
                logger.error("SIGHUP: kept the settings in force: \(FailureReport(error).message)")
            }
        }
    }
}

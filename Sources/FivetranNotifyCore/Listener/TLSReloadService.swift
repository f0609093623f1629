import Logging
import ServiceLifecycle
import UnixSignals

/// Reloads the TLS certificate and key on SIGHUP, so a renewal needs no restart: run it in the same
/// `ServiceGroup` as the server. It ends at graceful shutdown.
public struct TLSReloadService: Service {
    private let tls: ReloadableTLS
    private let logger: Logger
    private let signals: UnixSignalsSequence

    /// Traps the signal before returning, so from here on a SIGHUP reloads and never ends the process
    /// (its default action): make this before the server starts.
    public init(tls: ReloadableTLS, logger: Logger, signal: UnixSignal = .sighup) async {
        self.tls = tls
        self.logger = logger
        signals = await UnixSignalsSequence(trapping: signal)
    }

    public func run() async {
        for await _ in signals.cancelOnGracefulShutdown() {
            tls.reload(logger: logger)
        }
    }
}

import Foundation
import HummingbirdCore
import Logging
import NIOCore
import NIOSSL
import Synchronization

/// The certificate and key that `listen --tls-cert --tls-key` serves, replaceable while it runs: each new
/// connection is handed the pair current when it is accepted; connections already open keep theirs.
/// `reload` reads the files again and swaps only a usable pair in, so a broken renewal never stops HTTPS.
public final class ReloadableTLS: Sendable {
    public let certificateFile: String
    public let keyFile: String
    private let state: Mutex<State>

    private struct State {
        var pair: TLSCertificatePair
        var generation = 0
    }

    /// Loads the pair, refusing files that cannot serve (missing, not PEM, a key of another certificate).
    /// An expired certificate is loaded: log `current.validityWarning()` at start.
    /// - Throws: exit status 64: the flags name unusable files.
    public convenience init(certificateFile: String, keyFile: String) throws(NotifyError) {
        self.init(try TLSCertificatePair.load(certificateFile: certificateFile, keyFile: keyFile))
    }

    /// Serves `pair`; `reload` reads its files again.
    public init(_ pair: TLSCertificatePair) {
        certificateFile = pair.certificateFile
        keyFile = pair.keyFile
        state = Mutex(State(pair: pair))
    }

    /// The pair new connections get.
    public var current: TLSCertificatePair { state.withLock { $0.pair } }

    /// How many reloads have swapped a new pair in.
    public var generation: Int { state.withLock { $0.generation } }

    /// The context for a connection being accepted now.
    var currentContext: NIOSSLContext { state.withLock { $0.pair.context } }

    /// Reads the files again. A usable pair replaces the current one for new connections; a broken one
    /// (unreadable, not PEM, mismatched, or expired while the current one is not) leaves it in place.
    public func reload(now: Date = Date()) -> TLSReloadOutcome {
        let old = current
        let new: TLSCertificatePair
        do {
            new = try TLSCertificatePair.load(certificateFile: certificateFile, keyFile: keyFile)
        } catch {
            return .kept(old, because: error)
        }
        if new.isExpired(at: now) && !old.isExpired(at: now) {
            let ended = TimeText.absolute(new.notValidAfter)
            return .kept(
                old,
                because: NotifyError(
                    "The new TLS certificate \(certificateFile) expired on \(ended). Put the renewed certificate in "
                        + "place and send SIGHUP again.",
                    exitCode: ExitStatus.usage))
        }
        state.withLock {
            $0.pair = new
            $0.generation += 1
        }
        return .reloaded(new, warning: new.validityWarning(at: now))
    }

    /// `reload(now:)`, then says what happened: a notice for a new pair (and a warning if it is close to
    /// its end), an error naming the problem and the pair still served for a broken one.
    @discardableResult
    public func reload(logger: Logger, now: Date = Date()) -> TLSReloadOutcome {
        let outcome = reload(now: now)
        switch outcome {
        case .reloaded(_, let warning):
            logger.notice("\(outcome.message)")
            if let warning { logger.warning("\(warning)") }
        case .kept:
            logger.error("\(outcome.message)")
        }
        return outcome
    }
}

/// What a reload did.
public enum TLSReloadOutcome: Sendable {
    /// The new pair serves new connections; `warning` if it is expired or about to be.
    case reloaded(TLSCertificatePair, warning: String?)
    /// The files were broken: the pair that was served still is, and `because` says what is wrong.
    case kept(TLSCertificatePair, because: NotifyError)

    /// One line for the log.
    public var message: String {
        switch self {
        case .reloaded(let pair, _):
            return "reloaded the TLS certificate \(pair.certificateFile) (valid until "
                + "\(TimeText.absolute(pair.notValidAfter))): new connections use it"
        case .kept(let pair, let error):
            return "TLS reload failed; still serving the previous certificate (until "
                + "\(TimeText.absolute(pair.notValidAfter))): \(error.message)"
        }
    }

    public var isReloaded: Bool {
        if case .reloaded = self { return true }
        return false
    }
}

extension HTTPServerBuilder {
    /// HTTP/1.1 over TLS with the certificate `tls` holds when each connection is accepted, for
    /// `Application(router:server:configuration:…)`:
    /// ```
    /// let tls = try ReloadableTLS(certificateFile: cert, keyFile: key)
    /// Application(router: router, server: .reloadableTLS(tls, http1: .init(idleTimeout: .seconds(15))), …)
    /// ```
    public static func reloadableTLS(
        _ tls: ReloadableTLS,
        http1 configuration: HTTP1Channel.Configuration = .init()
    ) -> HTTPServerBuilder {
        HTTPServerBuilder { responder in
            ReloadableTLSChannel(HTTP1Channel(responder: responder, configuration: configuration), tls: tls)
        }
    }
}

/// A child channel that puts TLS, with the context current at accept time, in front of `base`.
public struct ReloadableTLSChannel<BaseChannel: ServerChildChannel>: ServerChildChannel {
    public typealias Value = BaseChannel.Value

    private let base: BaseChannel
    private let tls: ReloadableTLS

    public init(_ base: BaseChannel, tls: ReloadableTLS) {
        self.base = base
        self.tls = tls
    }

    public func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let context = tls.currentContext
        return channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context))
        }.flatMap {
            base.setup(channel: channel, logger: logger)
        }
    }

    public func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}

extension ReloadableTLSChannel: HTTPChannelHandler where BaseChannel: HTTPChannelHandler {
    public var responder: HTTPChannelHandler.Responder { base.responder }
}

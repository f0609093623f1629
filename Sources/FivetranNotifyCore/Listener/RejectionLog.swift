import Foundation
import Synchronization

/// Rejections (401, 400, 413) are logged at most once per `window`, the next line saying how many were
/// left out: junk traffic or a scanner cannot flood the log. Every rejection is still counted in
/// `/metrics` (`fivetran_notify_deliveries_rejected_total`).
final class RejectionLog: Sendable {
    private let window: TimeInterval
    private let state = Mutex<(lastLogged: Date?, suppressed: Int)>((nil, 0))

    init(window: TimeInterval = 10) {
        self.window = window
    }

    /// Whether to log this rejection now, and with what suffix (" (N more rejected since …)").
    func admit(now: Date) -> String? {
        state.withLock { state in
            if let last = state.lastLogged, now.timeIntervalSince(last) < window {
                state.suppressed += 1
                return nil
            }
            let suffix =
                state.suppressed > 0
                ? " (\(state.suppressed) more rejected in the \(Int(window)) s before, not logged)" : ""
            state = (now, 0)
            return suffix
        }
    }
}

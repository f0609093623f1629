import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// One memory budget for the request bodies in flight across all connections (cli.md "Memory has a
/// budget"): a request is admitted only if its declared length (or the body limit, when it declares
/// none) fits, before a byte of its body is read. Large bodies may use all but a reserve kept for
/// small ones, so real deliveries (a few KiB) are still answered while a flood of large unauthenticated
/// bodies fills the rest. When a flood has passed, freed memory is handed back to the system.
public final class BodyBudget: Sendable {
    /// Bytes in flight at most (`--max-body-memory`).
    public let limit: Int
    /// A body up to this size may use the reserve.
    public let smallBody: Int
    /// What only small bodies may use.
    public let reserve: Int

    private struct State {
        var inFlight = 0
        /// The most in flight since memory was last handed back.
        var highWater = 0
    }

    private let state = Mutex(State())

    public static let defaultLimit = 64 << 20
    /// After a flood that held this much, the allocator's free memory is returned to the system.
    static let trimThreshold = 8 << 20

    public init(limit: Int = BodyBudget.defaultLimit, smallBody: Int = 64 << 10) {
        self.limit = limit
        self.smallBody = smallBody
        reserve = min(limit / 8, 8 << 20)
    }

    /// Takes `bytes` from the budget; nil when they do not fit now (answer 503 and close).
    public func admit(_ bytes: Int) -> Reservation? {
        let bytes = max(bytes, 0)
        let ceiling = bytes <= smallBody ? limit : limit - reserve
        let admitted = state.withLock { state -> Bool in
            guard state.inFlight + bytes <= ceiling else { return false }
            state.inFlight += bytes
            state.highWater = max(state.highWater, state.inFlight)
            return true
        }
        return admitted ? Reservation(budget: self, bytes: bytes) : nil
    }

    /// Bytes taken now.
    public var inFlight: Int { state.withLock { $0.inFlight } }

    fileprivate func release(_ bytes: Int) {
        let trim = state.withLock { state -> Bool in
            state.inFlight -= bytes
            guard state.inFlight == 0, state.highWater >= Self.trimThreshold else { return false }
            state.highWater = 0
            return true
        }
        // glibc keeps freed arenas for reuse; after a flood that is tens of MB nobody needs.
        if trim { _ = Self.mallocTrim?(0) }
    }

    /// glibc's `malloc_trim`, which Swift's Glibc module does not declare; nil elsewhere.
    private static let mallocTrim: (@convention(c) (Int) -> Int32)? = {
        #if canImport(Glibc)
            guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return nil }
            return unsafeBitCast(symbol, to: (@convention(c) (Int) -> Int32).self)
        #else
            return nil
        #endif
    }()

    /// Bytes taken from a budget, given back once by `release()` (or when it is dropped).
    public final class Reservation: Sendable {
        private let budget: BodyBudget
        private let bytes: Int
        private let released = Atomic<Bool>(false)

        fileprivate init(budget: BodyBudget, bytes: Int) {
            self.budget = budget
            self.bytes = bytes
        }

        public func release() {
            if !released.exchange(true, ordering: .relaxed) { budget.release(bytes) }
        }

        deinit { release() }
    }
}

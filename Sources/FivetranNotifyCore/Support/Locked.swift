import Synchronization

/// A value shared between tasks and replaced whole (a setting reloaded on SIGHUP): a class, so
/// escaping closures can hold it, around a `Mutex`.
public final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>

    public init(_ value: Value) {
        mutex = Mutex(value)
    }

    public var value: Value { mutex.withLock { $0 } }

    public func set(_ value: Value) { mutex.withLock { $0 = value } }

    /// Changes the value in place, atomically.
    public func update(_ change: (inout Value) -> Void) { mutex.withLock { change(&$0) } }
}

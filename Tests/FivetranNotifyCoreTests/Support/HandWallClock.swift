import FivetranNotifyCore
import Foundation
import Synchronization

/// A wall clock the test moves by hand, for the endpoint's receive times (reminders count hours).
final class HandWallClock: Sendable {
    private let date = Mutex(Date(timeIntervalSince1970: 1_780_000_000))
    var now: @Sendable () -> Date { { self.date.withLock { $0 } } }
    func advance(hours: Double) { date.withLock { $0 += hours * 3600 } }
}

/// A delivery for one connector, distinct per `n` (its own sync id and created time) so dedup keeps it.
func sync(_ connector: String, _ n: Int, status: String = "FAILURE", reason: String? = "password rejected")
    -> Data
{
    var data: [String: JSONValue] = ["status": .string(status)]
    if let reason { data["reason"] = .string(reason) }
    let body: JSONValue = [
        "event": "sync_end", "created": .string("2026-05-22T00:\(10 + n):00.000Z"),
        "connector_type": "postgres", "connector_id": .string("id_\(connector)"),
        "connector_name": .string(connector), "sync_id": .string("sync-\(n)"),
        "destination_group_id": "inappropriate_implode", "data": .object(data),
    ]
    return try! JSONEncoder().encode(body)
}

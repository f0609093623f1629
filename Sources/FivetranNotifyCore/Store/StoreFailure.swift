import Foundation
import GRDB

/// SQLite's failures in words for the operator: what happened to the state file and what to do,
/// never SQLite's or GRDB's own text alone.
enum StoreFailure {
    /// One clause, for log lines and for errors that name the operation themselves.
    static func text(_ error: any Error, path: String) -> String {
        if let error = error as? NotifyError { return error.message }
        guard let error = error as? DatabaseError else { return (error as NSError).localizedDescription }
        switch error.resultCode.primaryResultCode {
        case .SQLITE_FULL:
            return "the disk holding \(path) is full; free space there"
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return "\(path) stayed locked by another process for over 10 s; try again, and check that no stuck "
                + "process (or an open sqlite3 shell) holds it"
        case .SQLITE_CORRUPT, .SQLITE_NOTADB:
            return "\(path) is damaged (\(reason(error))); move it away to start with an empty queue"
        case .SQLITE_IOERR:
            return "the disk failed to read or write \(path) (I/O error); check the disk and its file system"
        case .SQLITE_READONLY, .SQLITE_PERM, .SQLITE_AUTH:
            return "\(path) cannot be written; fix the permissions of the file and its directory"
        case .SQLITE_CANTOPEN:
            return "\(path) cannot be opened; check that its directory exists and can be written"
        default:
            return "SQLite could not use \(path) (\(reason(error)))"
        }
    }

    /// A whole sentence for a command that failed on the state file.
    static func error(_ error: any Error, path: String) -> NotifyError {
        let clause = text(error, path: path)
        return NotifyError("The listener state could not be used: \(clause).")
    }

    /// SQLite's own short reason (no SQL, no arguments), for the cases that need it.
    static func reason(_ error: DatabaseError) -> String {
        error.message ?? "\(error.resultCode)"
    }
}

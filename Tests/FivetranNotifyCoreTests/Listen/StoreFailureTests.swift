import Foundation
import GRDB
import Testing

@testable import FivetranNotifyCore

extension ListenSuites {
    /// SQLite's failures reach people as sentences that say what to do, never as GRDB's text.
    @Suite struct StoreFailureTests {
        static let path = "/var/lib/fivetran-notify/fivetran-notify.sqlite"

        @Test(arguments: [
            (ResultCode.SQLITE_FULL, "disk holding \(path) is full; free space there"),
            (.SQLITE_BUSY, "locked by another process"),
            (.SQLITE_LOCKED, "locked by another process"),
            (.SQLITE_CORRUPT, "is damaged"),
            (.SQLITE_NOTADB, "move it away"),
            (.SQLITE_IOERR_WRITE, "I/O error"),
            (.SQLITE_READONLY, "fix the permissions"),
            (.SQLITE_CANTOPEN, "cannot be opened"),
        ])
        func saysWhatHappenedAndWhatToDo(code: ResultCode, expected: String) {
            let error = DatabaseError(
                resultCode: code, message: "raw sqlite text", sql: "INSERT INTO secret_table VALUES (?)")
            let text = StoreFailure.text(error, path: Self.path)
            #expect(text.contains(expected))
            #expect(!text.contains("INSERT"))
            let sentence = StoreFailure.error(error, path: Self.path).message
            #expect(sentence.hasPrefix("The listener state could not be used: "))
            #expect(sentence.hasSuffix("."))
        }

        @Test func aCommandOnALockedStateFileGetsASentence() async throws {
            let directory = TestFiles.temporaryDirectory()
            let thrown = await #expect(throws: NotifyError.self) {
                try await DeliveryStore.withStore(stateDirectory: directory) { _ in
                    throw DatabaseError(resultCode: .SQLITE_BUSY, message: "database is locked", sql: "UPDATE mute")
                }
            }
            #expect(thrown?.message.contains("stayed locked by another process") == true)
            #expect(thrown?.message.contains("UPDATE") == false)
        }
    }
}

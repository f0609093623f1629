import FivetranNotifyCore
import Foundation
import Testing

@testable import fivetran_notify

@Suite struct KeyStoreTests {
    private func store() -> KeyStore {
        let directory = TestFiles.temporaryDirectory()
        return KeyStore(paths: Paths(environment: ["HOME": directory.path]))
    }

    /// The mode bits of a file.
    private func fileMode(_ url: URL) -> mode_t {
        var info = stat()
        stat(url.path, &info)
        return info.st_mode & 0o777
    }

    private func isLowercaseHex64(_ key: String) -> Bool {
        key.count == 64 && key.allSatisfy { ("0"..."9").contains($0) || ("a"..."f").contains($0) }
    }

    @Test func generatedKeysAre64LowercaseHexAndDiffer() {
        let keys = (0..<20).map { _ in KeyStore.generateKey() }
        #expect(keys.allSatisfy(isLowercaseHex64))
        #expect(Set(keys).count == keys.count)
    }

    @Test func generateStoresA0600FileInA0700Directory() throws {
        let store = store()
        #expect(try store.generate() == .created)
        let key = try #require(try store.currentKey())
        #expect(isLowercaseHex64(key))
        #expect(fileMode(store.keyFile) == 0o600)
        #expect(fileMode(store.keyFile.deletingLastPathComponent()) == 0o700)
        #expect(try store.acceptedKeys() == [key])
    }

    @Test func anExistingKeyIsNeverOverwrittenWithoutForce() throws {
        let store = store()
        try store.generate()
        let first = try store.currentKey()
        #expect(throws: NotifyError.self) { try store.generate() }
        #expect(try store.currentKey() == first)
        #expect(try store.generate(force: true) == .replaced)
        #expect(try store.currentKey() != first)
    }

    @Test func rotationKeepsThePreviousKeyUntilDropped() throws {
        let store = store()
        try store.generate()
        let old = try #require(try store.currentKey())
        #expect(try store.rotate() == .rotated)
        let new = try #require(try store.currentKey())
        #expect(new != old)
        #expect(try store.previousKey() == old)
        #expect(try store.acceptedKeys() == [new, old])
        #expect(fileMode(store.previousKeyFile) == 0o600)

        // A second rotation would silently drop `old`: refused unless forced.
        let error = #expect(throws: NotifyError.self) { try store.rotate() }
        #expect(error?.message.contains("--drop-previous") == true)
        #expect(try store.previousKey() == old)

        #expect(try store.dropPrevious() == .droppedPrevious)
        #expect(try store.acceptedKeys() == [new])
        #expect(try store.dropPrevious() == .noPreviousKey)
    }

    @Test func rotatingWithoutAKeyCreatesOne() throws {
        let store = store()
        #expect(try store.rotate() == .created)
        #expect(try store.previousKey() == nil)
        #expect(try store.acceptedKeys().count == 1)
    }

    @Test func aKeyFileOthersCanReadIsRefusedWithAChmodHint() throws {
        let store = store()
        try store.generate()
        chmod(store.keyFile.path, 0o644)
        let error = #expect(throws: NotifyError.self) { try store.acceptedKeys() }
        #expect(error?.exitCode == 77)
        #expect(error?.message.contains("chmod 600 \(store.keyFile.path)") == true)
    }

    @Test func anEmptyKeyFileIsAnError() throws {
        let store = store()
        try SecretFile.write("\n", to: store.keyFile)
        let error = #expect(throws: NotifyError.self) { try store.currentKey() }
        #expect(error?.message.contains("empty") == true)
    }

    // MARK: - The keygen command

    @Test func keygenPrintsWhereButNeverTheKey() async throws {
        let cli = CommandHarness()
        #expect(await cli.run(["keygen"]) == 0)
        let key = try #require(try KeyStore(paths: cli.paths).currentKey())
        #expect(cli.output.stdout.contains(cli.paths.signingKeyFile.path))
        #expect(!cli.output.stdout.contains(key))
        #expect(!cli.output.stderr.contains(key))

        let again = CommandHarness()
        again.environment = cli.environment
        #expect(await again.run(["keygen"]) == 1)
        #expect(again.output.stderr.contains("--force"))
        #expect(try KeyStore(paths: cli.paths).currentKey() == key)
    }

    @Test func keygenIfMissingMakesAKeyOnceAndThenKeepsIt() async throws {
        let cli = CommandHarness()
        #expect(await cli.run(["keygen", "--if-missing"]) == 0)
        let key = try #require(try KeyStore(paths: cli.paths).currentKey())

        let again = CommandHarness()
        again.environment = cli.environment
        #expect(await again.run(["keygen", "--if-missing"]) == 0)
        #expect(again.output.stdout.contains("keeping it"))
        #expect(try KeyStore(paths: cli.paths).currentKey() == key)
        #expect(await again.run(["keygen", "--if-missing", "--force"]) == 64)
    }

    @Test func keygenShowPrintsTheKeyAlone() async throws {
        let cli = CommandHarness()
        #expect(await cli.run(["keygen", "--show"]) == 1)
        #expect(cli.output.stderr.contains("keygen"))

        #expect(await cli.run(["keygen"]) == 0)
        let shown = CommandHarness()
        shown.environment = cli.environment
        #expect(await shown.run(["keygen", "--show"]) == 0)
        #expect(shown.output.stdout == (try KeyStore(paths: cli.paths).currentKey()))
    }

    @Test func keygenRotateAndDropPrevious() async throws {
        let cli = CommandHarness()
        #expect(await cli.run(["keygen"]) == 0)
        let old = try KeyStore(paths: cli.paths).currentKey()
        #expect(await cli.run(["keygen", "--rotate"]) == 0)
        #expect(try KeyStore(paths: cli.paths).previousKey() == old)
        #expect(cli.output.stdout.contains(cli.paths.previousSigningKeyFile.path))
        #expect(await cli.run(["keygen", "--drop-previous"]) == 0)
        #expect(try KeyStore(paths: cli.paths).previousKey() == nil)
        #expect(cli.output.stdout.contains("Dropped the previous signing key"))
        #expect(!cli.output.stdout.contains(old ?? "-"))
    }

    @Test func keygenRefusesAWorldReadableKey() async throws {
        let cli = CommandHarness()
        #expect(await cli.run(["keygen"]) == 0)
        chmod(cli.paths.signingKeyFile.path, 0o604)
        #expect(await cli.run(["keygen", "--show"]) == 77)
        #expect(cli.output.stderr.contains("chmod 600"))
    }
}

import Crypto
import Foundation

/// The signing keys kept by `keygen`: the current key in `signing.key` and, after a rotation, the
/// previous one in `signing.key.previous` (both 0600 in a 0700 directory). Keys are 32 random bytes
/// from the system CSPRNG, written as 64 lowercase hex characters; a file that others may read is
/// refused with a `chmod 600` hint.
public struct KeyStore: Sendable {
    public let paths: Paths
    /// Makes a new key; the system CSPRNG unless a test injects another source.
    private let generator: @Sendable () -> String

    public init(paths: Paths, generator: @escaping @Sendable () -> String = { KeyStore.generateKey() }) {
        self.paths = paths
        self.generator = generator
    }

    public var keyFile: URL { paths.signingKeyFile }
    public var previousKeyFile: URL { paths.previousSigningKeyFile }

    /// 32 bytes from the system CSPRNG (swift-crypto's `SymmetricKey`, which reads the operating
    /// system's generator), as 64 lowercase hex characters.
    public static func generateKey() -> String {
        SymmetricKey(size: .bits256).withUnsafeBytes { Hex.encode($0) }
    }

    /// The current key, or nil when none is stored.
    public func currentKey() throws -> String? {
        try readKey(keyFile)
    }

    /// The previous key kept by a rotation, or nil.
    public func previousKey() throws -> String? {
        try readKey(previousKeyFile)
    }

    /// Every key a delivery may be signed with: the current key first, then the previous one during
    /// a rotation. Empty when no key is stored.
    public func acceptedKeys() throws -> [String] {
        [try currentKey(), try previousKey()].compactMap { $0 }
    }

    /// What `generate`, `rotate` and `dropPrevious` did.
    public enum Outcome: Sendable, Equatable {
        /// A new key was stored where there was none.
        case created
        /// A new key replaced the old one, which is gone (`--force`).
        case replaced
        /// A new key was stored and the old one kept as the previous key.
        case rotated
        /// The previous key was removed.
        case droppedPrevious
        /// There was no previous key to remove.
        case noPreviousKey
    }

    /// Stores a new key. An existing key is kept (and an error explains the choices) unless `force`.
    @discardableResult
    public func generate(force: Bool = false) throws -> Outcome {
        let existing = try currentKey()
        if existing != nil && !force {
            throw NotifyError(
                "A signing key is already stored in \(keyFile.path); it was left as it is. "
                    + "Use `fivetran-notify keygen --rotate` to replace it while still accepting deliveries signed "
                    + "with it, or `--force` to overwrite it (webhooks that use it will then fail verification).")
        }
        try SecretFile.write(generator() + "\n", to: keyFile)
        return existing == nil ? .created : .replaced
    }

    /// Stores a new key and keeps the current one as the previous key, so that deliveries signed with
    /// either verify until `dropPrevious()`. With no current key this is `generate()`.
    /// A previous key that is still kept is not silently thrown away: that needs `force`.
    @discardableResult
    public func rotate(force: Bool = false) throws -> Outcome {
        guard let current = try currentKey() else {
            try generate()
            return .created
        }
        if try previousKey() != nil && !force {
            throw NotifyError(
                "A previous signing key is still kept in \(previousKeyFile.path) from an earlier rotation; "
                    + "rotating again would drop it. Once every webhook uses the current key, run "
                    + "`fivetran-notify keygen --drop-previous` and rotate again, or pass --force.")
        }
        try SecretFile.write(current + "\n", to: previousKeyFile)
        try SecretFile.write(generator() + "\n", to: keyFile)
        return .rotated
    }

    /// Removes the previous key: deliveries signed with it are refused from now on.
    @discardableResult
    public func dropPrevious() throws -> Outcome {
        guard try previousKey() != nil else { return .noPreviousKey }
        try SecretFile.remove(previousKeyFile)
        return .droppedPrevious
    }

    /// `FIVETRAN_SIGNING_KEY` as `listen` and `send-test` both read it: without surrounding whitespace
    /// (a trailing newline from `$(cat file)` or a secrets manager is common); nil when unset or blank.
    public static func environmentKey(_ environment: [String: String]) -> String? {
        guard let key = environment["FIVETRAN_SIGNING_KEY"]?.trimmingCharacters(in: .whitespacesAndNewlines),
            !key.isEmpty
        else { return nil }
        return key
    }

    private func readKey(_ url: URL) throws -> String? {
        guard let text = try SecretFile.read(url) else { return nil }
        let key = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !key.isEmpty else {
            throw NotifyError(
                "\(url.path) is empty. Run `fivetran-notify keygen --force` to store a new key (webhooks must "
                    + "then be updated with it).")
        }
        return key
    }
}

import Foundation

/// The work of `keygen`: make, show, rotate and drop signing keys through `KeyStore`.
public enum KeyGeneration {
    public struct Options: Sendable, Equatable {
        /// Overwrite an existing key (or drop an earlier previous key when rotating).
        public var force: Bool
        /// Print the key alone on stdout (everything else goes to stderr).
        public var show: Bool
        /// Replace the key but keep the old one as the previous key.
        public var rotate: Bool
        /// Forget the previous key.
        public var dropPrevious: Bool
        /// Make a key only when none is stored; an existing key is kept and that is not an error.
        public var ifMissing: Bool

        public init(
            force: Bool = false, show: Bool = false, rotate: Bool = false, dropPrevious: Bool = false,
            ifMissing: Bool = false
        ) {
            self.force = force
            self.show = show
            self.rotate = rotate
            self.dropPrevious = dropPrevious
            self.ifMissing = ifMissing
        }
    }

    public static func run(_ options: Options, context: CommandContext) throws {
        let store = KeyStore(paths: context.paths)
        let output = context.output
        // With --show, stdout carries the key alone; the sentences go to stderr.
        let say = options.show ? output.err : output.out

        if options.ifMissing, try store.currentKey() != nil {
            say("A signing key is already stored in \(store.keyFile.path); keeping it.")
        } else if options.dropPrevious {
            switch try store.dropPrevious() {
            case .droppedPrevious:
                say(
                    "Dropped the previous signing key (\(store.previousKeyFile.path)); `listen` now accepts only "
                        + "deliveries signed with the key in \(store.keyFile.path).")
            default:
                say("There is no previous signing key to drop; \(store.keyFile.path) is the only key.")
            }
        } else if options.rotate {
            switch try store.rotate(force: options.force) {
            case .rotated:
                say(
                    "Stored a new signing key in \(store.keyFile.path); the old one is kept in "
                        + "\(store.previousKeyFile.path), and `listen` accepts deliveries signed with either.")
                say(
                    "Next: give every webhook the new key (`fivetran-notify webhook update ID --use-stored-key`), "
                        + "then run `fivetran-notify keygen --drop-previous`.")
            default:
                say("There was no key to rotate; stored a new signing key in \(store.keyFile.path) (mode 0600).")
            }
        } else if options.show && !options.force {
            guard try store.currentKey() != nil else {
                throw NotifyError(
                    "No signing key is stored in \(store.keyFile.path). Run `fivetran-notify keygen` first.")
            }
        } else {
            switch try store.generate(force: options.force) {
            case .replaced:
                say(
                    "Replaced the signing key in \(store.keyFile.path) (mode 0600). Webhooks that use the old key "
                        + "now fail verification until you update them with the new one.")
            default:
                say("Stored a new signing key in \(store.keyFile.path) (mode 0600).")
                say(
                    "Next: `fivetran-notify webhook create --account --url https://…` uses it as the webhook's "
                        + "secret; `fivetran-notify keygen --show` prints it.")
            }
        }

        if options.show, let key = try store.currentKey() {
            output.out(key)
        }
    }
}

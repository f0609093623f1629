import ArgumentParser
import FivetranNotifyCore

extension FivetranNotifyCommand {
    /// `keygen`: make and store the signing key Fivetran signs deliveries with.
    struct Keygen: ContextCommand {
        static let configuration = CommandConfiguration(
            commandName: "keygen",
            abstract: "Make and store the signing key (the webhooks' secret).",
            discussion: """
                The key is 32 random bytes from the system CSPRNG as 64 hex characters, stored in signing.key \
                (mode 0600) in the config directory. Rotation: --rotate keeps the old key as the previous key, which \
                `listen` still accepts until --drop-previous.
                """)

        @Flag(help: "Overwrite an existing key (or, with --rotate, an earlier previous key).")
        var force = false

        @Flag(help: "Print the stored key alone on stdout.")
        var show = false

        @Flag(help: "Make a new key and keep the current one as the previous key.")
        var rotate = false

        @Flag(help: "Forget the previous key: deliveries signed with it are refused from now on.")
        var dropPrevious = false

        @Flag(help: "Make a key only when none is stored (succeeds either way; for setup scripts).")
        var ifMissing = false

        func validate() throws {
            if rotate && dropPrevious {
                throw ValidationError("Give --rotate or --drop-previous, not both.")
            }
            if ifMissing && (force || rotate || dropPrevious) {
                throw ValidationError("--if-missing does not go with --force, --rotate or --drop-previous.")
            }
            if dropPrevious && force {
                throw ValidationError("--force does not apply to --drop-previous.")
            }
        }

        func run(in context: CommandContext) async throws {
            let options = KeyGeneration.Options(
                force: force, show: show, rotate: rotate, dropPrevious: dropPrevious, ifMissing: ifMissing)
            try KeyGeneration.run(options, context: context)
        }
    }
}

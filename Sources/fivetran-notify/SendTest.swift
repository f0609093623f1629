import ArgumentParser
import FivetranNotifyCore

extension FivetranNotifyCommand {
    /// `send-test`: post a signed sample delivery to a listener, like `stripe trigger`.
    struct SendTest: ContextCommand {
        static let configuration = CommandConfiguration(
            commandName: "send-test",
            abstract: "Send a realistic, signed sample delivery to a listener.",
            discussion: """
                Builds a sample body for the event (a failed sync_end by default), with a fresh created time \
                and sync_id each time, signs it with the stored key (FIVETRAN_SIGNING_KEY if set) the way \
                Fivetran does, POSTs it and prints the listener's answer. Exit status 0 when the listener \
                answered 2xx, or 401 with --unsigned/--bad-signature.

                Examples:
                  fivetran-notify send-test
                  fivetran-notify send-test --event dbt_run_failed
                  fivetran-notify send-test --status FAILURE_WITH_TASK --set data.reason="disk full"
                  fivetran-notify send-test --bad-signature
                """)

        @Option(help: "The listener's delivery URL.")
        var url = "http://127.0.0.1:8080/"

        @Option(
            help: ArgumentHelp("The event to send.", valueName: "event"),
            completion: .list(SampleDeliveries.eventNames))
        var event = "sync_end"

        @Option(
            help:
                "Shortcut for --set data.status=S (for sync_end: SUCCESSFUL, FAILURE, FAILURE_WITH_TASK, RESCHEDULED, CANCELED).",
            completion: .list(SampleDeliveries.syncStatuses))
        var status: String?

        @Option(
            name: .customLong("set"),
            help: ArgumentHelp(
                "Override a field: a dotted path (array indexes as numbers) and a JSON value or a plain string.",
                valueName: "path=value"))
        var overrides: [String] = []

        @Flag(help: "Send without a signature (the listener must answer 401).")
        var unsigned = false

        @Flag(help: "Send with a wrong signature (the listener must answer 401).")
        var badSignature = false

        @Flag(help: "Sign with lowercase hex instead of uppercase.")
        var lowercase = false

        @Flag(name: .customLong("print"), help: "Print the request (headers and body) instead of sending it.")
        var printOnly = false

        @Option(
            help: ArgumentHelp(
                "Trust only this PEM certificate (or CA) for an https:// listener, e.g. a self-signed --tls-cert.",
                valueName: "pem"),
            completion: .file(extensions: ["pem", "crt"]))
        var cacert: String?

        func validate() throws {
            if unsigned && badSignature {
                throw ValidationError("Give --unsigned or --bad-signature, not both.")
            }
            if lowercase && (unsigned || badSignature) {
                throw ValidationError("--lowercase applies to signed deliveries only.")
            }
        }

        func run(in context: CommandContext) async throws {
            let signing: SendTestRunner.Signing =
                unsigned ? .unsigned : badSignature ? .badSignature : .signed(lowercase: lowercase)
            let options = SendTestRunner.Options(
                url: url, event: event, status: self.status, overrides: try overrides.map(JSONOverride.init),
                signing: signing, printOnly: printOnly, caFile: cacert)
            try await SendTestRunner.run(options, context: context)
        }
    }
}

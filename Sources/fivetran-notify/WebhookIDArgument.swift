import ArgumentParser
import FivetranNotifyCore

/// The webhook id that `webhook get`, `update`, `delete` and `test` act on.
struct WebhookIDArgument: ParsableArguments {
    @Argument(help: ArgumentHelp("The webhook id.", valueName: "id"))
    var id: String

    /// Checked by each command's `validate()`, first: an option group's own `validate()` would run before
    /// the --timeout check of `APIOptions` and change which of two mistakes is reported.
    func validateID() throws {
        if let problem = WebhookInput.identifierProblem(id, what: "webhook id") {
            throw ValidationError(problem)
        }
    }
}

import Foundation

/// `webhook delete`: asks first on a terminal, needs --yes otherwise.
extension WebhookActions {
    public static func delete(id: String, yes: Bool, api: APICallOptions, context: CommandContext) async throws {
        let output = context.output
        if !yes && !context.isInteractive {
            throw NotifyError(
                "Refusing to delete webhook \(id) without confirmation: there is no terminal to ask on. "
                    + "Pass --yes to delete it.",
                exitCode: ExitStatus.usage)
        }
        let client = try api.client(context: context)
        if !yes {
            let webhook = try await client.getWebhook(id: id).value
            let target = webhook.url.map { " (\($0))" } ?? ""
            output.err("Delete webhook \(id)\(target)? Fivetran stops sending its events at once. [y/N]")
            let answer = context.readLine()?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
            guard answer == "y" || answer == "yes" else {
                throw NotifyError("Not deleted: webhook \(id) is unchanged.")
            }
        }
        let answer = try await client.deleteWebhook(id: id)
        if api.json {
            try printJSON(answer.data ?? .object([:]), output: output)
        } else {
            output.out("Deleted webhook \(id).")
        }
    }
}

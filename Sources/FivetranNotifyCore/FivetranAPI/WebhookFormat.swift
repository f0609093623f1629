import Foundation

/// Human output of the `webhook` commands: a table for `list`, a block of fields for one webhook.
/// Inactive webhooks are marked `INACTIVE`, since Fivetran deactivates a webhook whose deliveries
/// keep failing and then sends nothing, silently.
public enum WebhookFormat {
    /// The sentence that explains an inactive webhook.
    static func deactivationHint(id: String) -> String {
        "Fivetran deactivates a webhook whose deliveries keep failing. Once its receiver answers 2xx again "
            + "(e.g. `fivetran-notify listen`), reactivate it with `fivetran-notify webhook update \(id) --active`."
    }

    /// The `list` table, one line per webhook, then a footer.
    public static func table(_ webhooks: [Webhook]) -> [String] {
        guard !webhooks.isEmpty else {
            return [
                "No webhooks. Create one with `fivetran-notify webhook create --account --url https://…` "
                    + "(after `fivetran-notify keygen`)."
            ]
        }
        let header = ["ID", "TYPE", "GROUP", "STATUS", "EVENTS", "URL", "CREATED"]
        let rows = webhooks.map { webhook in
            [
                webhook.id,
                webhook.type ?? "-",
                webhook.groupID ?? "-",
                webhook.active ? "active" : "INACTIVE",
                webhook.events.isEmpty ? "-" : webhook.events.joined(separator: ","),
                webhook.url ?? "-",
                webhook.createdAt ?? "-",
            ]
        }
        var lines = TextTable.render(header: header, rows: rows).components(separatedBy: "\n")
        let inactive = webhooks.filter { !$0.active }
        let count = webhooks.count == 1 ? "1 webhook" : "\(webhooks.count) webhooks"
        if inactive.isEmpty {
            lines.append("")
            lines.append("\(count), all active.")
        } else {
            lines.append("")
            lines.append("\(count), \(inactive.count) INACTIVE: Fivetran sends nothing to an inactive webhook.")
            lines.append(deactivationHint(id: inactive.count == 1 ? inactive[0].id : "ID"))
        }
        return lines
    }

    /// One webhook as labelled fields (`get`, `update`, `create`).
    public static func detail(_ webhook: Webhook, secretNote: String? = nil) -> String {
        var fields: [(String, String)] = [("ID", webhook.id)]
        var type = webhook.type ?? "-"
        if let groupID = webhook.groupID { type += " (group \(groupID))" }
        fields.append(("Type", type))
        fields.append(("URL", webhook.url ?? "-"))
        fields.append(("Events", webhook.events.isEmpty ? "-" : webhook.events.joined(separator: ", ")))
        fields.append(("Status", webhook.active ? "active" : "INACTIVE — " + deactivationHint(id: webhook.id)))
        if let secretNote {
            fields.append(("Secret", secretNote))
        } else {
            let secret = webhook.secret.map { $0.isEmpty ? "none" : "set (Fivetran never shows it)" } ?? "none"
            fields.append(("Secret", secret))
        }
        var created = webhook.createdAt ?? "-"
        if let createdBy = webhook.createdBy { created += " by \(createdBy)" }
        fields.append(("Created", created))
        let width = fields.map(\.0.count).max() ?? 0
        return fields.map { "  \(($0.0 + ":").padding(toLength: width + 1, withPad: " ", startingAt: 0)) \($0.1)" }
            .joined(separator: "\n")
    }

    /// One test result: `test sync_end: ok (the receiver answered 200: Success)`.
    public static func testLine(event: String, result: WebhookTestResult) -> String {
        let status = result.status == 0 ? "nothing" : String(result.status)
        let message = result.message.map { $0.isEmpty ? "" : ": \($0)" } ?? ""
        return "test \(event): \(result.succeed ? "ok" : "FAILED") (the receiver answered \(status)\(message))"
    }
}

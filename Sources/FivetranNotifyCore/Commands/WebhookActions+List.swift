/// `webhook list` and `webhook get`: every webhook, or one.
extension WebhookActions {
    public static func list(pageSize: Int?, api: APICallOptions, context: CommandContext) async throws {
        let client = try api.client(context: context)
        let listing = try await client.listWebhooks(pageSize: pageSize)
        if api.json {
            try printJSON(.array(listing.items), output: context.output)
        } else {
            for line in WebhookFormat.table(listing.webhooks) { context.output.out(line) }
        }
    }

    public static func get(id: String, api: APICallOptions, context: CommandContext) async throws {
        let client = try api.client(context: context)
        let answer = try await client.getWebhook(id: id)
        if api.json {
            try printJSON(answer.data, output: context.output)
        } else {
            context.output.out(WebhookFormat.detail(answer.value))
        }
    }
}

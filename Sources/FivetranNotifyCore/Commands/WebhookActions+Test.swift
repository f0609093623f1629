/// `webhook test`: Fivetran sends a test event; a failed delivery is a failed command.
extension WebhookActions {
    public static func test(id: String, event: String, api: APICallOptions, context: CommandContext) async throws {
        let output = context.output
        warnAboutUnknownEvents([event], output: output)
        let client = try api.client(context: context)
        let answer = try await client.testWebhook(id: id, event: event)
        if api.json {
            try printJSON(answer.data, output: output)
        } else {
            output.out(WebhookFormat.testLine(event: event, result: answer.value))
        }
        if !answer.value.succeed {
            throw NotifyError(
                "Fivetran's test delivery of \(event) to webhook \(id) did not succeed"
                    + " (the receiver answered \(answer.value.status == 0 ? "nothing" : String(answer.value.status))"
                    + "\(answer.value.message.map { ": \($0)" } ?? "")). "
                    + "Check that the receiver answers 2xx, e.g. that `fivetran-notify listen` runs behind its URL.")
        }
    }
}

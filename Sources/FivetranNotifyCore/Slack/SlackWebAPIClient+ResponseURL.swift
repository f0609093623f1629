import Foundation

extension SlackWebAPIClient {
    /// Tells the clicker alone (an ephemeral message) through the click's `response_url`: "This alert is
    /// no longer tracked", "You are not allowed to do this". No token is sent: the URL is the credential
    /// (5 uses within 30 minutes), so failures name its host only, never the URL.
    /// - Parameter mrkdwn: the text, already safe (`SlackActor.mrkdwn`, escaped user strings).
    public func respondEphemeral(_ mrkdwn: String, to responseURL: String) async -> Result<Void, SlackAPIFailure> {
        let body = SlackMessage.compactJSON(
            .object([
                "response_type": .string("ephemeral"), "replace_original": .bool(false),
                "text": .string(Mrkdwn.clamp(mrkdwn.replacingNewlines(), to: 3000)),
            ]))
        let request = HTTPRequest(
            method: "POST", url: responseURL, headers: [("Content-Type", "application/json; charset=utf-8")],
            body: body, connectTimeout: .seconds(5), timeout: timeout)
        let method = "response_url"
        let response: HTTPResponse
        do {
            response = try await transport.send(request)
        } catch {
            return .failure(.noAnswer(error, method: method))
        }
        let answer = try? JSONDecoder().decode(JSONValue.self, from: response.body)
        if response.isSuccess && answer?["ok"]?.boolValue != false { return .success(()) }
        let code = answer?["error"]?.stringValue
        if response.status == 404 || code == "expired_url" || code == "used_url" {
            return .failure(
                SlackAPIFailure(
                    kind: .permanent, method: method, status: response.status, error: code ?? "HTTP 404",
                    sentence: "The click's response_url on \(request.host) is used up or expired (5 uses within 30 "
                        + "minutes): the clicker was not told."))
        }
        return .failure(.classify(response, method: method, channel: nil, tokenHint: "(none)", now: now()))
    }
}

import Foundation

/// `listen --dry-run` for PagerDuty, Teams and the forward endpoint: prints each request on stdout as
/// one JSON line, `{"dry_run":"pagerduty","body":{…}}`, with the routing key removed, and answers as
/// the service would have accepted it.
struct DryRunTransport: HTTPTransport {
    let output: Output
    let kind: DestinationKind

    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        var body = (request.body.flatMap { try? JSONSerialization.jsonObject(with: $0) }) ?? [:]
        if var object = body as? [String: Any] {
            object.removeValue(forKey: "routing_key")
            body = object
        }
        let line: [String: Any] = ["dry_run": kind.rawValue, "body": body]
        let data = (try? JSONSerialization.data(withJSONObject: line, options: [.sortedKeys, .withoutEscapingSlashes]))
        output.out(String(decoding: data ?? Data(), as: UTF8.self))
        return HTTPResponse(status: kind == .pagerduty ? 202 : 200, body: Data())
    }
}

import Foundation
import Synchronization

/// `--dry-run` for the app mode: prints each Web API call instead of making it, one line each
/// (`chat.postMessage C0ALERTS {"channel":…}`: the method, the channel and the JSON body, which never
/// holds the token), and answers as Slack would, with a made-up `ts` per post, so that threads and
/// updates of a dry run refer to the posts it printed.
public final class DryRunSlackWebAPITransport: HTTPTransport {
    private let output: Output
    private let posts = Mutex(0)

    public init(output: Output) {
        self.output = output
    }

    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        let method = request.url.split(separator: "/").last.map(String.init) ?? request.url
        let body = request.body ?? Data()
        let object = (try? JSONDecoder().decode(JSONValue.self, from: body))?.objectValue ?? [:]
        let channel = object["channel"]?.stringValue ?? "-"
        output.out("\(method) \(channel) \(String(decoding: body, as: UTF8.self))")
        var answer: [String: JSONValue] = ["ok": .bool(true), "channel": .string(channel)]
        switch method {
        case "chat.postMessage":
            let count = posts.withLock { count in
                count += 1
                return count
            }
            answer["ts"] = .string(String(format: "0000000000.%06d", count))
        case "chat.update":
            answer["ts"] = object["ts"] ?? .string("")
        default:
            answer = ["ok": .bool(true), "team_id": .string("T0DRYRUN"), "user_id": .string("U0DRYRUN")]
        }
        return HTTPResponse(status: 200, body: SlackMessage.compactJSON(.object(answer)))
    }
}

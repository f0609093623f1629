import HTTPTypes
import Hummingbird

/// Answers 405 with `Allow` to any method a known path does not serve, whatever the method is called
/// (PROPFIND, TRACE, anything), before routing; every other request goes to the router's responder.
struct MethodGuard<Next: HTTPResponder>: HTTPResponder {
    typealias Context = Next.Context

    /// The methods each path serves, and the `Allow` header naming them.
    let allowed: [String: (methods: Set<HTTPTypes.HTTPRequest.Method>, header: String)]
    let next: Next

    init(deliveryPath: String, actionsPath: String? = nil, next: Next) {
        let get: Set<HTTPTypes.HTTPRequest.Method> = [.get, .head]
        var allowed: [String: (methods: Set<HTTPTypes.HTTPRequest.Method>, header: String)] = [
            "/healthz": (get, "GET, HEAD"), "/metrics": (get, "GET, HEAD"),
        ]
        allowed[deliveryPath] = ([.post], "POST")
        if let actionsPath { allowed[actionsPath] = ([.post], "POST") }
        self.allowed = allowed
        self.next = next
    }

    func respond(to request: Request, context: Context) async throws -> Response {
        if let (methods, header) = allowed[request.uri.path], !methods.contains(request.method) {
            return DeliveryEndpoint.answer(
                .methodNotAllowed, #"{"error":"method not allowed"}"#, headers: [.allow: header])
        }
        return try await next.respond(to: request, context: context)
    }
}

import FivetranNotifyCore
import Foundation
import HTTPTypes
import Hummingbird
import Synchronization

/// Fivetran's `GET /v1/webhooks` over HTTPS on 127.0.0.1, with the certificate of `TLSFixture.localhost`
/// (a private CA of its own, as a TLS-inspecting proxy has): enough API for `webhook list` to reach a
/// server that only a client trusting that CA accepts. Records the paths it was asked for.
final class HTTPSFakeAPI: Sendable {
    private let server: TestHTTPServer
    private let recorder: RequestRecorder

    private init(server: TestHTTPServer, recorder: RequestRecorder) {
        self.server = server
        self.recorder = recorder
    }

    var port: Int { server.port }

    /// `https://127.0.0.1:PORT/v1`, for `--api-url`.
    var apiURL: String { "https://127.0.0.1:\(port)/v1" }

    /// The CA a client must trust to talk to it (the self-signed certificate is its own CA).
    static let caFile = TLSFixture.localhost.caFile

    /// The request paths received, in order.
    var requestPaths: [String] { recorder.paths.withLock { $0 } }

    /// A fake for the length of `body`, stopped afterwards even when `body` throws.
    static func with<Result>(_ body: (HTTPSFakeAPI) async throws -> Result) async throws -> Result {
        let files = try TLSFiles(certificate: .localhost, key: .localhost)
        let tls = try ReloadableTLS(certificateFile: files.certificate, keyFile: files.key)
        let recorder = RequestRecorder()
        let router = Router()
        router.get("/v1/webhooks") { request, _ -> Response in
            recorder.append(request.uri.path)
            var fields = HTTPFields()
            fields[.contentType] = "application/json"
            return Response(
                status: .ok, headers: fields,
                body: .init(byteBuffer: ByteBuffer(string: #"{"code":"Success","data":{"items":[]}}"#)))
        }
        return try await TestHTTPServer.with(
            router, server: .reloadableTLS(tls, http1: .init(idleTimeout: .seconds(5)))
        ) { server in
            try await body(HTTPSFakeAPI(server: server, recorder: recorder))
        }
    }
}

/// The paths a fake was asked for, shared between its handlers and the test.
private final class RequestRecorder: Sendable {
    let paths = Mutex<[String]>([])

    func append(_ path: String) {
        paths.withLock { $0.append(path) }
    }
}

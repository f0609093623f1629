import FivetranNotifyCore
import Foundation
import Testing

/// Corporate networks: every outgoing request (the Fivetran API, Slack, PagerDuty, Teams, forward) goes
/// through libcurl, which takes its proxy from `https_proxy`, `http_proxy` and `no_proxy` as the process
/// was started with; nothing in the transport may turn that off. The real binary, as a child process,
/// through a real proxy on 127.0.0.1.
@Suite struct ProxyTests {
    @Test func httpsGoesThroughHttpsProxyAndTrustsSSLCertFile() async throws {
        try await TestProxy.with { proxy in
            try await HTTPSFakeAPI.with { api in
                let run = try await CommandProcess.run(
                    ["webhook", "list", "--json"],
                    environment: [
                        "FIVETRAN_API_URL": api.apiURL, "https_proxy": proxy.url, "SSL_CERT_FILE": HTTPSFakeAPI.caFile,
                    ])
                #expect(run.status == 0, "stderr: \(run.stderr)")
                #expect(proxy.requestLines == ["CONNECT 127.0.0.1:\(api.port) HTTP/1.1"])
                #expect(api.requestPaths == ["/v1/webhooks"])
            }
        }
    }

    @Test func noProxyGoesAroundTheProxy() async throws {
        try await TestProxy.with { proxy in
            try await HTTPSFakeAPI.with { api in
                let run = try await CommandProcess.run(
                    ["webhook", "list", "--json"],
                    environment: [
                        "FIVETRAN_API_URL": api.apiURL, "https_proxy": proxy.url, "no_proxy": "localhost,127.0.0.1",
                        "SSL_CERT_FILE": HTTPSFakeAPI.caFile,
                    ])
                #expect(run.status == 0, "stderr: \(run.stderr)")
                #expect(proxy.requestLines.isEmpty)
                #expect(api.requestPaths == ["/v1/webhooks"])
            }
        }
    }

    @Test func plainHTTPGoesThroughHttpProxy() async throws {
        try await TestProxy.with { proxy in
            try await FakeFivetranAPI.with { api in
                // A host that resolves nowhere: only the proxy (which sends everything to 127.0.0.1) reaches it.
                let port = try #require(URLComponents(string: api.apiURL)?.port)
                let url = "http://fivetran-api.invalid:\(port)/v1"
                let run = try await CommandProcess.run(
                    ["webhook", "list", "--json"], environment: ["FIVETRAN_API_URL": url, "http_proxy": proxy.url])
                #expect(run.status == 0, "stderr: \(run.stderr)")
                #expect(proxy.requestLines.first?.hasPrefix("GET \(url)/webhooks") == true, "\(proxy.requestLines)")
                #expect(api.requests.map(\.path).contains("/v1/webhooks"))
            }
        }
    }

    @Test func listenPostsToItsDestinationThroughTheProxy() async throws {
        try await TestProxy.with { proxy in
            try await FakeSlack.with(default: .ok) { slack in
                let home = TestFiles.temporaryDirectory()
                try await ListenProcess.with(
                    home: home, state: home.appendingPathComponent("state"), slackURL: slack.url,
                    environment: ["http_proxy": proxy.url]
                ) { listener in
                    let response = try await listener.post(Samples.syncEnd(connector: "behind_proxy_pg"))
                    #expect(response.status == 200)
                    let posted = await eventually(within: .seconds(20)) {
                        slack.delivered.contains { $0.text.contains("behind_proxy_pg") }
                    }
                    #expect(posted, "stderr: \(listener.stderr)")
                    #expect(proxy.requestLines.contains("POST \(slack.url) HTTP/1.1"), "\(proxy.requestLines)")
                }
            }
        }
    }
}

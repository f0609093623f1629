import FivetranNotifyCore
import Foundation
import Testing

/// `POST /connections/{id}/sync` (the Re-sync button) over the real CurlTransport against the fake API.
@Suite struct StartSyncTests {
    private func client(
        _ api: FakeFivetranAPI, sleeps: FivetranAPIClientTests.SleepRecorder = .init(),
        secret: String = FakeFivetranAPI.apiSecret
    ) -> FivetranAPIClient {
        FivetranAPIClient(
            baseURL: api.apiURL, apiKey: FakeFivetranAPI.apiKey, apiSecret: secret, transport: CurlTransport(),
            timeout: .seconds(10), sleep: sleeps.sleep, now: { Date(timeIntervalSince1970: 1_800_000_000) })
    }

    @Test func startsASyncWithoutForcingIt() async throws {
        try await FakeFivetranAPI.with { api in
            api.addConnection(id: "warrant_sheep")
            let result = try await client(api).startSync(connectionID: "warrant_sheep")
            #expect(
                result
                    == .started(message: "Sync has been successfully triggered for connection with id 'warrant_sheep'"))
            let request = try #require(api.requests.first)
            #expect(request.method == "POST")
            #expect(request.path == "/v1/connections/warrant_sheep/sync")
            #expect(request.json == ["force": .bool(false)])
            #expect(request.headers["accept"] == "application/json;version=2")
            #expect(request.headers["content-type"] == "application/json")
            let basic =
                "Basic " + Data("\(FakeFivetranAPI.apiKey):\(FakeFivetranAPI.apiSecret)".utf8).base64EncodedString()
            #expect(request.headers["authorization"] == basic)
        }
    }

    @Test func aSyncAlreadyRunningIsLeftToFinish() async throws {
        try await FakeFivetranAPI.with { api in
            api.addConnection(id: "warrant_sheep", syncState: "syncing")
            let result = try await client(api).startSync(connectionID: "warrant_sheep")
            #expect(result == .alreadySyncing(message: "Connection with id 'warrant_sheep' is already syncing"))
        }
    }

    @Test func aConflictAnswerAlsoMeansAlreadySyncing() async throws {
        try await FakeFivetranAPI.with { api in
            api.addConnection(id: "warrant_sheep")
            api.failNext(.envelope(status: 409, code: "Conflict", message: "The connection is syncing"))
            let result = try await client(api).startSync(connectionID: "warrant_sheep")
            #expect(result == .alreadySyncing(message: "The connection is syncing"))
        }
    }

    @Test func anUnknownConnectionIsNamed() async throws {
        try await FakeFivetranAPI.with { api in
            let error = await #expect(throws: FivetranAPIError.self) {
                try await client(api).startSync(connectionID: "gone_connection")
            }
            #expect(error?.status == 404)
            #expect(error?.message.contains("Fivetran has no connection gone_connection") == true)
            #expect(error?.message.contains(FakeFivetranAPI.apiSecret) == false)
        }
    }

    @Test func refusedCredentialsSayWhatToDoWithoutTheSecret() async throws {
        try await FakeFivetranAPI.with { api in
            api.addConnection(id: "warrant_sheep")
            let wrong = await #expect(throws: FivetranAPIError.self) {
                try await client(api, secret: "wrong_secret_value").startSync(connectionID: "warrant_sheep")
            }
            #expect(wrong?.exitCode == ExitStatus.credentials)
            #expect(wrong?.message.contains("wrong_secret_value") == false)
            api.failNext(.envelope(status: 403, code: "AccessDenied", message: "No permission"))
            let refused = await #expect(throws: FivetranAPIError.self) {
                try await client(api).startSync(connectionID: "warrant_sheep")
            }
            #expect(refused?.exitCode == ExitStatus.credentials)
            #expect(refused?.message.contains("may manage this connection") == true)
        }
    }

    @Test func rateLimitsAreWaitedOutAndRetried() async throws {
        try await FakeFivetranAPI.with { api in
            api.addConnection(id: "warrant_sheep")
            api.failNext(
                .envelope(status: 429, code: "TooManyRequests", message: "slow down", headers: ["Retry-After": "2"]))
            let sleeps = FivetranAPIClientTests.SleepRecorder()
            let result = try await client(api, sleeps: sleeps).startSync(connectionID: "warrant_sheep")
            guard case .started = result else {
                Issue.record("expected started, got \(result)")
                return
            }
            #expect(sleeps.recorded == [.seconds(2)])
            #expect(api.requests.count == 2)
        }
    }
}

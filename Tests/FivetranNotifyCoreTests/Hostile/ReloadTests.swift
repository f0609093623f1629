import Foundation
import Testing

@testable import FivetranNotifyCore

extension ListenSuites {
    /// SIGHUP never stops `listen`: it reloads the signing keys and config.toml, and keeps the settings in
    /// force when a new file is broken. The real binary, plain HTTP (where SIGHUP used to kill it).
    @Suite struct ReloadTests {
        static func post(_ body: Data, key: String, port: Int) async throws -> FivetranNotifyCore.HTTPResponse {
            try await CurlTransport().send(
                FivetranNotifyCore.HTTPRequest(
                    method: "POST", url: "http://127.0.0.1:\(port)/",
                    headers: [("X-Fivetran-Signature-256", SignatureVerifier.signature(body: body, key: key))],
                    body: body))
        }

        @Test func sighupReloadsTheKeysAndConfigAndNeverStopsListen() async throws {
            let home = TestFiles.temporaryDirectory()
            let keyFile = home.appendingPathComponent("signing.key")
            try SecretFile.write("first-key-0123456789", to: keyFile)
            let config = home.appendingPathComponent("config/fivetran-notify/config.toml")
            try SecretFile.write("[listen]\nmax_age = \"3d\"\n", to: config)
            try await ListenProcess.with(
                home: home, state: home.appendingPathComponent("state"), slackURL: "http://127.0.0.1:9/hook",
                arguments: ["--dry-run", "--signing-key-file", keyFile.path]
            ) { listener in
                let body = Samples.syncEnd(connector: "rotated")
                #expect(try await Self.post(body, key: "first-key-0123456789", port: listener.port).status == 200)

                // keygen --rotate, then systemctl reload.
                try SecretFile.write("second-key-9876543210", to: keyFile)
                listener.kill(SIGHUP)
                #expect(await eventually { listener.stderr.contains("SIGHUP: reloaded signing keys (1)") })
                #expect(listener.process.isRunning)
                let next = Samples.syncEnd(connector: "after_rotation")
                #expect(try await Self.post(next, key: "second-key-9876543210", port: listener.port).status == 200)
                #expect(try await Self.post(next, key: "first-key-0123456789", port: listener.port).status == 401)

                // A broken config.toml is logged; the settings in force stay.
                try SecretFile.write("[listen\nmax_age = ", to: config)
                listener.kill(SIGHUP)
                #expect(await eventually { listener.stderr.contains("SIGHUP: kept the settings in force") })
                #expect(listener.process.isRunning)
                let third = Samples.syncEnd(connector: "still_verified")
                #expect(try await Self.post(third, key: "second-key-9876543210", port: listener.port).status == 200)

                listener.kill(SIGTERM)
                #expect(await listener.waitForExit() == 0, "stderr: \(listener.stderr)")
            }
        }
    }
}

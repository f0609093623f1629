import Foundation
import Testing

@testable import FivetranNotifyCore

extension ListenSuites {
    /// `listen --tls-cert --tls-key` as users run it: the built binary serving HTTPS, reloading on SIGHUP.
    @Suite struct ListenTLSProcessTests {
        @Test func servesHTTPSAndReloadsOnSighupKeepingTheOldPairWhenTheNewOneIsBroken() async throws {
            try await FakeSlack.with(default: .ok) { slack in
                let home = TestFiles.temporaryDirectory()
                let files = try TLSFiles(certificate: .localhost, key: .localhost)
                try await ListenProcess.with(
                    home: home, state: home.appendingPathComponent("state"), slackURL: slack.url,
                    arguments: ["--tls-cert", files.certificate, "--tls-key", files.key]
                ) { listen in
                    #expect(listen.scheme == "https")
                    let first = try await listen.post(
                        Samples.syncEnd(connector: "tls_one"), trusting: TLSFixture.localhost.caFile)
                    #expect(first.status == 200)

                    // A renewal gone wrong: a certificate without its key. Logged; the old pair goes on serving.
                    try files.install(certificate: TLSFixture.other.certificate, key: TLSFixture.localhost.key)
                    listen.kill(SIGHUP)
                    #expect(await eventually { listen.stderr.contains("error: TLS reload failed") }, "\(listen.stderr)")
                    #expect(listen.stderr.contains("does not belong to the certificate"))
                    let kept = try await listen.post(
                        Samples.syncEnd(connector: "tls_two"), trusting: TLSFixture.localhost.caFile)
                    #expect(kept.status == 200)

                    // The key arrives: the next SIGHUP serves the new pair to new connections.
                    try files.install(.other)
                    listen.kill(SIGHUP)
                    #expect(
                        await eventually { listen.stderr.contains("reloaded the TLS certificate") }, "\(listen.stderr)")
                    let renewed = try await listen.post(
                        Samples.syncEnd(connector: "tls_three"), trusting: TLSFixture.other.caFile)
                    #expect(renewed.status == 200)

                    listen.kill(SIGTERM)
                    #expect(await listen.waitForExit() == 0, "stderr: \(listen.stderr)")
                }
            }
        }

        @Test func refusesToStartWithAKeyOfAnotherCertificate() async throws {
            let home = TestFiles.temporaryDirectory()
            let files = try TLSFiles(certificate: .localhost, key: .other)
            let output = CapturedOutput()
            var options = ListenOptions()
            options.dryRun = true
            options.port = 0
            options.stateDirectory = home.appendingPathComponent("state").path
            options.tlsCertificateFile = files.certificate
            options.tlsKeyFile = files.key
            let context = CommandContext(
                environment: ["HOME": home.path, "FIVETRAN_SIGNING_KEY": "k"],
                output: output.output)
            let status = await runReportingErrors(output.output) {
                try await ListenRunner.run(options, context: context)
            }
            #expect(status == ExitStatus.usage)
            #expect(
                output.stderr.contains(
                    "The TLS key \(files.key) does not belong to the certificate \(files.certificate)"),
                "\(output.stderr)")
        }

        @Test func warnsAboutAnExpiredCertificateAndServesIt() async throws {
            let home = TestFiles.temporaryDirectory()
            let files = try TLSFiles(certificate: .expired, key: .expired)
            try await ListenProcess.with(
                home: home, state: home.appendingPathComponent("state"), slackURL: "http://127.0.0.1:9/hook",
                arguments: ["--tls-cert", files.certificate, "--tls-key", files.key]
            ) { listen in
                #expect(
                    listen.stderr.contains("warning: The TLS certificate \(files.certificate) expired on 2021-01-01"))
                let error = try await #require(throws: HTTPTransportError.self) {
                    try await listen.post(
                        Samples.syncEnd(connector: "tls_expired"), trusting: TLSFixture.expired.caFile)
                }
                #expect(error.reason.contains("certificate has expired"))
                listen.kill(SIGTERM)
                #expect(await listen.waitForExit() == 0, "stderr: \(listen.stderr)")
            }
        }
    }
}

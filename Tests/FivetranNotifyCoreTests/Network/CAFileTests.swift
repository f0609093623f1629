import FivetranNotifyCore
import Foundation
import Testing

/// A custom CA bundle for outgoing HTTPS (`ca_file`, `--ca-file`, `SSL_CERT_FILE`), as behind a proxy
/// that inspects TLS with a private CA: trusted instead of the system's store when given, checked at
/// start, and a wrong one is a sentence (exit 64), never a failed post later on.
@Suite struct CAFileTests {
    private let configURL = URL(fileURLWithPath: "/home/ana/.config/fivetran-notify/config.toml")

    private func apiHarness(_ api: HTTPSFakeAPI) -> CommandHarness {
        let cli = CommandHarness()
        cli.environment["FIVETRAN_API_KEY"] = FakeFivetranAPI.apiKey
        cli.environment["FIVETRAN_API_SECRET"] = FakeFivetranAPI.apiSecret
        cli.environment["FIVETRAN_API_URL"] = api.apiURL
        return cli
    }

    /// A copy of the private CA at a path of its own, to tell the sources apart.
    private func caCopy() throws -> String {
        let url = TestFiles.temporaryDirectory().appendingPathComponent("ca.pem")
        try TLSFixture.localhost.certificate.write(to: url)
        return url.path
    }

    @Test func aPrivateCAIsTrustedOnlyWhenConfigured() async throws {
        try await HTTPSFakeAPI.with { api in
            let untrusting = apiHarness(api)
            #expect(await untrusting.run(["webhook", "list", "--json"]) == ExitStatus.failure)
            #expect(untrusting.output.stderr.contains("could not reach 127.0.0.1"), "\(untrusting.output.stderr)")
            #expect(untrusting.output.stderr.contains("ca_file"), "the failure says how to trust a proxy's CA")
            #expect(api.requestPaths.isEmpty)

            let configured = apiHarness(api)
            try configured.writeConfig("# the proxy's CA\nca_file = \"\(HTTPSFakeAPI.caFile)\"\n")
            #expect(await configured.run(["webhook", "list", "--json"]) == 0, "\(configured.output.stderr)")
            #expect(api.requestPaths == ["/v1/webhooks"])
        }
    }

    @Test func sslCertFileAndTheFlagAreTrustedToo() async throws {
        try await HTTPSFakeAPI.with { api in
            let environment = apiHarness(api)
            environment.environment["SSL_CERT_FILE"] = HTTPSFakeAPI.caFile
            #expect(await environment.run(["webhook", "list", "--json"]) == 0, "\(environment.output.stderr)")

            let flag = apiHarness(api)
            #expect(
                await flag.run(["webhook", "list", "--json", "--ca-file", HTTPSFakeAPI.caFile]) == 0,
                "\(flag.output.stderr)")
            #expect(api.requestPaths.count == 2)
        }
    }

    @Test func theFlagBeatsSSLCertFileWhichBeatsConfig() throws {
        let (flag, variable, key) = (try caCopy(), try caCopy(), try caCopy())
        let file = try ConfigFile.parse("ca_file = \"\(key)\"\n", url: configURL)
        let all = try Settings.resolve(
            flags: SettingFlags(caFile: flag), environment: ["SSL_CERT_FILE": variable], config: file,
            configFileURL: configURL)
        #expect(all.caFile == flag)
        #expect(all.sources["ca_file"] == .flag)
        let noFlag = try Settings.resolve(
            flags: SettingFlags(), environment: ["SSL_CERT_FILE": variable], config: file, configFileURL: configURL)
        #expect(noFlag.caFile == variable)
        let onlyConfig = try Settings.resolve(
            flags: SettingFlags(), environment: [:], config: file, configFileURL: configURL)
        #expect(onlyConfig.caFile == key)
        #expect(onlyConfig.sources["ca_file"] == .config)
        let none = try Settings.resolve(flags: SettingFlags(), environment: [:], config: nil, configFileURL: configURL)
        #expect(none.caFile == nil)
    }

    @Test func aMissingCAFileNamesTheFileAndLineItCameFrom() throws {
        let file = try ConfigFile.parse("# behind the proxy\nca_file = \"/nonexistent/proxy-ca.pem\"\n", url: configURL)
        let error = try #require(throws: NotifyError.self) {
            try Settings.resolve(flags: SettingFlags(), environment: [:], config: file, configFileURL: configURL)
        }
        #expect(error.exitCode == ExitStatus.usage)
        #expect(
            error.message.hasPrefix(
                "The CA file /nonexistent/proxy-ca.pem (from ca_file in \(configURL.path):2) does not exist."))
        #expect(error.message.contains("remove the setting to trust the system's store"))
    }

    @Test func aFileWithoutCertificatesIsRefused() throws {
        let url = TestFiles.temporaryDirectory().appendingPathComponent("not-a-ca.pem")
        try Data("-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n".utf8).write(to: url)
        let error = try #require(throws: NotifyError.self) {
            try Settings.resolve(
                flags: SettingFlags(), environment: ["SSL_CERT_FILE": url.path], config: nil, configFileURL: configURL)
        }
        #expect(error.exitCode == ExitStatus.usage)
        #expect(error.message.contains("(from SSL_CERT_FILE) holds no PEM certificate"), "\(error.message)")

        let directory = try #require(throws: NotifyError.self) {
            try Settings.resolve(
                flags: SettingFlags(caFile: "/etc"), environment: [:], config: nil, configFileURL: configURL)
        }
        #expect(directory.message.contains("/etc (from --ca-file) is a directory"))
    }

    @Test func aBadCAFileIsExit64ForCommandsAndForListenAtStart() async throws {
        let cli = CommandHarness()
        cli.environment["FIVETRAN_API_KEY"] = "k"
        cli.environment["FIVETRAN_API_SECRET"] = "s"
        #expect(await cli.run(["webhook", "list", "--ca-file", "/nonexistent/ca.pem"]) == ExitStatus.usage)
        #expect(cli.output.stderr.contains("The CA file /nonexistent/ca.pem (from --ca-file) does not exist."))

        let output = CapturedOutput()
        var options = ListenOptions()
        options.dryRun = true
        options.caFile = "/nonexistent/ca.pem"
        options.stateDirectory = cli.directory.appendingPathComponent("state").path
        let context = CommandContext(
            environment: ["HOME": cli.directory.path, "FIVETRAN_SIGNING_KEY": "k"], output: output.output)
        let status = await runReportingErrors(output.output) { try await ListenRunner.run(options, context: context) }
        #expect(status == ExitStatus.usage)
        #expect(output.stderr.contains("does not exist"), "\(output.stderr)")
        // Refused before anything was created in the state directory.
        #expect(!FileManager.default.fileExists(atPath: options.stateDirectory!))
    }
}

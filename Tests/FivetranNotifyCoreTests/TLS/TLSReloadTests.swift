import FivetranNotifyCore
import Foundation
import Testing

/// Reloading the certificate and key while serving: new connections get a good new pair; a broken one is
/// logged and the old pair goes on serving.
@Suite struct TLSReloadTests {
    @Test func reloadServesTheNewCertificateToNewConnections() async throws {
        let files = try TLSFiles(certificate: .localhost, key: .localhost)
        let tls = try ReloadableTLS(certificateFile: files.certificate, keyFile: files.key)
        let logs = LogCapture()
        try await TLSTestServer.with(tls: tls) { server in
            #expect(await server.presents(.localhost))

            try files.install(.other)
            let outcome = tls.reload(logger: logs.logger)
            #expect(outcome.isReloaded)
            #expect(tls.generation == 1)

            #expect(await server.presents(.other))
            #expect(await !server.presents(.localhost))
            let notice = try #require(logs.messages(.notice).first)
            #expect(notice.hasPrefix("reloaded the TLS certificate \(files.certificate) (valid until 2126-"))
            #expect(logs.messages(.error).isEmpty)
            #expect(logs.messages(.warning).isEmpty)
        }
    }

    /// What a renewal can leave in place of the good files.
    enum Breakage: String, CaseIterable, Sendable {
        case garbageCertificate
        case truncatedCertificate
        case keyOfAnotherCertificate
        case missingKey
        case expiredCertificate

        func apply(to files: TLSFiles) throws {
            switch self {
            case .garbageCertificate:
                try Data("this is not a certificate\n".utf8).write(to: URL(fileURLWithPath: files.certificate))
            case .truncatedCertificate:
                let pem = TLSFixture.other.certificate
                try pem.prefix(pem.count / 2).write(to: URL(fileURLWithPath: files.certificate))
                try TLSFixture.other.key.write(to: URL(fileURLWithPath: files.key))
            case .keyOfAnotherCertificate:
                try files.install(certificate: TLSFixture.other.certificate, key: TLSFixture.localhost.key)
            case .missingKey:
                try FileManager.default.removeItem(atPath: files.key)
            case .expiredCertificate:
                try files.install(.expired)
            }
        }

        /// The start of the reason in the logged error.
        func reason(_ files: TLSFiles) -> String {
            switch self {
            case .garbageCertificate: "The TLS certificate file \(files.certificate) holds no PEM certificate"
            case .truncatedCertificate:
                "The TLS certificate file \(files.certificate) has a certificate that cannot be read"
            case .keyOfAnotherCertificate:
                "The TLS key \(files.key) does not belong to the certificate \(files.certificate)"
            case .missingKey: "The TLS key file \(files.key) does not exist."
            case .expiredCertificate:
                "The new TLS certificate \(files.certificate) expired on 2021-01-01 00:00 UTC."
            }
        }
    }

    @Test(arguments: Breakage.allCases)
    func brokenNewFilesKeepTheOldCertificate(_ breakage: Breakage) async throws {
        let files = try TLSFiles(certificate: .localhost, key: .localhost)
        let tls = try ReloadableTLS(certificateFile: files.certificate, keyFile: files.key)
        let logs = LogCapture()
        try await TLSTestServer.with(tls: tls) { server in
            try breakage.apply(to: files)
            let outcome = tls.reload(logger: logs.logger)
            #expect(!outcome.isReloaded)
            #expect(tls.generation == 0)

            let error = try #require(logs.messages(.error).first)
            #expect(
                error.hasPrefix(
                    "TLS reload failed; still serving the previous certificate (until 2126-11-05 01:51 UTC): "
                        + breakage.reason(files)))
            expectReadable(error, files: files)
            #expect(logs.messages(.notice).isEmpty)

            #expect(await server.presents(.localhost))
        }
    }

    @Test func expiredNewCertificateReplacesAnExpiredOneWithAWarning() throws {
        let files = try TLSFiles(certificate: .expired, key: .expired)
        let tls = try ReloadableTLS(certificateFile: files.certificate, keyFile: files.key)
        let logs = LogCapture()
        let outcome = tls.reload(logger: logs.logger)
        #expect(outcome.isReloaded)
        #expect(logs.messages(.warning).first?.contains("expired on 2021-01-01") == true)
    }

    /// SIGHUP end to end: the signal reaches the service in the server's group, a broken pair is logged and
    /// the old one kept, then a good pair is served to new connections.
    @Test func sighupReloadsAndKeepsTheOldPairWhenTheNewOneIsBroken() async throws {
        let files = try TLSFiles(certificate: .localhost, key: .localhost)
        let tls = try ReloadableTLS(certificateFile: files.certificate, keyFile: files.key)
        let logs = LogCapture()
        let reloader = await TLSReloadService(tls: tls, logger: logs.logger)
        try await TLSTestServer.with(tls: tls, services: [reloader]) { server in
            try files.install(certificate: TLSFixture.other.certificate, key: TLSFixture.localhost.key)
            kill(getpid(), SIGHUP)
            #expect(await eventually { !logs.messages(.error).isEmpty })
            #expect(logs.messages(.error).first?.contains("does not belong to the certificate") == true)
            #expect(await server.presents(.localhost))

            try files.install(.other)
            kill(getpid(), SIGHUP)
            #expect(await eventually { tls.generation == 1 })
            #expect(await server.presents(.other))
            #expect(logs.messages(.notice).count == 1)
        }
    }
}

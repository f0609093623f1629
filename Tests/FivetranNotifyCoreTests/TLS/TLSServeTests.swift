import FivetranNotifyCore
import Foundation
import Testing

/// `listen --tls-cert --tls-key`: a real HTTPS server on 127.0.0.1, reached through the product's libcurl
/// transport trusting only the certificate the test expects the server to present.
@Suite struct TLSServeTests {
    @Test func servesHTTPSWithThePair() async throws {
        let files = try TLSFiles(certificate: .localhost, key: .localhost)
        let tls = try ReloadableTLS(certificateFile: files.certificate, keyFile: files.key)
        #expect(tls.current.validityWarning() == nil)
        try await TLSTestServer.with(tls: tls) { server in
            let response = try await server.get(trusting: .localhost)
            #expect(response.status == 200)
            #expect(response.text == "ok")
            // A client that does not trust this certificate is refused: the server presents exactly it.
            #expect(await !server.presents(.other))
        }
    }

    @Test func plainHTTPOnTheTLSPortGetsNoAnswer() async throws {
        let files = try TLSFiles(certificate: .localhost, key: .localhost)
        let tls = try ReloadableTLS(certificateFile: files.certificate, keyFile: files.key)
        try await TLSTestServer.with(tls: tls) { server in
            let plain = "http://127.0.0.1:\(server.port)/"
            let response = try? await CurlTransport().send(
                HTTPRequest(method: "GET", url: plain, connectTimeout: .seconds(5), timeout: .seconds(5)))
            #expect(response == nil)
        }
    }

    @Test func keyOfAnotherCertificateIsRefusedAtStart() throws {
        let files = try TLSFiles(certificate: .localhost, key: .other)
        let error = try #require(throws: NotifyError.self) {
            try ReloadableTLS(certificateFile: files.certificate, keyFile: files.key)
        }
        #expect(error.exitCode == ExitStatus.usage)
        #expect(
            error.message.hasPrefix(
                "The TLS key \(files.key) does not belong to the certificate \(files.certificate): their public keys "
                    + "differ."))
        #expect(error.message.contains("--tls-key"))
        expectReadable(error.message, files: files)
    }

    @Test func expiredCertificateWarnsAndStillServes() async throws {
        let files = try TLSFiles(certificate: .expired, key: .expired)
        let tls = try ReloadableTLS(certificateFile: files.certificate, keyFile: files.key)
        let warning = try #require(tls.current.validityWarning())
        #expect(
            warning.hasPrefix(
                "The TLS certificate \(files.certificate) expired on 2021-01-01 00:00 UTC. listen serves it anyway"))
        #expect(warning.contains("SIGHUP"))
        expectReadable(warning, files: files)

        try await TLSTestServer.with(tls: tls) { server in
            // It serves: the handshake completes, and a client trusting this very certificate refuses it for
            // its date alone, as Fivetran would.
            let error = try await #require(throws: HTTPTransportError.self) {
                try await server.get(trusting: .expired)
            }
            #expect(error.reason.contains("certificate has expired"))
        }
    }

    @Test func certificateCloseToItsEndWarns() throws {
        let files = try TLSFiles(certificate: .localhost, key: .localhost)
        let pair = try TLSCertificatePair.load(certificateFile: files.certificate, keyFile: files.key)
        let day: TimeInterval = 24 * 60 * 60
        let warning = try #require(pair.validityWarning(at: pair.notValidAfter.addingTimeInterval(-3.5 * day)))
        #expect(warning.hasPrefix("The TLS certificate \(files.certificate) expires in 3 days, on "))
        expectReadable(warning, files: files)
        #expect(pair.validityWarning(at: pair.notValidAfter.addingTimeInterval(-30 * day)) == nil)
        let early = try #require(pair.validityWarning(at: pair.notValidBefore.addingTimeInterval(-60)))
        #expect(early.contains("is not valid before"))
    }
}

/// Messages are for people: a line or two (of 120 characters, not counting the paths, whose length is the
/// user's), no Swift error dump.
func expectReadable(_ message: String, files: TLSFiles, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(!message.contains("\n"), sourceLocation: sourceLocation)
    let text = message.replacingOccurrences(of: files.certificate, with: "F")
        .replacingOccurrences(of: files.key, with: "F")
    #expect(text.count <= 240, "too long for a line or two: \(text)", sourceLocation: sourceLocation)
    for dump in ["NIOSSL", "Error(", "BoringSSL", "errno", "Optional("] {
        #expect(!message.contains(dump), "\(dump) in: \(message)", sourceLocation: sourceLocation)
    }
}

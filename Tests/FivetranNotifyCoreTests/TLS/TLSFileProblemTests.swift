import FivetranNotifyCore
import Foundation
import Testing

/// `--tls-cert` and `--tls-key` naming files that cannot serve: refused at start with the file named, what
/// is wrong with it and what to do.
@Suite struct TLSFileProblemTests {
    enum Problem: String, CaseIterable, Sendable {
        case missingCertificate
        case certificateIsADirectory
        case emptyCertificate
        case filesSwapped
        case signingRequestForCertificate
        case encryptedKey
        case legacyEncryptedKey
        case garbageKey
        case truncatedKey
        case groupReadableKey

        func apply(to files: TLSFiles) throws {
            let certificate = URL(fileURLWithPath: files.certificate)
            let key = URL(fileURLWithPath: files.key)
            switch self {
            case .missingCertificate:
                try FileManager.default.removeItem(at: certificate)
            case .certificateIsADirectory:
                try FileManager.default.removeItem(at: certificate)
                try FileManager.default.createDirectory(at: certificate, withIntermediateDirectories: false)
            case .emptyCertificate:
                try Data().write(to: certificate)
            case .filesSwapped:
                try files.install(certificate: TLSFixture.localhost.key, key: TLSFixture.localhost.certificate)
            case .signingRequestForCertificate:
                try Data("-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n".utf8)
                    .write(to: certificate)
            case .encryptedKey:
                try Data("-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB\n-----END ENCRYPTED PRIVATE KEY-----\n".utf8)
                    .write(to: key)
            case .legacyEncryptedKey:
                let pem = """
                    -----BEGIN EC PRIVATE KEY-----
                    Proc-Type: 4,ENCRYPTED
                    DEK-Info: AES-256-CBC,00112233445566778899AABBCCDDEEFF

                    MIIB
                    -----END EC PRIVATE KEY-----

                    """
                try Data(pem.utf8).write(to: key)
            case .garbageKey:
                try Data("-----BEGIN PRIVATE KEY-----\nnot base64 at all\n-----END PRIVATE KEY-----\n".utf8)
                    .write(to: key)
            case .truncatedKey:
                let pem = TLSFixture.localhost.key
                try pem.prefix(pem.count / 2).write(to: key)
            case .groupReadableKey:
                try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: files.key)
            }
        }

        func message(_ files: TLSFiles) -> String {
            switch self {
            case .missingCertificate:
                "The TLS certificate file \(files.certificate) does not exist. Check the path given to --tls-cert."
            case .certificateIsADirectory:
                "The TLS certificate file \(files.certificate) is a directory. Give --tls-cert the PEM file itself."
            case .emptyCertificate:
                "The TLS certificate file \(files.certificate) is empty. Check the path given to --tls-cert."
            case .filesSwapped:
                "The TLS certificate file \(files.certificate) holds a private key, not a certificate. Are "
                    + "--tls-cert and --tls-key swapped?"
            case .signingRequestForCertificate:
                "The TLS certificate file \(files.certificate) holds a certificate signing request, not a "
                    + "certificate."
            case .encryptedKey, .legacyEncryptedKey:
                "The TLS key file \(files.key) is protected by a passphrase, which listen cannot ask for."
            case .garbageKey, .truncatedKey:
                "The TLS key file \(files.key) has a private key that cannot be read: the file looks damaged or cut "
                    + "short."
            case .groupReadableKey:
                "The TLS key file \(files.key) holds a secret but is readable by others (mode 640); run "
                    + "`chmod 600 \(files.key)`"
            }
        }
    }

    @Test(arguments: Problem.allCases)
    func refusedWithAClearMessage(_ problem: Problem) throws {
        let files = try TLSFiles(certificate: .localhost, key: .localhost)
        try problem.apply(to: files)
        let error = try #require(throws: NotifyError.self) {
            try TLSCertificatePair.load(certificateFile: files.certificate, keyFile: files.key)
        }
        #expect(error.message.hasPrefix(problem.message(files)), "\(error.message)")
        #expect(error.exitCode == ExitStatus.usage)
        expectReadable(error.message, files: files)
    }

    @Test(.enabled(if: getuid() != 0, "root reads every file"))
    func unreadableKeyIsRefused() throws {
        let files = try TLSFiles(certificate: .localhost, key: .localhost)
        try FileManager.default.setAttributes([.posixPermissions: 0o000], ofItemAtPath: files.key)
        let error = try #require(throws: NotifyError.self) {
            try TLSCertificatePair.load(certificateFile: files.certificate, keyFile: files.key)
        }
        #expect(error.message.hasPrefix("The TLS key file \(files.key) cannot be read by this user"))
    }

    @Test func chainFileWithIntermediatesLoadsTheFirstAsTheServersOwn() throws {
        let files = try TLSFiles(certificate: .localhost, key: .localhost)
        try files.install(
            certificate: TLSFixture.localhost.certificate + TLSFixture.other.certificate, key: TLSFixture.localhost.key)
        let pair = try TLSCertificatePair.load(certificateFile: files.certificate, keyFile: files.key)
        #expect(pair.chain.count == 2)
    }
}

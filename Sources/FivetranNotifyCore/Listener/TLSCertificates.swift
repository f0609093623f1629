import Foundation
import NIOSSL

/// The certificate chain and private key that `listen --tls-cert PEM --tls-key PEM` serves HTTPS with,
/// read from the PEM files and known to belong together: loading builds the server's TLS context, and the
/// TLS library refuses a key whose public half is not the one in the leaf certificate.
///
/// Every problem is a `NotifyError` that names the file, says what is wrong with it and what to do.
public struct TLSCertificatePair: Sendable {
    /// The file the chain came from (`--tls-cert`).
    public let certificateFile: String
    /// The file the key came from (`--tls-key`).
    public let keyFile: String
    /// The server's certificate first, then any intermediates, as in the file.
    public let chain: [NIOSSLCertificate]
    public let privateKey: NIOSSLPrivateKey
    /// A server context for new connections, made from this chain and key.
    public let context: NIOSSLContext

    /// The server's own certificate: the first one in the file.
    public var leaf: NIOSSLCertificate { chain[0] }
    /// When the server's certificate starts being valid.
    public var notValidBefore: Date { Date(timeIntervalSince1970: TimeInterval(leaf.notValidBefore)) }
    /// When the server's certificate stops being valid.
    public var notValidAfter: Date { Date(timeIntervalSince1970: TimeInterval(leaf.notValidAfter)) }

    /// How close to its end a certificate gets a warning: certbot renews 30 days ahead, so a certificate
    /// this close to its end has missed its renewal.
    public static let renewalWarningWindow: TimeInterval = 14 * 24 * 60 * 60

    /// Reads both files and builds the server context. An expired certificate is not refused here (see
    /// `validityWarning(at:)`): serving it, with a warning, beats not serving at all.
    /// - Throws: exit status 64: the flags name unusable files.
    public static func load(certificateFile: String, keyFile: String) throws(NotifyError) -> TLSCertificatePair {
        let chain = try readChain(certificateFile)
        let privateKey = try readKey(keyFile)
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(privateKey))
        configuration.minimumTLSVersion = .tlsv12
        let context: NIOSSLContext
        do {
            context = try NIOSSLContext(configuration: configuration)
        } catch NIOSSLError.failedToLoadPrivateKey {
            // Both files parsed on their own, so what the TLS library refused is the pair: the key's public
            // half is not the one in the leaf certificate.
            throw TLSFileProblem.error(
                "The TLS key \(keyFile) does not belong to the certificate \(certificateFile): their public keys "
                    + "differ. Give --tls-key the key made with this certificate (certbot: privkey.pem).")
        } catch {
            throw TLSFileProblem.error(
                "The TLS certificate \(certificateFile) cannot serve HTTPS with the key \(keyFile): the TLS library "
                    + "refused the pair. Use a server certificate for an RSA, ECDSA or Ed25519 key.")
        }
        return TLSCertificatePair(
            certificateFile: certificateFile, keyFile: keyFile, chain: chain, privateKey: privateKey,
            context: context)
    }

    /// Whether the server's certificate has ended by `now`.
    public func isExpired(at now: Date = Date()) -> Bool {
        now >= notValidAfter
    }

    /// A warning for a certificate that Fivetran would refuse or soon will: expired, not yet valid, or
    /// ending within `renewalWarningWindow`. Nil for a certificate with time to spare.
    public func validityWarning(at now: Date = Date()) -> String? {
        let reload = "then send listen a SIGHUP (kill -HUP \(ProcessInfo.processInfo.processIdentifier)) to load it"
        if isExpired(at: now) {
            return
                "The TLS certificate \(certificateFile) expired on \(TimeText.absolute(notValidAfter)). listen serves it "
                + "anyway, but Fivetran will not deliver to an expired certificate: renew it, \(reload)."
        }
        if now < notValidBefore {
            return
                "The TLS certificate \(certificateFile) is not valid before \(TimeText.absolute(notValidBefore)); is this "
                + "machine's clock right? listen serves it anyway, but Fivetran will refuse it until then."
        }
        let left = notValidAfter.timeIntervalSince(now)
        if left < Self.renewalWarningWindow {
            let days = Int(left / (24 * 60 * 60))
            let when = days == 0 ? "within a day" : days == 1 ? "in 1 day" : "in \(days) days"
            return
                "The TLS certificate \(certificateFile) expires \(when), on \(TimeText.absolute(notValidAfter)). Renew it, "
                + "\(reload)."
        }
        return nil
    }

    // MARK: - Reading the files

    private static func readChain(_ path: String) throws(NotifyError) -> [NIOSSLCertificate] {
        let bytes = try TLSFileProblem.read(path, what: "certificate", flag: "--tls-cert")
        let labels = TLSFileProblem.pemLabels(bytes)
        let certificateLabels: Set<String> = ["CERTIFICATE", "TRUSTED CERTIFICATE", "X509 CERTIFICATE"]
        guard labels.contains(where: certificateLabels.contains) else {
            if labels.contains(where: { $0.hasSuffix("PRIVATE KEY") }) {
                throw TLSFileProblem.error(
                    "The TLS certificate file \(path) holds a private key, not a certificate. Are --tls-cert and "
                        + "--tls-key swapped? --tls-cert takes the PEM chain (certbot: fullchain.pem).")
            }
            if labels.contains("CERTIFICATE REQUEST") || labels.contains("NEW CERTIFICATE REQUEST") {
                throw TLSFileProblem.error(
                    "The TLS certificate file \(path) holds a certificate signing request, not a certificate. Give "
                        + "--tls-cert the PEM certificate your CA issued (certbot: fullchain.pem).")
            }
            throw TLSFileProblem.error(
                "The TLS certificate file \(path) holds no PEM certificate (no \"-----BEGIN CERTIFICATE-----\" "
                    + "line). --tls-cert takes the PEM chain (certbot: fullchain.pem).")
        }
        let chain = try? NIOSSLCertificate.fromPEMBytes(bytes)
        guard let chain, !chain.isEmpty else {
            throw TLSFileProblem.error(
                "The TLS certificate file \(path) has a certificate that cannot be read: the file looks damaged or "
                    + "cut short. Copy it again as your CA issued it.")
        }
        return chain
    }

    private static func readKey(_ path: String) throws(NotifyError) -> NIOSSLPrivateKey {
        // Refused like any secret file (ssh refuses a loose key the same way).
        var info = stat()
        if stat(path, &info) == 0, info.st_mode & 0o077 != 0 {
            let mode = String(info.st_mode & 0o777, radix: 8)
            throw TLSFileProblem.error(
                "The TLS key file \(path) holds a secret but is readable by others (mode \(mode)); run "
                    + "`chmod 600 \(path)` (and own it as the user listen runs as), then start listen again.")
        }
        let bytes = try TLSFileProblem.read(path, what: "key", flag: "--tls-key")
        let labels = TLSFileProblem.pemLabels(bytes)
        guard labels.contains(where: { $0.hasSuffix("PRIVATE KEY") }) else {
            if labels.contains(where: { $0.hasSuffix("CERTIFICATE") }) {
                throw TLSFileProblem.error(
                    "The TLS key file \(path) holds a certificate, not a private key. Are --tls-cert and --tls-key "
                        + "swapped? --tls-key takes the PEM private key (certbot: privkey.pem).")
            }
            throw TLSFileProblem.error(
                "The TLS key file \(path) holds no PEM private key (no \"-----BEGIN PRIVATE KEY-----\" line). "
                    + "--tls-key takes the PEM private key (certbot: privkey.pem).")
        }
        let text = String(decoding: bytes, as: UTF8.self)
        if labels.contains("ENCRYPTED PRIVATE KEY") || text.contains("Proc-Type: 4,ENCRYPTED") {
            throw TLSFileProblem.error(
                "The TLS key file \(path) is protected by a passphrase, which listen cannot ask for. Decrypt it "
                    + "into a file only this user can read (openssl pkey -in KEY -out NEW) and pass that to --tls-key.")
        }
        // A passphrase callback that gives none: without one the TLS library would prompt on the terminal.
        let key = try? NIOSSLPrivateKey(
            bytes: bytes, format: .pem, passphraseCallback: { (_: NIOSSLPassphraseSetter<[UInt8]>) in })
        guard let key else {
            throw TLSFileProblem.error(
                "The TLS key file \(path) has a private key that cannot be read: the file looks damaged or cut "
                    + "short. Copy it again from where the certificate was made.")
        }
        return key
    }
}

/// The messages for files that cannot be used, and the checks behind them.
enum TLSFileProblem {
    static func error(_ message: String) -> NotifyError {
        NotifyError(message, exitCode: ExitStatus.usage)
    }

    /// The file's bytes, or an error naming the file and the flag that named it.
    static func read(_ path: String, what: String, flag: String) throws(NotifyError) -> [UInt8] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw error("The TLS \(what) file \(path) does not exist. Check the path given to \(flag).")
        }
        guard !isDirectory.boolValue else {
            throw error("The TLS \(what) file \(path) is a directory. Give \(flag) the PEM file itself.")
        }
        guard FileManager.default.isReadableFile(atPath: path), let data = FileManager.default.contents(atPath: path)
        else {
            throw error(
                "The TLS \(what) file \(path) cannot be read by this user (permission denied). Make it readable "
                    + "by the user that runs listen.")
        }
        guard !data.isEmpty else {
            throw error("The TLS \(what) file \(path) is empty. Check the path given to \(flag).")
        }
        return [UInt8](data)
    }

    /// The labels of the PEM blocks in the file: `CERTIFICATE`, `PRIVATE KEY`, `EC PRIVATE KEY`, …
    static func pemLabels(_ bytes: [UInt8]) -> [String] {
        let text = String(decoding: bytes, as: UTF8.self)
        var labels: [String] = []
        for line in text.split(whereSeparator: \.isNewline) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard trimmed.hasPrefix("-----BEGIN "), trimmed.hasSuffix("-----"), trimmed.count > 16 else { continue }
            labels.append(String(trimmed.dropFirst(11).dropLast(5)))
        }
        return labels
    }
}

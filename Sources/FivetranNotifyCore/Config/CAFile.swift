import Foundation
import NIOSSL

/// The `ca_file` setting (`--ca-file`, `SSL_CERT_FILE`): a PEM bundle of the certificate authorities
/// that outgoing HTTPS trusts instead of the system's store, as behind a proxy that inspects TLS with a
/// private CA. libcurl does not read `SSL_CERT_FILE` by itself, so the bundle is handed to it
/// (`CurlTransport(caFile:)`); it is checked at start, so a wrong path is a sentence, not a failed post
/// later on.
public enum CAFile {
    /// The path, once it is known to be a readable file holding at least one PEM certificate.
    /// - Parameter origin: where the path came from (`--ca-file`, `SSL_CERT_FILE`, `ca_file in FILE:LINE`).
    /// - Throws: `NotifyError` (exit 64) saying what is wrong and what to give instead.
    public static func checked(_ path: String, from origin: String) throws -> String {
        let hint =
            "Give a PEM file of the certificate authorities to trust (your proxy's CA, or a bundle such as "
            + "/etc/ssl/certs/ca-certificates.crt that includes it), or remove the setting to trust the system's store."
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw NotifyError(
                "The CA file \(path) (from \(origin)) does not exist. \(hint)", exitCode: ExitStatus.usage)
        }
        guard !isDirectory.boolValue else {
            throw NotifyError(
                "The CA file \(path) (from \(origin)) is a directory, not a file. \(hint)", exitCode: ExitStatus.usage)
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw NotifyError(
                "The CA file \(path) (from \(origin)) cannot be read by this user; check its permissions. \(hint)",
                exitCode: ExitStatus.usage)
        }
        let certificates = try? NIOSSLCertificate.fromPEMBytes(Array(data))
        guard let certificates, !certificates.isEmpty else {
            throw NotifyError(
                "The CA file \(path) (from \(origin)) holds no PEM certificate (-----BEGIN CERTIFICATE-----). \(hint)",
                exitCode: ExitStatus.usage)
        }
        return path
    }
}

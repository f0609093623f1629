import Foundation

/// Reads and writes files that hold secrets (config.toml, signing keys): written 0600 inside a 0700
/// directory, and refused on read when group or others may read them, as ssh refuses a loose key.
public enum SecretFile {
    /// The file's text, or nil when it does not exist.
    public static func read(_ url: URL) throws -> String? {
        let path = url.path
        var info = stat()
        guard stat(path, &info) == 0 else {
            if errno == ENOENT { return nil }
            throw NotifyError("Cannot read \(path): \(String(cString: strerror(errno))).")
        }
        if info.st_mode & 0o077 != 0 {
            let mode = String(info.st_mode & 0o777, radix: 8)
            throw NotifyError(
                "\(path) holds a secret but is readable by others (mode \(mode)); run `chmod 600 \(path)` and try again.",
                exitCode: ExitStatus.credentials)
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw NotifyError("Cannot read \(path): permission denied. Check that this user owns it.")
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// Writes the text atomically with mode 0600, creating the directory (0700) when needed.
    public static func write(_ text: String, to url: URL) throws {
        try ensurePrivateDirectory(url.deletingLastPathComponent())
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(getpid()).tmp")
        let fd = open(temporary.path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else {
            throw NotifyError("Cannot write \(url.path): \(String(cString: strerror(errno))).")
        }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
        fchmod(fd, 0o600)
        let synced = fsync(fd)
        close(fd)
        guard written == bytes.count, synced == 0, rename(temporary.path, url.path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary.path)
            throw NotifyError("Cannot write \(url.path): \(reason).")
        }
    }

    /// Creates the directory with mode 0700 if missing (parents too).
    public static func ensurePrivateDirectory(_ url: URL) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw NotifyError("\(url.path) exists but is not a directory; move it away and try again.")
            }
            return
        }
        do {
            try FileManager.default.createDirectory(
                at: url, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw NotifyError("Cannot create \(url.path): check the permissions of its parent directory.")
        }
    }

    /// Removes the file if it exists.
    public static func remove(_ url: URL) throws {
        if unlink(url.path) != 0 && errno != ENOENT {
            throw NotifyError("Cannot remove \(url.path): \(String(cString: strerror(errno))).")
        }
    }
}

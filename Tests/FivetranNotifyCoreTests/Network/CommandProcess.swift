import Foundation

/// The built `fivetran-notify` run as a child process with an environment of its own: what libcurl
/// reads from the environment by itself (`https_proxy`, `no_proxy`) can only be set this way without
/// touching the test process's environment, which every test shares.
struct CommandProcess {
    var status: Int32
    var stdout: String
    var stderr: String

    /// Runs `arguments` with a fresh HOME and XDG config directory, the fake API's credentials and
    /// `environment` on top; gives up after 30 s.
    static func run(_ arguments: [String], environment: [String: String]) async throws -> CommandProcess {
        let home = TestFiles.temporaryDirectory()
        let out = home.appendingPathComponent("stdout")
        let err = home.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        let process = Process()
        process.executableURL = ListenProcess.executable
        process.arguments = arguments
        process.environment = [
            "PATH": "/usr/bin:/bin", "HOME": home.path,
            "XDG_CONFIG_HOME": home.appendingPathComponent("config").path,
            "FIVETRAN_API_KEY": FakeFivetranAPI.apiKey, "FIVETRAN_API_SECRET": FakeFivetranAPI.apiSecret,
        ].merging(environment) { $1 }
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
        guard await eventually(within: .seconds(30), { !process.isRunning }) else {
            process.terminate()
            throw TestServerError(message: "fivetran-notify \(arguments.joined(separator: " ")) did not finish in 30 s")
        }
        return CommandProcess(
            status: process.terminationStatus,
            stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "")
    }
}

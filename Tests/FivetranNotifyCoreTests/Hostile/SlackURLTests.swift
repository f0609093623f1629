import Foundation
import Testing

@testable import FivetranNotifyCore

/// Slack URLs are secrets: a malformed one is described by where it came from, never shown; schemes are
/// case-insensitive; plain http only to loopback hosts.
@Suite struct SlackURLTests {
    static let secret = "T0000/B0000/abcdefSECRETxyz"

    @Test func anUpperCaseSchemeSimplyWorks() {
        #expect(
            SlackURL.checked("HTTPS://hooks.slack.com/services/\(Self.secret)")
                == .success("https://hooks.slack.com/services/\(Self.secret)"))
        #expect(
            SlackURL.checked("  https://hooks.slack.com/services/x \n")
                == .success("https://hooks.slack.com/services/x"))
    }

    @Test(arguments: [
        ("\"https://hooks.slack.com/services/\(secret)\"", "wrapped in quotes"),
        ("'https://hooks.slack.com/services/\(secret)'", "wrapped in quotes"),
        ("hooks.slack.com/services/\(secret)", "must start with https://"),
        ("http://hooks.slack.com/services/\(secret)", "plain http:// to hooks.slack.com"),
        ("https:///services/\(secret)", "no host"),
    ])
    func aBadURLIsDescribedNeverShown(_ url: String, _ says: String) {
        guard case .failure(let problem) = SlackURL.checked(url) else {
            Issue.record("accepted \(url)")
            return
        }
        #expect(problem.text.contains(says), "\(problem.text)")
        #expect(!problem.text.contains("SECRET"))
    }

    @Test func plainHTTPIsForLoopbackOnly() {
        #expect(SlackURL.checked("http://127.0.0.1:8080/hook") == .success("http://127.0.0.1:8080/hook"))
        #expect(SlackURL.checked("http://localhost/hook") == .success("http://localhost/hook"))
        #expect(SlackURL.checked("http://10.0.0.8/hook") != .success("http://10.0.0.8/hook"))
    }

    @Test func listenSaysWhereTheBadValueCameFromAndNeverPrintsIt() throws {
        let quoted = "\"https://hooks.slack.com/services/\(Self.secret)\""
        let home = TestFiles.temporaryDirectory()
        let process = Process()
        process.executableURL = ListenProcess.executable
        process.arguments = ["listen", "--port", "0", "--state-dir", home.appendingPathComponent("s").path]
        process.environment = [
            "PATH": "/usr/bin:/bin", "HOME": home.path, "FIVETRAN_SIGNING_KEY": "k", "SLACK_WEBHOOK_URL": quoted,
            "XDG_CONFIG_HOME": home.appendingPathComponent("config").path,
        ]
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 64)
        #expect(text.contains("SLACK_WEBHOOK_URL is wrapped in quotes"), "\(text)")
        #expect(!text.contains("SECRET"), "\(text)")
    }
}

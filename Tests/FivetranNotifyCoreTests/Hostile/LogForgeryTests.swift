import FivetranNotifyCore
import Foundation
import Testing

extension ListenSuites {
    /// cli.md "Logs cannot be forged": control characters inside a signed delivery's fields are
    /// escaped in text log lines, so one delivery is one line.
    @Suite struct LogForgeryTests {
        @Test func aNewlineOrNULInASignedFieldStaysInsideItsLine() async throws {
            try await ListenerHarness.with(slackURL: nil) { listener in
                let body = Data(
                    """
                    {"event":"sync_end","created":"\(Samples.recent)","connector_id":"id_forge",\
                    "connector_name":"orders\\n--> sync_end billing_pg SUCCESSFUL\\u0000\\r\\u001b[2Jx",\
                    "connector_type":"postgres","destination_group_id":"grp","data":{"status":"FAILURE"}}
                    """.utf8)
                let answer = try await listener.post(body)
                #expect(answer.status == 200)
                let logged = await eventually(within: .seconds(5)) { listener.logs.stderr.contains("orders") }
                #expect(logged, "stderr: \(listener.logs.stderr)")
                let lines = listener.logs.stderr.split(separator: "\n", omittingEmptySubsequences: false)
                #expect(!lines.contains { $0.hasPrefix("--> sync_end billing_pg") }, "\(lines)")
                #expect(
                    !listener.logs.stderr.unicodeScalars.contains { $0.value == 0 || $0.value == 0x1B || $0 == "\r" })
                #expect(listener.logs.stderr.contains(#"orders\n--> sync_end billing_pg SUCCESSFUL\u{0}\r\u{1B}[2Jx"#))
            }
        }

        @Test(arguments: [
            ("plain text, unchanged", "plain text, unchanged"),
            ("a\nb\tc\rd", #"a\nb\tc\rd"#),
            ("nul\u{0}del\u{7F}c1\u{85}ls\u{2028}", #"nul\u{0}del\u{7F}c1\u{85}ls\u{2028}"#),
            ("émoji 🚨 stays", "émoji 🚨 stays"),
        ])
        func controlCharactersAreWrittenAsEscapes(text: String, escaped: String) {
            #expect(text.escapingControlCharacters == escaped)
        }
    }
}

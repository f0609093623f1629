import Foundation
import Testing

@testable import FivetranNotifyCore

@Suite struct MrkdwnTests {
    @Test func escapesTheThreeCharacters() {
        #expect(Mrkdwn.escape("a & b <c> d") == "a &amp; b &lt;c&gt; d")
        #expect(Mrkdwn.escape("<!channel>") == "&lt;!channel&gt;")
        #expect(Mrkdwn.escape("plain ✓ é") == "plain ✓ é")
        #expect(Mrkdwn.escape("") == "")
    }

    @Test func shortTextIsUnchanged() {
        #expect(Mrkdwn.clamp("hello", to: 5) == "hello")
        #expect(Mrkdwn.escapeAndClamp("a<b", to: 6) == "a&lt;b")
    }

    @Test func longTextIsCutVisiblyWithTheRightCount() throws {
        let text = String(repeating: "abcdefghij", count: 10_000)
        let clamped = Mrkdwn.clamp(text, to: 3000)
        #expect(clamped.utf16.count <= 3000)
        let marker = try #require(clamped.range(of: "… ("))
        let kept = clamped[..<marker.lowerBound]
        #expect(text.hasPrefix(kept))
        #expect(clamped.hasSuffix("(\(text.count - kept.count) more characters)"))
        #expect(Mrkdwn.moreMarker(1) == "… (1 more character)")
    }

    @Test func cutsOnCharacterBoundaries() throws {
        let family = "👩‍👩‍👧"
        let text = String(repeating: family + "e\u{301}", count: 1000)
        let clamped = Mrkdwn.clamp(text, to: 500)
        #expect(clamped.utf16.count <= 500)
        let kept = clamped[..<(try #require(clamped.range(of: "… ("))).lowerBound]
        #expect(kept.count.isMultiple(of: 2))
        #expect(kept.allSatisfy { String($0) == family || String($0) == "e\u{301}" })
        #expect(text.hasPrefix(kept))
    }

    @Test func neverCutsAnEntityInHalf() throws {
        let clamped = Mrkdwn.escapeAndClamp(String(repeating: "&", count: 5000), to: 1003)
        #expect(clamped.utf16.count <= 1003)
        let kept = clamped[..<(try #require(clamped.range(of: "… ("))).lowerBound]
        #expect(kept.count.isMultiple(of: 5))
        #expect(kept == String(repeating: "&amp;", count: kept.count / 5)[...])
        #expect(clamped.hasSuffix("(\(5000 - kept.count / 5) more characters)"))
    }

    @Test func tinyLimits() {
        #expect(Mrkdwn.clamp(String(repeating: "x", count: 100), to: 5).utf16.count <= 5)
        #expect(Mrkdwn.clamp("xx", to: 0) == "")
    }

    @Test func codeBlocksStayClosedAndWithinTheLimit() {
        let block = Mrkdwn.codeBlock("before ``` after <x>\n", limit: 100)
        #expect(block == "```\nbefore ˋˋˋ after &lt;x&gt;```")
        let long = Mrkdwn.codeBlock(String(repeating: "line of output\n", count: 10_000), limit: 2900)
        #expect(long.utf16.count <= 2900)
        #expect(long.hasPrefix("```\n") && long.hasSuffix("more characters)```"))
        #expect(long.components(separatedBy: "```").count == 3)
        #expect(Mrkdwn.codeBlock("", limit: 50) == "```\n ```")
        #expect(Mrkdwn.codeBlock("ends with `", limit: 50) == "```\nends with ` ```")
    }
}

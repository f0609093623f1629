/// Text for Adaptive Cards in Teams: escaping user strings for the Markdown subset of TextBlocks and
/// Fact values, and clamping texts to byte budgets.
///
/// Budgets are counted in the bytes a text takes inside the JSON body (UTF-8, with JSON's own escapes:
/// `\"`, `\\`, `\n`, `\u0001`), because Teams' limit is on the size of the whole request. Cuts fall on
/// `Character` boundaries (an emoji or an accented letter is never split) and are visible: the text
/// ends with "… (N more characters)", N counting the characters left out of the original.
public enum TeamsText {
    /// `text` escaped for a TextBlock or a Fact value, so that it shows as it is: it cannot make a link
    /// (`[t](u)`), a mention or tag (`<at>`), an entity (`&amp;`), emphasis (`**`, `_`, `~`), a code span,
    /// a list item or heading at its start, or an Adaptive Cards date function (`{{DATE(…)}}`). Markdown
    /// punctuation gets a backslash (CommonMark's escape); line breaks are kept.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count + 8)
        var escaper = Escaper()
        for character in text {
            out += escaper.next(character)
        }
        return out
    }

    /// Escapes a text character by character, remembering where lines start (where `-`, `+`, `#` and
    /// `1.` would start a list or a heading).
    struct Escaper {
        private var lineStart = true
        private var leadingDigits = false

        mutating func next(_ character: Character) -> String {
            let atStart = lineStart
            let inDigits = leadingDigits
            lineStart = character.isNewline
            leadingDigits = (atStart || inDigits) && character.isASCII && character.isNumber
            switch character {
            case "\\", "*", "_", "`", "[", "]", "<", ">", "~", "&", "{", "}", "|":
                return "\\" + String(character)
            case "-", "+", "#", "=":
                return atStart ? "\\" + String(character) : String(character)
            case ".", ")":
                // "1. " or "1) " would start an ordered list.
                return inDigits ? "\\" + String(character) : String(character)
            default:
                return String(character)
            }
        }
    }

    /// The bytes `text` takes inside a JSON string (without the quotes).
    public static func jsonLength(_ text: String) -> Int {
        var total = 0
        for scalar in text.unicodeScalars {
            total += jsonLength(scalar)
        }
        return total
    }

    static func jsonLength(_ scalar: Unicode.Scalar) -> Int {
        switch scalar.value {
        case 0x22, 0x5C, 0x08, 0x09, 0x0A, 0x0C, 0x0D: return 2
        case 0..<0x20, 0x2028, 0x2029: return 6
        case 0..<0x80: return 1
        case 0..<0x800: return 2
        case 0..<0x10000: return 3
        default: return 4
        }
    }

    /// The visible marker appended to a cut text.
    public static func moreMarker(_ count: Int) -> String { TextClamp.moreMarker(count) }

    /// `text` (already safe for where it goes) cut to at most `limit` JSON bytes, with the marker.
    public static func clamp(_ text: String, toBytes limit: Int) -> String {
        clamp(text, toBytes: limit, escaping: false)
    }

    /// `text` escaped (see `escape`) and cut to at most `limit` JSON bytes after escaping, with the
    /// marker. An escape is never cut from the character it escapes.
    public static func escapeAndClamp(_ text: String, toBytes limit: Int) -> String {
        clamp(text, toBytes: limit, escaping: true)
    }

    /// A user string on one line (line breaks and tabs become spaces), escaped, at most `limit` bytes.
    public static func inline(_ text: String, _ limit: Int) -> String {
        escapeAndClamp(oneLine(text), toBytes: limit)
    }

    /// Machine output for a monospace block (a TextRun, which Teams shows verbatim, without Markdown):
    /// trailing line breaks dropped, Adaptive Cards date functions defused, at most `limit` bytes.
    public static func monospace(_ text: String, _ limit: Int) -> String {
        var body = text
        while let last = body.last, last.isNewline || last == " " { body.removeLast() }
        if body.contains("{{") { body = body.replacingOccurrences(of: "{{", with: "{\u{200B}{") }
        if body.isEmpty { body = " " }
        return clamp(body, toBytes: limit)
    }

    /// The text on one line: line breaks and tabs become spaces.
    static func oneLine(_ text: String) -> String {
        guard text.contains(where: { $0.isNewline || $0 == "\t" }) else { return text }
        return String(text.map { $0.isNewline || $0 == "\t" ? " " : $0 })
    }

    private static func clamp(_ text: String, toBytes limit: Int, escaping: Bool) -> String {
        TextClamp.clamp(escaping ? escape(text) : text, to: limit, measure: jsonLength) {
            var escaper = Escaper()
            return text.map { escaping ? escaper.next($0) : String($0) }
        }
    }
}

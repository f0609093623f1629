/// Text from outside (a delivery's fields) made safe for a one-line log: control characters are
/// written as escapes, so signed content cannot end a line early, forge the next one or hide behind a NUL.
extension String {
    /// `\n`, `\r`, `\t` as those two-character escapes, every other C0 or C1 control and DEL as `\u{XX}`;
    /// the text itself when it has none (the common case, no copy).
    public var escapingControlCharacters: String {
        guard unicodeScalars.contains(where: \.isControlCharacter) else { return self }
        var result = ""
        result.reserveCapacity(utf8.count + 8)
        for scalar in unicodeScalars {
            switch scalar {
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where scalar.isControlCharacter:
                result += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}

extension Unicode.Scalar {
    /// C0 controls, DEL, C1 controls, and the Unicode line and paragraph separators.
    fileprivate var isControlCharacter: Bool {
        value < 0x20 || (0x7F...0x9F).contains(value) || value == 0x2028 || value == 0x2029
    }
}

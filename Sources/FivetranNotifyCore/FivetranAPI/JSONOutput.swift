/// Writes `--json` output: indented by two spaces, keys sorted, slashes and non-ASCII text left as
/// they are, so that the output is stable and reads well in a terminal or through `jq`.
///
/// Written by hand rather than with `JSONEncoder`, which is several times slower on the thousands of
/// nested values of a large `webhook list`.
public enum JSONOutput {
    public static func render(_ value: JSONValue) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(4096)
        write(value, indent: 0, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    private static func write(_ value: JSONValue, indent: Int, into out: inout [UInt8]) {
        switch value {
        case .null:
            out += "null".utf8
        case .bool(let flag):
            out += (flag ? "true" : "false").utf8
        case .number(let number):
            if number.rounded() == number, abs(number) < 9.007_199_254_740_992e15 {
                out += String(Int64(number)).utf8
            } else if number.isFinite {
                out += String(number).utf8
            } else {
                out += "null".utf8
            }
        case .string(let text):
            writeString(text, into: &out)
        case .array(let elements):
            guard !elements.isEmpty else {
                out += "[]".utf8
                return
            }
            out += "[\n".utf8
            for (index, element) in elements.enumerated() {
                pad(indent + 2, &out)
                write(element, indent: indent + 2, into: &out)
                out += (index == elements.count - 1 ? "\n" : ",\n").utf8
            }
            pad(indent, &out)
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            guard !members.isEmpty else {
                out += "{}".utf8
                return
            }
            out += "{\n".utf8
            let keys = members.keys.sorted()
            for (index, key) in keys.enumerated() {
                pad(indent + 2, &out)
                writeString(key, into: &out)
                out += ": ".utf8
                write(members[key]!, indent: indent + 2, into: &out)
                out += (index == keys.count - 1 ? "\n" : ",\n").utf8
            }
            pad(indent, &out)
            out.append(UInt8(ascii: "}"))
        }
    }

    private static func pad(_ count: Int, _ out: inout [UInt8]) {
        out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: count))
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    private static func writeString(_ text: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out += "\\\"".utf8
            case UInt8(ascii: "\\"): out += "\\\\".utf8
            case 0x0A: out += "\\n".utf8
            case 0x0D: out += "\\r".utf8
            case 0x09: out += "\\t".utf8
            case 0x08: out += "\\b".utf8
            case 0x0C: out += "\\f".utf8
            case 0x00..<0x20:
                out += "\\u00".utf8
                out.append(hexDigits[Int(byte >> 4)])
                out.append(hexDigits[Int(byte & 0x0F)])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}

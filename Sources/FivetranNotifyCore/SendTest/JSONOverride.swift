import Foundation

/// One `--set path=value` override of a sample body, as `stripe trigger --override` does: a dotted path
/// into the JSON (numbers index arrays: `data.result.stepResults.0.success`), and a value parsed as JSON
/// when it parses (`true`, `3`, `{"a":1}`, `"quoted"`) and taken as a plain string otherwise.
public struct JSONOverride: Sendable, Equatable {
    public let path: [String]
    public let value: JSONValue

    /// Parses `path=value`; the first `=` separates them, so values may contain `=`.
    public init(parsing text: String) throws {
        guard let equals = text.firstIndex(of: "=") else {
            throw NotifyError(
                "--set \"\(text)\" has no \"=\": write it as path=value, e.g. --set data.reason=\"disk full\".",
                exitCode: ExitStatus.usage)
        }
        let pathText = String(text[..<equals])
        let segments = pathText.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard !pathText.isEmpty, !segments.contains(where: \.isEmpty) else {
            throw NotifyError(
                "--set \"\(text)\": the path \"\(pathText)\" has an empty part; use dotted names like data.status.",
                exitCode: ExitStatus.usage)
        }
        path = segments
        value = Self.parseValue(String(text[text.index(after: equals)...]))
    }

    static func parseValue(_ text: String) -> JSONValue {
        guard let data = text.data(using: .utf8),
            let parsed = try? JSONDecoder().decode(JSONValue.self, from: data)
        else { return .string(text) }
        return parsed
    }

    /// The body with this override applied. Missing object keys are created; an array index must exist
    /// (or be one past the end, to append).
    public func apply(to body: JSONValue) throws -> JSONValue {
        try Self.set(value, at: path[...], in: body, walked: [])
    }

    private static func set(
        _ value: JSONValue, at path: ArraySlice<String>, in node: JSONValue, walked: [String]
    ) throws -> JSONValue {
        guard let key = path.first else { return value }
        let here = walked + [key]
        let rest = path.dropFirst()
        switch node {
        case .object(var object):
            object[key] = try set(value, at: rest, in: object[key] ?? .object([:]), walked: here)
            return .object(object)
        case .array(var array):
            guard let index = Int(key), index >= 0, index <= array.count else {
                throw NotifyError(
                    "--set \(here.joined(separator: ".")): \(walked.joined(separator: ".")) is a list of "
                        + "\(array.count); use an index from 0 to \(array.count).",
                    exitCode: ExitStatus.usage)
            }
            let current = index < array.count ? array[index] : .object([:])
            let updated = try set(value, at: rest, in: current, walked: here)
            if index < array.count { array[index] = updated } else { array.append(updated) }
            return .array(array)
        default:
            throw NotifyError(
                "--set \(here.joined(separator: ".")): \(walked.joined(separator: ".")) is a single value, "
                    + "not an object or a list, so it has no \"\(key)\".",
                exitCode: ExitStatus.usage)
        }
    }
}

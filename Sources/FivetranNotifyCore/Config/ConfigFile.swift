import Foundation
import TOMLKit

/// A value of config.toml, copied out of TOMLKit into plain Swift values so it can cross tasks.
public enum ConfigValue: Sendable, Equatable {
    case string(String)
    case integer(Int)
    case float(Double)
    case boolean(Bool)
    /// A date, time or date-time, as written in TOML.
    case datetime(String)
    case array([ConfigValue])
    case table(ConfigTable)

    /// The TOML type name, for messages ("must be a string, not an integer").
    public var typeName: String {
        switch self {
        case .string: return "a string"
        case .integer: return "an integer"
        case .float: return "a number"
        case .boolean: return "a boolean"
        case .datetime: return "a date"
        case .array: return "an array"
        case .table: return "a table"
        }
    }

    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    public var boolValue: Bool? {
        if case .boolean(let value) = self { return value }
        return nil
    }

    public var intValue: Int? {
        if case .integer(let value) = self { return value }
        return nil
    }

    public var arrayValue: [ConfigValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    public var tableValue: ConfigTable? {
        if case .table(let value) = self { return value }
        return nil
    }
}

/// A TOML table (the file's top level, `[listen]`, one `[[route]]`, an inline `match = {…}`).
public struct ConfigTable: Sendable, Equatable {
    public var values: [String: ConfigValue]

    public init(_ values: [String: ConfigValue] = [:]) {
        self.values = values
    }

    public subscript(key: String) -> ConfigValue? { values[key] }

    /// The keys, sorted (TOML tables have no order that a program may rely on).
    public var keys: [String] { values.keys.sorted() }
}

/// Where in config.toml a key lives: the top level, a `[name]` table, or the `index`th `[[name]]`.
public enum ConfigSection: Sendable, Equatable {
    case root
    case table(String)
    case arrayOfTables(String, index: Int)
}

/// config.toml, parsed: read as a secret file (refused when group or others may read it), with
/// parse errors that name the file, line and column. Exposes the top-level keys and every table so
/// each feature reads its own part (`api_key`…, `[listen]`, `[[route]]`), and finds the line of a key
/// so their errors can name it too.
public struct ConfigFile: Sendable {
    public let url: URL
    public let text: String
    public let root: ConfigTable

    /// Reads and parses the file; nil when it does not exist.
    public static func load(from url: URL) throws -> ConfigFile? {
        guard let text = try SecretFile.read(url) else { return nil }
        return try parse(text, url: url)
    }

    /// Parses TOML text that came from `url` (named in errors).
    public static func parse(_ text: String, url: URL) throws -> ConfigFile {
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            let begin = error.source.begin
            throw NotifyError(
                "\(url.path):\(begin.line):\(begin.column): \(error.description) "
                    + "(config.toml is not valid TOML at line \(begin.line), column \(begin.column); "
                    + "fix the file and try again).")
        }
        return ConfigFile(url: url, text: text, root: convert(table))
    }

    public init(url: URL, text: String, root: ConfigTable) {
        self.url = url
        self.text = text
        self.root = root
    }

    /// The keys of the top level (including table names such as `listen` and `route`).
    public var topLevelKeys: [String] { root.keys }

    /// A top-level value.
    public subscript(key: String) -> ConfigValue? { root[key] }

    /// A top-level string setting; an error naming the file and line when it is not a string.
    public func string(_ key: String) throws -> String? {
        try string(key, in: root, section: .root)
    }

    /// A string from `table` (found in `section`); an error naming the file and line when it has
    /// another type.
    public func string(_ key: String, in table: ConfigTable, section: ConfigSection) throws -> String? {
        guard let value = table[key] else { return nil }
        guard let string = value.stringValue else {
            throw error("\(key) must be a string, not \(value.typeName)", key: key, section: section)
        }
        return string
    }

    /// The `[name]` table; nil when absent, an error when `name` is something else.
    public func table(_ name: String) throws -> ConfigTable? {
        guard let value = root[name] else { return nil }
        guard let table = value.tableValue else {
            throw error("\(name) must be a table ([\(name)]), not \(value.typeName)", key: name, section: .root)
        }
        return table
    }

    /// The `[[name]]` tables in file order; empty when absent.
    public func arrayOfTables(_ name: String) throws -> [ConfigTable] {
        guard let value = root[name] else { return [] }
        guard let array = value.arrayValue else {
            throw error(
                "\(name) must be an array of tables ([[\(name)]]), not \(value.typeName)", key: name, section: .root)
        }
        return try array.map { element in
            guard let table = element.tableValue else {
                throw error(
                    "\(name) must hold tables ([[\(name)]]), not \(element.typeName)", key: name, section: .root)
            }
            return table
        }
    }

    /// An error about a key that names the file and, when it can be found, the line:
    /// `/home/ana/.config/fivetran-notify/config.toml:12: route "finance": unknown key "mach"`.
    public func error(_ message: String, key: String? = nil, section: ConfigSection = .root) -> NotifyError {
        let line = key.flatMap { self.line(of: $0, in: section) } ?? self.line(of: section)
        let location = line.map { "\(url.path):\($0)" } ?? url.path
        return NotifyError("\(location): \(message).")
    }

    // MARK: - Lines

    /// The 1-based line of the header of a section (`[listen]`, the index-th `[[route]]`); nil for
    /// the root or when not found.
    public func line(of section: ConfigSection) -> Int? {
        var result: Int? = nil
        scan { line, current, header, _ in
            if header, current == section {
                result = line
                return false
            }
            return true
        }
        return result
    }

    /// The 1-based line where `key` is set in `section`, found by reading the text; nil when it is
    /// not found (dotted or unusual keys).
    public func line(of key: String, in section: ConfigSection) -> Int? {
        var result: Int? = nil
        scan { line, current, header, lineKey in
            if !header, current == section, lineKey == key {
                result = line
                return false
            }
            if header, section == .root, case .table(let name) = current, name == key {
                result = line
                return false
            }
            if header, section == .root, case .arrayOfTables(let name, _) = current, name == key {
                result = line
                return false
            }
            return true
        }
        return result
    }

    /// Walks the lines, tracking the current section. The visitor gets the 1-based line number, the
    /// section, whether the line is a header, and the key the line sets (if any); it returns false
    /// to stop.
    private func scan(_ visit: (Int, ConfigSection, Bool, String?) -> Bool) {
        var section = ConfigSection.root
        var counts: [String: Int] = [:]
        var number = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            number += 1
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("[[") {
                let name = Self.headerName(line.dropFirst(2), closing: "]]")
                let index = counts[name, default: 0]
                counts[name] = index + 1
                section = .arrayOfTables(name, index: index)
                if !visit(number, section, true, nil) { return }
            } else if line.hasPrefix("[") {
                section = .table(Self.headerName(line.dropFirst(), closing: "]"))
                if !visit(number, section, true, nil) { return }
            } else if let equals = line.firstIndex(of: "=") {
                var key = line[..<equals].trimmingCharacters(in: .whitespaces)
                if key.count >= 2, let first = key.first, first == "\"" || first == "'", key.last == first {
                    key = String(key.dropFirst().dropLast())
                }
                if !visit(number, section, false, key) { return }
            }
        }
    }

    private static func headerName(_ rest: Substring, closing: String) -> String {
        let name = rest.range(of: closing).map { rest[..<$0.lowerBound] } ?? rest
        return name.trimmingCharacters(in: .whitespaces)
    }

    // MARK: - Conversion

    private static func convert(_ table: TOMLTable) -> ConfigTable {
        var values: [String: ConfigValue] = [:]
        for (key, value) in table {
            values[key] = convert(value)
        }
        return ConfigTable(values)
    }

    private static func convert(_ value: any TOMLValueConvertible) -> ConfigValue {
        switch value.type {
        case .string: return .string(value.string ?? "")
        case .int: return .integer(value.int ?? 0)
        case .double: return .float(value.double ?? 0)
        case .bool: return .boolean(value.bool ?? false)
        case .table: return value.table.map { .table(convert($0)) } ?? .table(ConfigTable())
        case .array: return .array(value.array.map { $0.map { convert($0) } } ?? [])
        case .date: return .datetime(value.date?.debugDescription ?? "")
        case .time: return .datetime(value.time?.debugDescription ?? "")
        case .dateTime: return .datetime(value.dateTime?.debugDescription ?? "")
        }
    }
}

import Foundation

/// Any JSON value, kept as received so that fields this tool does not know survive storage and
/// rendering. Numbers are doubles (JSON's own model); integers up to 2^53 round-trip exactly.
public enum JSONValue: Sendable, Equatable, Hashable, Codable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([String: JSONValue].self) {
            self = .object(value)
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a JSON value")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value):
            if value.rounded() == value, abs(value) < 9.007_199_254_740_992e15 {
                try container.encode(Int64(value))
            } else {
                try container.encode(value)
            }
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    /// Converts the output of `JSONSerialization` (dictionaries, arrays, strings, numbers, NSNull).
    public init(jsonObject value: Any) {
        switch value {
        case let string as String:
            self = .string(string)
        case let dictionary as [String: Any]:
            var object = [String: JSONValue](minimumCapacity: dictionary.count)
            for (key, element) in dictionary {
                object[key] = JSONValue(jsonObject: element)
            }
            self = .object(object)
        case let array as [Any]:
            self = .array(array.map { JSONValue(jsonObject: $0) })
        case let number as NSNumber:
            self = JSONValue.isBoolean(number) ? .bool(number.boolValue) : .number(number.doubleValue)
        case is NSNull:
            self = .null
        default:
            self = .string(String(describing: value))
        }
    }

    private static func isBoolean(_ number: NSNumber) -> Bool {
        #if canImport(Darwin)
            return CFGetTypeID(number) == CFBooleanGetTypeID()
        #else
            // swift-corelibs-foundation boxes JSON booleans as CFBoolean-backed NSNumbers whose type
            // encoding is "c"; JSON integers come back as "i" or "q".
            return String(cString: number.objCType) == "c"
        #endif
    }

    /// The value of `key` when this is an object.
    public subscript(key: String) -> JSONValue? {
        if case .object(let object) = self { return object[key] }
        return nil
    }

    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    public var doubleValue: Double? {
        if case .number(let value) = self { return value }
        return nil
    }

    /// The number as an integer when it is integral.
    public var intValue: Int? {
        if case .number(let value) = self, value.rounded() == value, abs(value) < 9.2e18 { return Int(value) }
        return nil
    }

    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    public var objectValue: [String: JSONValue]? {
        if case .object(let value) = self { return value }
        return nil
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    /// A scalar shown as text: strings as they are, numbers without a needless ".0", booleans as
    /// true/false; nil for null, arrays and objects.
    public var displayText: String? {
        switch self {
        case .string(let value): return value
        case .number(let value):
            if let int = intValue { return String(int) }
            return String(value)
        case .bool(let value): return value ? "true" : "false"
        case .null, .array, .object: return nil
        }
    }
}

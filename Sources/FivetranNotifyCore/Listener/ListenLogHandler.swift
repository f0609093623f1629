import Foundation
import Logging

/// How `listen` writes its log: `text` is one short line per event (`--> sync_end ftar_pg FAILURE`,
/// `<-- slack 200`), like `stripe listen`; `json` is one JSON object per line for log shippers.
public enum LogFormat: String, Sendable, CaseIterable {
    case text
    case json
}

/// A swift-log handler writing `listen`'s lines through a line sink (stderr in production).
public struct ListenLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    let label: String
    let format: LogFormat
    let write: @Sendable (String) -> Void

    public init(label: String, format: LogFormat, write: @escaping @Sendable (String) -> Void) {
        self.label = label
        self.format = format
        self.write = write
    }

    /// A logger for `listen` writing to `write` (e.g. `Output.err`).
    public static func logger(
        format: LogFormat, level: Logger.Level = .info, write: @escaping @Sendable (String) -> Void
    )
        -> Logger
    {
        var logger = Logger(label: "fivetran-notify") { label in
            ListenLogHandler(label: label, format: format, write: write)
        }
        logger.logLevel = level
        return logger
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        // The handler's metadata with the line's own; built only where it is printed (not for the
        // per-delivery info lines of the text format).
        func allMetadata() -> Logger.Metadata {
            guard let extra = event.metadata else { return metadata }
            return metadata.merging(extra) { _, new in new }
        }
        switch format {
        case .text:
            // Control characters from deliveries are escaped: one event is one line (cli.md "Logs
            // cannot be forged"). JSON lines are escaped by the encoder.
            var line = event.level >= .warning ? "\(event.level.textPrefix)\(event.message)" : "\(event.message)"
            if event.level >= .warning || event.level <= .debug, case let all = allMetadata(), !all.isEmpty {
                line += " " + all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            }
            write(line.escapingControlCharacters)
        case .json:
            var object: [String: Any] = [
                "time": Self.timestamp(),
                "level": event.level.rawValue,
                "message": "\(event.message)",
            ]
            for (key, value) in allMetadata() where object[key] == nil {
                object[key] = Self.json(value)
            }
            if let data = try? JSONSerialization.data(
                withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
            {
                write(String(decoding: data, as: UTF8.self))
            }
        }
    }

    private static func json(_ value: Logger.MetadataValue) -> Any {
        switch value {
        case .string(let text): return text
        case .stringConvertible(let value): return value.description
        case .array(let values): return values.map(json)
        case .dictionary(let values): return values.mapValues(json)
        }
    }

    private static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = now.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1,
            Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), now.tv_nsec / 1_000_000)
    }
}

extension Logger.Level {
    fileprivate var textPrefix: String {
        switch self {
        case .warning: return "warning: "
        case .error, .critical: return "error: "
        default: return ""
        }
    }
}

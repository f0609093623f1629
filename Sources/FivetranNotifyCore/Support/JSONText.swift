import Foundation

/// Small pieces of JSON written by hand where a whole encoder would be too much (`/healthz`).
public enum JSONText {
    /// `text` as a JSON string literal, quotes and escapes included.
    public static func quoted(_ text: String) -> String {
        guard let data = try? JSONEncoder().encode(text) else { return "\"\"" }
        return String(decoding: data, as: UTF8.self)
    }
}

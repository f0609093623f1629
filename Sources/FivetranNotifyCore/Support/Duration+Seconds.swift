import Foundation

extension Duration {
    /// Seconds as a Double.
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    /// "1.5 s", for log lines.
    var secondsText: String {
        let value = seconds
        if value == value.rounded() { return "\(Int(value)) s" }
        return String(format: "%.2f s", value)
    }
}

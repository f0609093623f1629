import Foundation

/// One HTTP exchange to send: everything that talks HTTP (the Fivetran API, Slack, `send-test`)
/// describes its request with this type and hands it to an `HTTPTransport`.
public struct HTTPRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: [(name: String, value: String)]
    public var body: Data?
    /// How long to wait for the TCP/TLS connection.
    public var connectTimeout: Duration
    /// How long the whole exchange may take.
    public var timeout: Duration

    public init(
        method: String,
        url: String,
        headers: [(name: String, value: String)] = [],
        body: Data? = nil,
        connectTimeout: Duration = .seconds(10),
        timeout: Duration = .seconds(30)
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.connectTimeout = connectTimeout
        self.timeout = timeout
    }

    /// The host part of the URL, for error messages that must not reveal a secret path.
    public var host: String {
        URLComponents(string: url)?.host ?? "the server"
    }
}

/// What came back: the status, the headers (names lowercased) and the body.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: [String: String]
    public var body: Data

    public init(status: Int, headers: [String: String] = [:], body: Data = Data()) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A header's value by case-insensitive name.
    public func header(_ name: String) -> String? {
        headers[name.lowercased()]
    }

    /// The body as UTF-8 text (lossy), for messages and plain-text answers.
    public var text: String {
        String(decoding: body, as: UTF8.self)
    }

    /// The longest wait a `Retry-After` is read as: larger values, however absurd, mean a day.
    public static let longestRetryAfter: Double = 86_400

    /// `Retry-After` as seconds (integer or decimal) or as an HTTP date; nil when absent, unreadable
    /// or a negative number. A date already past means no wait.
    public func retryAfter(now: Date) -> Duration? {
        guard let value = header("retry-after")?.trimmingCharacters(in: .whitespaces), !value.isEmpty else {
            return nil
        }
        if let seconds = Double(value) { return Self.wait(seconds: seconds) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: value) else { return nil }
        return Self.wait(seconds: max(0, date.timeIntervalSince(now)))
    }

    /// A server-requested wait of `seconds`, rounded up to the millisecond and at most
    /// `longestRetryAfter`; nil for a negative number or NaN.
    public static func wait(seconds: Double) -> Duration? {
        guard seconds >= 0 else { return nil }
        return .milliseconds(Int64((min(seconds, longestRetryAfter) * 1000).rounded(.up)))
    }

    public var isSuccess: Bool { (200..<300).contains(status) }
}

/// Sends HTTP requests. Production uses `CurlTransport`; tests use it too, against servers on 127.0.0.1.
public protocol HTTPTransport: Sendable {
    func send(_ request: HTTPRequest) async throws -> HTTPResponse
}

/// A request that got no HTTP answer at all (DNS, connect, TLS, timeout).
public struct HTTPTransportError: PersonFacingError, CustomStringConvertible, Sendable {
    public let host: String
    public let reason: String
    public let isTimeout: Bool

    public init(host: String, reason: String, isTimeout: Bool = false) {
        self.host = host
        self.reason = reason
        self.isTimeout = isTimeout
    }

    public var description: String { "could not reach \(host): \(reason)" }

    public var message: String { "\(description). Check the address and your network, then try again." }

    public var exitCode: Int32 { ExitStatus.failure }
}

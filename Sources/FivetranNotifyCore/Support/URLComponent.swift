import Foundation

/// Percent-encoding of one URL component (a path segment, a query value, an id inside a dashboard
/// link): everything but RFC 3986's unreserved characters is escaped, so a value cannot end or change
/// the URL around it (`/`, `?`, `&`, or Slack's `|` and `>`).
enum URLComponent {
    private static let unreserved = CharacterSet(
        charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    static func encoded(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: unreserved) ?? value
    }
}

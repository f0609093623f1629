/// Who pressed a button, as messages show them: a mention of the user id (`<@U123>`), which Slack
/// renders as their current name, else their name.
public struct SlackActor: Sendable, Equatable, Hashable, Codable {
    public var userID: String
    public var name: String?

    public init(userID: String, name: String? = nil) {
        self.userID = userID
        self.name = name
    }

    /// `<@U123ABC>` for a well-formed user id, else `@name` escaped, else "someone".
    public var mrkdwn: String {
        let isUserID =
            userID.count >= 3 && userID.count <= 32 && (userID.first == "U" || userID.first == "W")
            && userID.allSatisfy { ($0.isASCII && $0.isUppercase) || ($0.isASCII && $0.isNumber) }
        if isUserID { return "<@\(userID)>" }
        if let name, !name.isEmpty { return "@" + Mrkdwn.escapeAndClamp(name.replacingNewlines(), to: 80) }
        return "someone"
    }
}

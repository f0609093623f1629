/// Slack's size limits for incoming-webhook messages (Block Kit). Over them Slack answers 400, so
/// every message is built within them.
public enum SlackLimits {
    /// Blocks per message.
    public static let blocks = 50
    /// Characters of a `header` block's plain text.
    public static let headerText = 150
    /// Characters of a `section` block's text.
    public static let sectionText = 3000
    /// Fields per `section` block.
    public static let sectionFields = 10
    /// Characters per `section` field.
    public static let fieldText = 2000
    /// Characters of all blocks' texts together (undocumented; Slack reports `msg_blocks_too_long`).
    /// Kept a little under the reported ~13,000.
    public static let allBlocksText = 12_000
    /// Characters of the top-level `text` (Slack truncates beyond it).
    public static let text = 40_000
    /// Elements of a `context` block.
    public static let contextElements = 10
}

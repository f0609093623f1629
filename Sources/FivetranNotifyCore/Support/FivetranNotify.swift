/// Facts about the tool itself.
public enum FivetranNotify {
    /// The version printed by `--version` and sent in the `User-Agent`.
    public static let version = "0.1.0"
}

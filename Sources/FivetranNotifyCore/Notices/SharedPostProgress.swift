import Foundation

/// For the recoveries of incidents that share one post (a storm's digest): what that post announced
/// and how far its incidents have recovered, this notice's included, so a destination that keeps its
/// posts can show the progress on it ("212 of 340 recovered") and turn it green when all have.
/// Decided with the notice, like the rest of it.
public struct SharedPostProgress: Sendable, Equatable {
    /// The deliveries of the notice the post announced (a digest's failures); empty when it was pruned.
    public var announced: [Delivery]
    /// When that notice was decided (it renders as of then).
    public var announcedAt: Date
    /// How many incidents share the post.
    public var members: Int
    /// The incident keys of those that have recovered, this notice's included.
    public var recovered: Set<String>
    /// The key the post is kept under (`Notice.digestKey(ofMessage:)`): what its buttons act on.
    public var owner: String?

    public init(
        announced: [Delivery], announcedAt: Date, members: Int, recovered: Set<String>, owner: String? = nil
    ) {
        self.owner = owner
        self.announced = announced
        self.announcedAt = announcedAt
        self.members = members
        self.recovered = recovered
    }

    /// Every incident sharing the post has recovered.
    public var allRecovered: Bool { recovered.count >= members }
}

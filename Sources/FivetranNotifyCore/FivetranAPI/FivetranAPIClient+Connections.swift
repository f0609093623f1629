import Foundation

/// Every item of a paged list (`GET /connections`, `GET /groups`), read leniently: a page that is not
/// the documented shape is skipped and described in `problems` instead of failing the whole list.
public struct PagedListing<Item: Sendable>: Sendable {
    public var items: [Item]
    /// Pages fetched (each one request, not counting retries).
    public var pages: Int
    /// One sentence per page or item that could not be read, for the log.
    public var problems: [String]
    /// False when a page could not be read and gave no `next_cursor` to go on with: items after it
    /// are missing, so their absence means nothing.
    public var complete: Bool

    public init(items: [Item] = [], pages: Int = 0, problems: [String] = [], complete: Bool = true) {
        self.items = items
        self.pages = pages
        self.problems = problems
        self.complete = complete
    }
}

extension FivetranAPIClient {
    /// The `Accept` header the connection endpoints want (Fivetran's OpenAPI default for them).
    static let connectionsAccept = "application/json;version=2"

    /// Every connection in the account (`GET /connections`, `Accept: application/json;version=2`),
    /// following `next_cursor` until it is missing, null or empty.
    /// - Parameter pageSize: Fivetran's `limit` (1…1000); nil for its default (100).
    public func listConnections(pageSize: Int? = 1000) async throws -> PagedListing<Connection> {
        try await listAll(
            path: "/connections", what: "connections", accept: Self.connectionsAccept, pageSize: pageSize,
            item: Connection.init(json:))
    }

    /// Every group in the account (`GET /groups`): the destinations' names.
    public func listGroups(pageSize: Int? = 1000) async throws -> PagedListing<FivetranGroup> {
        try await listAll(
            path: "/groups", what: "groups", accept: "application/json", pageSize: pageSize,
            item: FivetranGroup.init(json:))
    }

    /// `GET /connections/{id}`.
    public func connectionDetails(id: String) async throws -> Connection {
        let answer = try await send(
            Call(
                method: "GET", path: "/connections/\(URLComponent.encoded(id))", accept: Self.connectionsAccept))
        guard let connection = answer.data.flatMap(Connection.init(json:)) else {
            throw Self.unreadable(answer, what: "the details of connection \(id)")
        }
        return connection
    }

    /// `GET /groups/{id}`.
    public func groupDetails(id: String) async throws -> FivetranGroup {
        let answer = try await send(Call(method: "GET", path: "/groups/\(URLComponent.encoded(id))"))
        guard let group = answer.data.flatMap(FivetranGroup.init(json:)) else {
            throw Self.unreadable(answer, what: "the details of group \(id)")
        }
        return group
    }

    private static func unreadable(_ answer: Answer, what: String) -> FivetranAPIError {
        FivetranAPIError(
            status: answer.status, code: answer.envelope["code"]?.stringValue, apiMessage: answer.message,
            message: "Fivetran API answered \(answer.status) to \(what) with data this tool does not understand "
                + "(no object with an id). Check --api-url (or FIVETRAN_API_URL).",
            exitCode: ExitStatus.failure)
    }

    private func listAll<Item: Sendable>(
        path: String, what: String, accept: String, pageSize: Int?, item: (JSONValue) -> Item?
    ) async throws -> PagedListing<Item> {
        var listing = PagedListing<Item>()
        var cursor: String? = nil
        var seenCursors = Set<String>()
        repeat {
            var query: [(String, String)] = []
            if let cursor { query.append(("cursor", cursor)) }
            if let pageSize { query.append(("limit", String(pageSize))) }
            let page = listing.pages + 1
            let answer: Answer
            do {
                answer = try await send(Call(method: "GET", path: path, query: query, accept: accept))
            } catch let error as FivetranAPIError where (200..<300).contains(error.status) {
                // A 2xx whose body is not a JSON object: nothing to read, not even a cursor.
                listing.pages = page
                listing.problems.append("page \(page) of the \(what) list skipped: \(error.message)")
                listing.complete = false
                return listing
            }
            listing.pages = page
            let data = answer.data ?? .null
            var malformed = false
            switch data["items"] {
            case .array(let array)?:
                var unreadable = 0
                for element in array {
                    if let value = item(element) {
                        listing.items.append(value)
                    } else {
                        unreadable += 1
                    }
                }
                if unreadable > 0 {
                    listing.problems.append(
                        "page \(page) of the \(what) list: \(unreadable) of \(array.count) items skipped "
                            + "(not an object with an id)")
                }
            case nil, .null?:
                // A last page may come without items; a `data` that is not an object is no page at all.
                malformed = data.objectValue == nil
            default:
                malformed = true
            }
            if malformed {
                listing.problems.append(
                    "page \(page) of the \(what) list skipped: Fivetran answered \(answer.status) without "
                        + "an items array")
            }
            cursor = data["next_cursor"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
            // An unreadable page with no cursor to go on with: the rest of the list is unknown.
            if malformed && cursor == nil { listing.complete = false }
            if let next = cursor, !seenCursors.insert(next).inserted {
                listing.problems.append(
                    "the \(what) list returned the same next_cursor twice; stopped after \(page) pages "
                        + "instead of looping forever")
                listing.complete = false
                return listing
            }
        } while cursor != nil
        return listing
    }
}

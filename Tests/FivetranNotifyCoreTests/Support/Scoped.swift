/// Runs `body` with something started for it, and stops that thing afterwards whatever happens, also
/// when `body` throws: a failing test leaks no server and no child process.
func withStarted<Resource: Sendable, Result>(
    _ start: () async throws -> Resource,
    stop: (Resource) async -> Void,
    _ body: (Resource) async throws -> Result
) async throws -> Result {
    let resource = try await start()
    do {
        let result = try await body(resource)
        await stop(resource)
        return result
    } catch {
        await stop(resource)
        throw error
    }
}

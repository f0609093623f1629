import Foundation

/// What Fivetran said to a request to start a sync.
public enum SyncStart: Sendable, Equatable {
    /// A sync was triggered; `message` is Fivetran's ("Sync has been successfully triggered for
    /// connection with id '…'").
    case started(message: String?)
    /// A sync is already running: with `force: false` Fivetran leaves it to finish and starts none.
    case alreadySyncing(message: String?)
}

extension FivetranAPIClient {
    /// `POST /connections/{id}/sync` with `{"force":false}`: starts a sync now, without waiting for the
    /// schedule and without stopping one already running (the Re-sync button). Retried like a read on
    /// 429, 5xx or a lost answer: a second request while the first sync runs starts nothing more.
    ///
    /// A 409, or a 2xx whose message says "already", reads as `alreadySyncing` (Fivetran documents no
    /// distinct answer for that case).
    /// - Throws: `FivetranAPIError` with a sentence for a person: 404 names the connection, 401/403 the
    ///   credentials and the permission needed; no secret.
    public func startSync(connectionID: String) async throws -> SyncStart {
        let body = Data(#"{"force":false}"#.utf8)
        let call = Call(
            method: "POST", path: "/connections/\(URLComponent.encoded(connectionID))/sync", body: body,
            tracedBody: body, accept: Self.connectionsAccept)
        let answer: Answer
        do {
            answer = try await send(call)
        } catch let error as FivetranAPIError where error.status == 409 {
            return .alreadySyncing(message: error.apiMessage)
        } catch let error as FivetranAPIError where error.status == 404 {
            throw FivetranAPIError(
                status: error.status, code: error.code, apiMessage: error.apiMessage,
                message: "Fivetran has no connection \(connectionID.escapingControlCharacters) (\(error.summary)): "
                    + "it may have been deleted, or the API key belongs to another account.",
                exitCode: ExitStatus.failure)
        } catch let error as FivetranAPIError where error.status == 403 {
            throw FivetranAPIError(
                status: error.status, code: error.code, apiMessage: error.apiMessage,
                message: "Fivetran refused to start a sync of \(connectionID.escapingControlCharacters) "
                    + "(\(error.summary)): use an API key whose role may manage this connection.",
                exitCode: ExitStatus.credentials)
        }
        let message = answer.message
        if message?.lowercased().contains("already") == true { return .alreadySyncing(message: message) }
        return .started(message: message)
    }
}

import Foundation

/// Realistic delivery bodies for every event Fivetran sends, shaped like real captures, with a fresh
/// `created` time and `sync_id` on each call so a listener's deduplication never swallows a repeat test.
public enum SampleDeliveries {
    /// Statuses a `sync_end` sample can carry (`--status`).
    public static let syncStatuses = [
        "SUCCESSFUL", "FAILURE", "FAILURE_WITH_TASK", "RESCHEDULED", "CANCELED", "FAILED",
    ]

    /// Every event name a sample exists for: Fivetran's known events plus its creation-time `test_event`.
    public static var eventNames: [String] { WebhookEvents.known + ["test_event"] }

    /// The sample for an event. `status` is its `data.status`, whatever the event (a `sync_end` sample,
    /// `FAILURE` by default, is also shaped by it). Unknown events get a connector-shaped body.
    public static func sample(event: String, status: String?, now: Date, syncId: UUID = UUID()) -> JSONValue {
        let created = ISO8601Timestamp.string(from: now)
        var body: [String: JSONValue] = ["event": .string(event), "created": .string(created)]
        let connector: [String: JSONValue] = [
            "connector_type": "salesforce",
            "connector_id": "warrant_sheep",
            "connector_name": "salesforce_prod",
            "destination_group_id": "inappropriate_implode",
        ]
        switch event {
        case "test_event":
            body.merge([
                "connector_type": "_connector_type", "connector_id": "_connector_1", "group_id": "_destination_1",
            ]) { $1 }
        case "sync_start":
            body.merge(connector) { $1 }
            body["sync_id"] = .string(syncId.uuidString.lowercased())
            body["data"] = .object([:])
        case "sync_end", "status":
            body.merge(connector) { $1 }
            body["sync_id"] = .string(syncId.uuidString.lowercased())
            body["data"] = .object(syncEndData(status: status ?? "FAILURE", now: now))
        case "dbt_run_start", "dbt_run_succeeded", "dbt_run_failed",
            "transformation_run_start", "transformation_run_succeeded", "transformation_run_failed",
            "transformation_start", "transformation_succeeded", "transformation_failed":
            body["destination_group_id"] = "inappropriate_implode"
            body["data"] = .object(transformationData(event: event, now: now))
        case "connection_failure":
            body.merge(connector) { $1 }
            body["data"] = [
                "status": .string(status ?? "FAILURE"),
                "reason": "Connection test failed: Incorrect username or password was specified.",
            ]
        case "connection_successful":
            body.merge(connector) { $1 }
            body["data"] = ["status": .string(status ?? "SUCCESSFUL")]
        case "resync_table":
            body.merge(connector) { $1 }
            body["data"] = ["schema": "salesforce", "table": "opportunity"]
        default:
            body.merge(connector) { $1 }
            body["data"] = .object([:])
        }
        if let status {
            var data = body["data"]?.objectValue ?? [:]
            data["status"] = .string(status)
            body["data"] = .object(data)
        }
        return .object(body)
    }

    private static func syncEndData(status: String, now: Date) -> [String: JSONValue] {
        var data: [String: JSONValue] = ["status": .string(status)]
        switch status {
        case "FAILURE_WITH_TASK":
            data["reason"] =
                "java.lang.RuntimeException: Unable to connect to the destination: password authentication failed for user \"fivetran\""
            data["taskType"] = "reconnect_warehouse"
        case "RESCHEDULED":
            data["reason"] = "API quota exhausted"
            data["rescheduledAt"] = .string(ISO8601Timestamp.string(from: now.addingTimeInterval(3600)))
        case "CANCELED":
            data["reason"] = "Sync canceled by user"
        case "FAILURE", "FAILED":
            data["reason"] = "Unable to connect to the source: connection timed out after 30 s"
        default:
            break
        }
        return data
    }

    private static func transformationData(event: String, now: Date) -> [String: JSONValue] {
        let start = ISO8601Timestamp.string(from: now.addingTimeInterval(-50))
        let end = ISO8601Timestamp.string(from: now.addingTimeInterval(-2))
        let failed = event.hasSuffix("failed")
        var data: [String: JSONValue] = [
            "dbtJobId": "cover_scale",
            "dbtJobName": "at8_30",
            "startTime": .string(start),
            "startupDetails": ["type": "manual", "userId": "hush_mellow"],
        ]
        guard !event.hasSuffix("start") else { return data }
        data["endTime"] = .string(end)
        let output: JSONValue =
            failed
            ? "Database Error in model stg_orders (models/staging/stg_orders.sql)\n  relation \"raw.shop.orders\" does not exist\ndbt Run failed: 3 of 12 models failed"
            : "Completed successfully: 12 of 12 models"
        data["result"] = [
            "description": .string(failed ? "Steps: successful 0, failed 1" : "Steps: successful 1, failed 0"),
            "stepResults": [
                [
                    "step": ["name": "run dbt", "command": "dbt run"],
                    "startTime": .string(start),
                    "endTime": .string(end),
                    "success": .bool(!failed),
                    "commandResult": ["error": "", "output": output, "exitCode": .number(failed ? 1 : 0)],
                    "failedModelRuns": .number(failed ? 3 : 0),
                    "successfulModelRuns": .number(failed ? 0 : 12),
                ]
            ],
        ]
        return data
    }
}

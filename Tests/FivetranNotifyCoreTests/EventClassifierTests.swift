import Foundation
import Testing

@testable import FivetranNotifyCore

@Suite struct EventClassifierTests {
    @Test func defaultForwardsFailuresOnly() throws {
        let forwarded = ForwardedEvents(names: nil)
        let expected: [String: Bool] = [
            "connection_failure": true, "dbt_run_failed": true, "sync_end_failure": true,
            "sync_end_failure_with_task": true, "sync_end_legacy_failure": true, "sync_end_rescheduled": true,
            "sync_end_successful": false, "sync_start": false, "test_event": false, "unknown_future_event": false,
        ]
        #expect(Set(expected.keys) == Set(allEventFixtures))
        for (name, forward) in expected {
            #expect(forwarded.shouldForward(try eventFixture(name)) == forward, "\(name)")
        }
    }

    @Test func defaultNamesAreTheDocumentedSet() {
        #expect(
            Set(ForwardedEvents.defaultNames)
                == [
                    "sync_end", "dbt_run_failed", "transformation_run_failed", "transformation_failed",
                    "connection_failure",
                ])
        #expect(ForwardedEvents(names: []).names == Set(ForwardedEvents.defaultNames))
        for event in ["transformation_run_failed", "transformation_failed"] {
            let d = try! Delivery.parse(Data(#"{"event":"\#(event)","data":{}}"#.utf8))
            #expect(ForwardedEvents(names: nil).shouldForward(d))
        }
    }

    @Test func severityOfEachFixture() throws {
        let forwarded = ForwardedEvents(names: nil)
        #expect(forwarded.severity(try eventFixture("sync_end_rescheduled")) == .warning)
        for name in [
            "connection_failure", "dbt_run_failed", "sync_end_failure", "sync_end_failure_with_task",
            "sync_end_legacy_failure",
        ] {
            #expect(forwarded.severity(try eventFixture(name)) == .failure, "\(name)")
        }
        let canceled = try Delivery.parse(Data(#"{"event":"sync_end","data":{"status":"CANCELED"}}"#.utf8))
        #expect(forwarded.severity(canceled) == .warning)
        let failed = try Delivery.parse(Data(#"{"event":"sync_end","data":{"status":"FAILED"}}"#.utf8))
        #expect(forwarded.severity(failed) == .failure)
        #expect(forwarded.shouldForward(failed))
    }

    @Test func customNamesReplaceTheDefaults() throws {
        let onlySyncs = ForwardedEvents(names: ["sync_end"])
        #expect(onlySyncs.shouldForward(try eventFixture("sync_end_failure")))
        #expect(!onlySyncs.shouldForward(try eventFixture("sync_end_successful")))
        #expect(!onlySyncs.shouldForward(try eventFixture("dbt_run_failed")))
        #expect(!onlySyncs.shouldForward(try eventFixture("connection_failure")))

        let custom = ForwardedEvents(names: [" schema_change_detected ", "sync_start", ""])
        #expect(custom.shouldForward(try eventFixture("unknown_future_event")))
        #expect(custom.shouldForward(try eventFixture("sync_start")))
        #expect(!custom.shouldForward(try eventFixture("sync_end_failure")))
        #expect(!custom.shouldForward(try eventFixture("test_event")))
    }

    @Test func aSyncEndWithoutStatusIsForwarded() throws {
        let d = try Delivery.parse(Data(#"{"event":"sync_end","connector_id":"c1"}"#.utf8))
        #expect(ForwardedEvents(names: nil).shouldForward(d))
    }
}

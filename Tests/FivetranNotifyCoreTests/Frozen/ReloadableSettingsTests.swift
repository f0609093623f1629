import Foundation
import Testing

@testable import FivetranNotifyCore

extension ListenSuites {
    /// One settings value: what SIGHUP swaps is one `ReloadableSettings`, and every part that keeps a
    /// copy of it follows the swap (cli.md, "SIGHUP never stops `listen`").
    @Suite struct ReloadableSettingsTests {
        @Test func aReloadedPolicyReachesTheStore() async throws {
            try await ListenerHarness.with(slackURL: nil, policy: NoticePolicy(remindEvery: .seconds(3_600))) {
                harness in
                #expect(harness.store.noticePolicy.remindEvery == .seconds(3_600))
                var reloaded = harness.settings.current
                reloaded.policy = NoticePolicy(remindEvery: .seconds(7_200), notifyResolved: true)
                harness.settings.replace(with: reloaded)
                #expect(harness.store.noticePolicy.remindEvery == .seconds(7_200))
                #expect(harness.store.noticePolicy.notifyResolved)
            }
        }
    }
}

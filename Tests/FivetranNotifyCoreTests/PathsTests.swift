import Foundation
import Testing

@testable import FivetranNotifyCore

@Suite struct PathsTests {
    @Test func followsXDGVariables() {
        let paths = Paths(environment: ["HOME": "/home/ana", "XDG_CONFIG_HOME": "/cfg", "XDG_STATE_HOME": "/st"])
        #expect(paths.configFile.path == "/cfg/fivetran-notify/config.toml")
        #expect(paths.signingKeyFile.path == "/cfg/fivetran-notify/signing.key")
        #expect(paths.stateDirectory.path == "/st/fivetran-notify")
    }

    @Test func fallsBackToHome() {
        let paths = Paths(environment: ["HOME": "/home/ana", "XDG_CONFIG_HOME": "relative"])
        #expect(paths.configDirectory.path == "/home/ana/.config/fivetran-notify")
        #expect(paths.stateDirectory.path == "/home/ana/.local/state/fivetran-notify")
    }
}

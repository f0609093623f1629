import Foundation

/// Test files: a fresh temporary directory per test, and the fixtures copied into Tests/.
enum TestFiles {
    /// A new empty directory under the system's temporary directory.
    static func temporaryDirectory() -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("fivetran-notify-tests-\(UUID().uuidString)", isDirectory: true)
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// The bytes of a fixture, e.g. `fixture("events/sync_end_failure.json")`.
    static func fixture(_ relativePath: String) -> Data {
        let url = Bundle.module.resourceURL!.appendingPathComponent("Fixtures").appendingPathComponent(relativePath)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            fatalError("missing fixture \(relativePath)")
        }
        return data
    }
}

import Foundation
import Logging
import PostgresNIO
import Synchronization

/// One real PostgreSQL server for the whole test run (Debian's `postgresql` package: its binaries in
/// /usr/lib/postgresql/<version>/bin), started on first use in its own data directory under a temporary
/// directory, on a free local port, with its socket in that directory (as the `postgres` user when the
/// tests run as root). Each test gets a fresh database (`database()`). A watchdog stops the server when
/// the test process ends, however it ends, and the directory goes with it.
///
/// Without the binaries the tests that need it fail with a sentence saying what to install: CI
/// installs them, so a missing server is a broken machine, not a reason to skip.
final class TestPostgres: Sendable {
    /// The role the tests connect as, over TCP with a password (so password handling is real).
    static let user = "notify_test"
    static let password = "pw-\(UInt64.random(in: 1...UInt64.max))-secret"

    let port: Int
    let socketDirectory: String
    private let counter = Mutex(0)

    private static let started = Mutex<Task<TestPostgres, any Error>?>(nil)

    /// The server of this test run, started at the first call.
    static func shared() async throws -> TestPostgres {
        let task = started.withLock { state in
            if let state { return state }
            let task = Task { try await start() }
            state = task
            return task
        }
        return try await task.value
    }

    /// A fresh, empty database on the shared server, with the URL a listener would be given.
    static func database() async throws -> TestDatabase {
        let server = try await shared()
        let name = server.counter.withLock { count in
            count += 1
            return "t\(getpid())_\(count)"
        }
        try await server.superuser { connection in
            _ = try await connection.query(
                PostgresQuery(unsafeSQL: "CREATE DATABASE \(name) OWNER \(user)"), logger: quiet)
        }
        return TestDatabase(
            name: name,
            url: "postgres://\(user):\(password)@127.0.0.1:\(server.port)/\(name)?sslmode=disable")
    }

    /// Runs `work` on a connection as the server's superuser (over the socket, no password).
    func superuser<T>(database: String = "postgres", _ work: (PostgresConnection) async throws -> T) async throws
        -> T
    {
        let configuration = PostgresConnection.Configuration(
            unixSocketPath: "\(socketDirectory)/.s.PGSQL.\(port)", username: "postgres", password: nil,
            database: database)
        let connection = try await PostgresConnection.connect(
            configuration: configuration, id: 1, logger: Self.quiet)
        do {
            let result = try await work(connection)
            try await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }

    static let quiet = Logger(label: "test-postgres", factory: { _ in SwiftLogNoOpLogHandler() })

    private init(port: Int, socketDirectory: String) {
        self.port = port
        self.socketDirectory = socketDirectory
    }

    // MARK: Starting

    private static func binaries() throws -> URL {
        let root = URL(fileURLWithPath: "/usr/lib/postgresql")
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? [])
            .compactMap(Int.init).filter { $0 >= 13 }.sorted()
        for version in versions.reversed() {
            let bin = root.appendingPathComponent("\(version)/bin")
            if FileManager.default.isExecutableFile(atPath: bin.appendingPathComponent("postgres").path),
                FileManager.default.isExecutableFile(atPath: bin.appendingPathComponent("initdb").path)
            {
                return bin
            }
        }
        throw TestPostgresError(
            "The PostgreSQL tests need a PostgreSQL server (13 or newer): no /usr/lib/postgresql/<version>/bin/"
                + "postgres and initdb here. Install Debian's package: apt-get install -y postgresql (.ci/run does).")
    }

    private static func start() async throws -> TestPostgres {
        let bin = try binaries()
        let asRoot = getuid() == 0
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "fivetran-notify-pg-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let data = directory.appendingPathComponent("data").path
        if asRoot {
            // The server refuses to run as root: the postgres user owns the directory and runs it.
            _ = try await run("/bin/chown", ["-R", "postgres:postgres", directory.path])
        }
        let owner = asRoot ? ["/usr/sbin/runuser", "-u", "postgres", "--"] : []
        let initdb = try await run(
            owner.first ?? bin.appendingPathComponent("initdb").path,
            Array(owner.dropFirst())
                + (asRoot ? [bin.appendingPathComponent("initdb").path] : [])
                + [
                    "-D", data, "-U", "postgres", "--auth-local=trust", "--auth-host=scram-sha-256",
                    "--no-sync", "-E", "UTF8", "--locale=C.UTF-8",
                ])
        guard initdb.status == 0 else {
            throw TestPostgresError("initdb failed for the test PostgreSQL server: \(initdb.output)")
        }
        // TLS for the sslmode tests: the fixture certificate (CN 127.0.0.1, its own CA), the key the
        // server's own, readable by it alone.
        for (name, bytes) in [
            ("server.crt", TLSFixture.localhost.certificate), ("server.key", TLSFixture.localhost.key),
        ] {
            let file = data + "/" + name
            try bytes.write(to: URL(fileURLWithPath: file))
            chmod(file, 0o600)
            if asRoot { _ = try await run("/bin/chown", ["postgres:postgres", file]) }
        }
        for _ in 0..<5 {
            let port = try freePort()
            let script = """
                \(bin.appendingPathComponent("postgres").path) -D \(data) -p \(port) -k \(directory.path) \
                -c listen_addresses=127.0.0.1 -c ssl=on -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
                -c max_connections=300 -c shared_buffers=32MB > \(directory.path)/server.log 2>&1 &
                server=$!
                while [ -d /proc/\(getpid()) ] && [ -d /proc/$server ]; do sleep 0.5; done
                kill -INT $server 2>/dev/null; wait $server
                rm -rf \(directory.path)
                """
            let process = Process()
            process.executableURL = URL(fileURLWithPath: asRoot ? owner[0] : "/bin/sh")
            process.arguments = Array(owner.dropFirst()) + (asRoot ? ["/bin/sh"] : []) + ["-c", script]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            let server = TestPostgres(port: port, socketDirectory: directory.path)
            if try await server.waitUntilReady(process: process) {
                try await server.createRole()
                return server
            }
        }
        let log = (try? String(contentsOfFile: directory.path + "/server.log", encoding: .utf8)) ?? ""
        throw TestPostgresError("The test PostgreSQL server did not start: \(log.suffix(800))")
    }

    /// Polls the server's socket until it answers (30 s at most); false when it exited (port taken).
    private func waitUntilReady(process: Process) async throws -> Bool {
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            guard process.isRunning else { return false }
            if FileManager.default.fileExists(atPath: "\(socketDirectory)/.s.PGSQL.\(port)"),
                (try? await superuser({ _ in true })) == true
            {
                return true
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestPostgresError("The test PostgreSQL server did not answer within 30 s.")
    }

    private func createRole() async throws {
        try await superuser { connection in
            _ = try await connection.query(
                PostgresQuery(unsafeSQL: "CREATE ROLE \(Self.user) LOGIN CREATEDB PASSWORD '\(Self.password)'"),
                logger: Self.quiet)
        }
    }

    private static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else { throw TestPostgresError("no free local port for the test PostgreSQL server") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Runs a command to its end on a thread of its own (never blocking the tests' cooperative threads).
    private static func run(_ executable: String, _ arguments: [String]) async throws -> (
        status: Int32, output: String
    ) {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try runBlocking(executable, arguments) }) }.start()
        }
    }

    private static func runBlocking(_ executable: String, _ arguments: [String]) throws -> (
        status: Int32, output: String
    ) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }
}

/// A database made for one test: its name and a URL for the store.
struct TestDatabase: Sendable {
    var name: String
    var url: String
}

struct TestPostgresError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

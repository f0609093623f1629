import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// An HTTP proxy on 127.0.0.1, as a corporate network has one: `CONNECT host:port` opens a tunnel (what
/// libcurl asks for an `https://` URL through `https_proxy`), and an absolute-form request
/// (`GET http://host:port/path`, what it sends for `http://` through `http_proxy`) is passed on in
/// origin form. Every target is reached at 127.0.0.1 on the port asked for, whatever the host, so a
/// host name that resolves nowhere but through the proxy proves the request went through it. Each
/// request line is recorded. Plain sockets and a thread per connection: the proxy is the far end of
/// the test, not the code under test.
final class TestProxy: Sendable {
    let port: Int
    private let listener: Int32
    private let lines = Mutex<[String]>([])
    private let connections = Mutex<Set<Int32>>([])

    private init(port: Int, listener: Int32) {
        self.port = port
        self.listener = listener
    }

    /// `http://127.0.0.1:PORT`, for `https_proxy` and `http_proxy`.
    var url: String { "http://127.0.0.1:\(port)" }

    /// The request lines received, in order (`CONNECT 127.0.0.1:8443 HTTP/1.1`).
    var requestLines: [String] { lines.withLock { $0 } }

    /// Starts the proxy on a free port.
    static func start() throws -> TestProxy {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(fd, 64) == 0 else {
            close(fd)
            throw TestServerError(message: "test proxy cannot listen: errno \(errno)")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        let proxy = TestProxy(port: Int(UInt16(bigEndian: address.sin_port)), listener: fd)
        Thread { proxy.acceptLoop() }.start()
        return proxy
    }

    /// A proxy for the length of `body`, stopped afterwards even when `body` throws.
    static func with<Result>(_ body: (TestProxy) async throws -> Result) async throws -> Result {
        try await withStarted({ try start() }, stop: { $0.stop() }, body)
    }

    /// Stops accepting and cuts every open tunnel.
    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
        for fd in connections.withLock({ $0 }) { shutdown(fd, Int32(SHUT_RDWR)) }
    }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            guard client >= 0 else { return }
            connections.withLock { _ = $0.insert(client) }
            Thread { self.serve(client) }.start()
        }
    }

    /// One client connection: reads the request head, connects to the target and relays bytes both
    /// ways until either side closes.
    private func serve(_ client: Int32) {
        defer {
            connections.withLock { _ = $0.remove(client) }
            close(client)
        }
        guard let (head, rest) = readHead(client) else { return }
        var headLines = head.components(separatedBy: "\r\n")
        let requestLine = headLines[0]
        lines.withLock { $0.append(requestLine) }
        let parts = requestLine.split(separator: " ").map(String.init)
        guard parts.count == 3 else { return }

        if parts[0] == "CONNECT" {
            guard let port = parts[1].split(separator: ":").last.flatMap({ Int($0) }),
                let upstream = Self.connect(port: port)
            else {
                Self.send(client, Array("HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n".utf8))
                return
            }
            defer { close(upstream) }
            Self.send(client, Array("HTTP/1.1 200 Connection established\r\n\r\n".utf8))
            Self.send(upstream, rest)
            relay(client, upstream)
            return
        }

        // Absolute form: `GET http://host:port/path HTTP/1.1` goes on as `GET /path HTTP/1.1`, and the
        // exchange ends with this one request (no keep-alive to reason about).
        guard let target = URLComponents(string: parts[1]), let upstream = Self.connect(port: target.port ?? 80) else {
            Self.send(client, Array("HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n".utf8))
            return
        }
        defer { close(upstream) }
        let path = target.percentEncodedPath.isEmpty ? "/" : target.percentEncodedPath
        let query = target.percentEncodedQuery.map { "?\($0)" } ?? ""
        headLines[0] = "\(parts[0]) \(path)\(query) \(parts[2])"
        headLines.removeAll { line in
            let name = line.split(separator: ":").first?.lowercased() ?? ""
            return name == "connection" || name == "proxy-connection"
        }
        headLines.insert("Connection: close", at: 1)
        Self.send(upstream, Array((headLines.joined(separator: "\r\n") + "\r\n\r\n").utf8) + rest)
        relay(client, upstream)
    }

    /// The request head (up to the blank line) and whatever bytes came after it.
    private func readHead(_ fd: Int32) -> (String, [UInt8])? {
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        let end = Array("\r\n\r\n".utf8)
        while data.count < 65_536 {
            let count = recv(fd, &buffer, buffer.count, 0)
            guard count > 0 else { return nil }
            data += buffer[0..<count]
            if let range = data.firstRange(of: end) {
                return (String(decoding: data[..<range.lowerBound], as: UTF8.self), Array(data[range.upperBound...]))
            }
        }
        return nil
    }

    /// Copies bytes between the two sockets until one of them ends.
    private func relay(_ a: Int32, _ b: Int32) {
        var buffer = [UInt8](repeating: 0, count: 16_384)
        var fds = [pollfd(fd: a, events: Int16(POLLIN), revents: 0), pollfd(fd: b, events: Int16(POLLIN), revents: 0)]
        while poll(&fds, 2, 10_000) > 0 {
            for index in 0..<2 where fds[index].revents != 0 {
                let from = fds[index].fd
                let to = fds[1 - index].fd
                let count = recv(from, &buffer, buffer.count, 0)
                guard count > 0 else { return }
                Self.send(to, Array(buffer[0..<count]))
            }
        }
    }

    private static func connect(port: Int) -> Int32? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            close(fd)
            return nil
        }
        return fd
    }

    private static func send(_ fd: Int32, _ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes {
                Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            guard sent > 0 else { return }
            offset += sent
        }
    }
}

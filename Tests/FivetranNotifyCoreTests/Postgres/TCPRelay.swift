import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A TCP relay on 127.0.0.1 to another local port, that a test can cut (every connection closed, new
/// ones refused: the database is gone) and restore on the same port (it is back). Plain sockets and a
/// thread per direction: the relay is the far end of the test, not the code under test.
/// `refusingTLS` makes it answer a client's TLS request "N", as a server or pooler without TLS does.
final class TCPRelay: Sendable {
    let port: Int
    let target: Int
    let refusingTLS: Bool
    private let state = Mutex<(listener: Int32, connections: Set<Int32>, frozen: Bool)>((-1, [], false))

    init(to target: Int, refusingTLS: Bool = false) throws {
        self.target = target
        self.refusingTLS = refusingTLS
        let listener = try Self.listen(port: 0)
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        start(listener)
    }

    /// Closes every relayed connection and refuses new ones.
    func cut() {
        state.withLock { state in
            shutdown(state.listener, Int32(SHUT_RDWR))
            close(state.listener)
            state.listener = -1
            for fd in state.connections { shutdown(fd, Int32(SHUT_RDWR)) }
        }
    }

    /// Accepts connections again, on the same port.
    func restore() throws {
        start(try Self.listen(port: port))
    }

    /// The server gone without a word (a partition, a host that vanished): connections stay open and
    /// new ones are accepted, but nothing gets through either way from then on.
    func freeze() { state.withLock { $0.frozen = true } }

    private func start(_ listener: Int32) {
        state.withLock { $0.listener = listener }
        let target = self.target
        Thread { [self] in
            while true {
                let client = accept(listener, nil, nil)
                guard client >= 0 else { return }
                let upstream = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
                var address = Self.address(port: target)
                let connected = withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        connect(upstream, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
                    }
                }
                guard connected else {
                    close(client)
                    close(upstream)
                    continue
                }
                if refusingTLS { Self.refuseTLS(client, upstream) }
                // Cut while this one was being connected: it goes with the others.
                let live = state.withLock { state in
                    state.connections.formUnion([client, upstream])
                    return state.listener == listener
                }
                guard live else {
                    shutdown(client, Int32(SHUT_RDWR))
                    shutdown(upstream, Int32(SHUT_RDWR))
                    return
                }
                for (from, to) in [(client, upstream), (upstream, client)] {
                    Thread { [self] in
                        var buffer = [UInt8](repeating: 0, count: 65536)
                        while true {
                            let count = read(from, &buffer, buffer.count)
                            if count <= 0 { break }
                            if state.withLock({ $0.frozen }) { continue }  // dropped
                            if write(to, buffer, count) != count { break }
                        }
                        shutdown(to, Int32(SHUT_RDWR))
                        shutdown(from, Int32(SHUT_RDWR))
                        state.withLock { _ = $0.connections.remove(from) }
                    }.start()
                }
            }
        }.start()
    }

    /// PostgreSQL's SSLRequest (length 8, code 80877103) is answered "N"; anything else goes on.
    private static func refuseTLS(_ client: Int32, _ upstream: Int32) {
        var first = [UInt8](repeating: 0, count: 8)
        let count = read(client, &first, 8)
        guard count > 0 else { return }
        if count == 8, first == [0, 0, 0, 8, 0x04, 0xD2, 0x16, 0x2F] {
            _ = write(client, "N", 1)
        } else {
            _ = write(upstream, first, count)
        }
    }

    private static func address(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }

    private static func listen(port: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = address(port: port)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        guard bound, Glibc.listen(fd, 64) == 0 else {
            close(fd)
            throw TestPostgresError("the relay cannot listen on port \(port)")
        }
        return fd
    }
}

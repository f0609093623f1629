import Foundation

/// Makes sure `listen` can have its address before it touches the state directory: a port already in
/// use (or one it may not bind) is one sentence naming it and what to do, and nothing is created
/// (cli.md "A port in use"). The server binds for real right after; the socket here is only a probe.
public enum PortCheck {
    /// Binds and releases `host:port` as the server will (SO_REUSEADDR); throws a sentence when it cannot.
    public static func ensureAvailable(host: String, port: Int) throws {
        guard port != 0 else { return }
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &list) == 0, let first = list else {
            throw NotifyError(
                "listen cannot use the address \(host): it is not an address or a name this machine resolves; "
                    + "give --host an IP address such as 0.0.0.0 or 127.0.0.1.", exitCode: ExitStatus.usage)
        }
        defer { freeaddrinfo(list) }
        let code = bindOnce(first.pointee)
        guard code != 0 else { return }
        throw NotifyError(sentence(code, host: host, port: port))
    }

    /// 0 when `address` could be bound, else the errno.
    private static func bindOnce(_ address: addrinfo) -> Int32 {
        let fd = socket(address.ai_family, address.ai_socktype, address.ai_protocol)
        guard fd >= 0 else { return errno }
        defer { close(fd) }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        return bind(fd, address.ai_addr, address.ai_addrlen) == 0 ? 0 : errno
    }

    static func sentence(_ code: Int32, host: String, port: Int) -> String {
        switch code {
        case EADDRINUSE:
            return "Port \(port) on \(host) is already in use by another program (another listener?); stop it, "
                + "or choose another port with --port."
        case EACCES:
            return "Port \(port) on \(host) needs privileges this user does not have (ports below 1024 do); "
                + "choose a port from 1024 up with --port, or put a proxy in front."
        case EADDRNOTAVAIL:
            return "The address \(host) is not one of this machine's; give --host 0.0.0.0 (every address) or one "
                + "of its own."
        default:
            return "listen cannot bind port \(port) on \(host): \(String(cString: strerror(code)).lowercased())."
        }
    }
}

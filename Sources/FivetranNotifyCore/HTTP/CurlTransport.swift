import CCurl
import Foundation

/// The production `HTTPTransport`: libcurl's easy interface, each transfer on a thread of its own so that
/// Swift's cooperative pool never blocks while a request is in flight. (Not a dispatch queue: on Linux,
/// libdispatch adds threads for blocked work only after a delay, which serialises concurrent transfers.) Idle easy handles are kept and
/// reused, so connections (and TLS sessions) to the same host are kept alive between requests.
/// Proxies come from the environment (`https_proxy`, `http_proxy`, `no_proxy`), which libcurl reads
/// by itself for every transfer: no proxy option is set here, so nothing turns that off. A custom CA
/// bundle (`ca_file`, `SSL_CERT_FILE`, which libcurl does not read) comes in as `caFile`.
public final class CurlTransport: HTTPTransport, @unchecked Sendable {
    private let userAgent: String
    private let caFile: String?
    private let lock = NSLock()
    private var idleHandles: [UnsafeMutableRawPointer] = []
    private let maxIdleHandles = 8

    /// - Parameter caFile: a PEM file of the only certificate authorities to trust (a self-signed
    ///   certificate is its own); nil trusts the system's store.
    public init(userAgent: String = "fivetran-notify/\(FivetranNotify.version)", caFile: String? = nil) {
        self.userAgent = userAgent
        self.caFile = caFile
    }

    deinit {
        // Handles exist only once libcurl was loaded.
        guard !idleHandles.isEmpty, let curl = try? LibCurl.shared() else { return }
        for handle in idleHandles { curl.easyCleanup(handle) }
    }

    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                continuation.resume(with: Result { try self.perform(request, curl: LibCurl.shared()) })
            }
            thread.name = "fivetran-notify.curl"
            thread.start()
        }
    }

    private func checkOut(_ curl: LibCurl) throws -> UnsafeMutableRawPointer {
        lock.lock()
        defer { lock.unlock() }
        if let handle = idleHandles.popLast() {
            curl.easyReset(handle)
            return handle
        }
        guard let handle = curl.easyInit() else {
            throw LibCurlError("libcurl could not start a transfer (out of memory?). Try again.")
        }
        return handle
    }

    private func checkIn(_ handle: UnsafeMutableRawPointer, _ curl: LibCurl) {
        lock.lock()
        defer { lock.unlock() }
        if idleHandles.count < maxIdleHandles {
            idleHandles.append(handle)
        } else {
            curl.easyCleanup(handle)
        }
    }

    private func perform(_ request: HTTPRequest, curl: LibCurl) throws -> HTTPResponse {
        let handle = try checkOut(curl)
        defer { checkIn(handle, curl) }

        let transfer = Transfer(body: request.body ?? Data())
        let box = Unmanaged.passRetained(transfer)
        defer { box.release() }
        let context = box.toOpaque()

        var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        var headerList: UnsafeMutablePointer<curl_slist>? = nil
        defer { curl.slistFreeAll(headerList) }

        let code: CURLcode = errorBuffer.withUnsafeMutableBufferPointer { errorPointer in
            curl.set(handle, CURLOPT_URL, request.url)
            curl.set(handle, CURLOPT_NOSIGNAL, 1)
            curl.set(handle, CURLOPT_FOLLOWLOCATION, 0)
            curl.set(handle, CURLOPT_SSL_VERIFYPEER, 1)
            curl.set(handle, CURLOPT_SSL_VERIFYHOST, 2)
            // Trust only `caFile` when given (no CA directory either).
            if let caFile {
                curl.set(handle, CURLOPT_CAINFO, caFile)
                curl.set(handle, CURLOPT_CAPATH, nil as String?)
            }
            curl.set(handle, CURLOPT_CONNECTTIMEOUT_MS, request.connectTimeout.milliseconds)
            curl.set(handle, CURLOPT_TIMEOUT_MS, request.timeout.milliseconds)
            curl.set(handle, CURLOPT_USERAGENT, userAgent)
            curl.set(handle, CURLOPT_ERRORBUFFER, pointer: errorPointer.baseAddress)
            curl.set(handle, CURLOPT_CUSTOMREQUEST, request.method)
            if request.method == "HEAD" {
                curl.set(handle, CURLOPT_NOBODY, 1)
            }
            if request.body != nil || ["POST", "PUT", "PATCH"].contains(request.method) {
                curl.set(handle, CURLOPT_UPLOAD, 0)
                curl.set(handle, CURLOPT_POST, 1)
                curl.set(handle, CURLOPT_POSTFIELDSIZE_LARGE, offset: curl_off_t(transfer.requestBody.count))
                curl.set(handle, CURLOPT_READFUNCTION, curlReadCallback)
                curl.set(handle, CURLOPT_READDATA, pointer: context)
                // The method string above wins over POST; POST only switches on sending the body.
                curl.set(handle, CURLOPT_CUSTOMREQUEST, request.method)
            }
            var names = Set<String>()
            for (name, value) in request.headers {
                names.insert(name.lowercased())
                headerList = curl.slistAppend(headerList, "\(name): \(value)")
            }
            // libcurl adds these by itself unless told otherwise.
            if !names.contains("expect") { headerList = curl.slistAppend(headerList, "Expect:") }
            if !names.contains("content-type") && request.body != nil {
                headerList = curl.slistAppend(headerList, "Content-Type:")
            }
            curl.set(handle, CURLOPT_HTTPHEADER, headerList)
            curl.set(handle, CURLOPT_WRITEFUNCTION, curlWriteCallback)
            curl.set(handle, CURLOPT_WRITEDATA, pointer: context)
            curl.set(handle, CURLOPT_HEADERFUNCTION, curlHeaderCallback)
            curl.set(handle, CURLOPT_HEADERDATA, pointer: context)
            return curl.easyPerform(handle)
        }

        guard code == CURLE_OK else {
            let detail = String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            var reason =
                detail.isEmpty
                ? curl.easyStrerror(code).map { String(cString: $0) } ?? "curl error \(code.rawValue)" : detail
            if code == CURLE_PEER_FAILED_VERIFICATION || code == CURLE_SSL_CACERT_BADFILE {
                reason += caFile.map { " (trusting only the CAs in \($0))" } ?? Self.privateCAHint
            }
            throw HTTPTransportError(
                host: request.host,
                reason: reason,
                isTimeout: code == CURLE_OPERATION_TIMEDOUT
            )
        }
        let status = curl.info(handle, CURLINFO_RESPONSE_CODE)
        return HTTPResponse(status: status, headers: transfer.responseHeaders, body: transfer.responseBody)
    }

    /// Added to a certificate the system's store does not trust: the usual cause in a company network.
    static let privateCAHint =
        " (behind a proxy that inspects TLS, trust its CA: ca_file in config.toml, --ca-file or SSL_CERT_FILE)"
}

/// The state of one transfer, reached from libcurl's C callbacks through an opaque pointer.
private final class Transfer {
    let requestBody: [UInt8]
    var readOffset = 0
    var responseBody = Data()
    var responseHeaders: [String: String] = [:]

    init(body: Data) {
        requestBody = [UInt8](body)
    }
}

private let curlWriteCallback: fn_curl_data_callback = { buffer, size, count, userdata in
    let length = size * count
    guard let buffer, let userdata else { return length }
    let transfer = Unmanaged<Transfer>.fromOpaque(userdata).takeUnretainedValue()
    transfer.responseBody.append(UnsafeRawPointer(buffer).assumingMemoryBound(to: UInt8.self), count: length)
    return length
}

private let curlReadCallback: fn_curl_data_callback = { buffer, size, count, userdata in
    guard let buffer, let userdata else { return 0 }
    let transfer = Unmanaged<Transfer>.fromOpaque(userdata).takeUnretainedValue()
    let remaining = transfer.requestBody.count - transfer.readOffset
    let length = min(remaining, size * count)
    if length > 0 {
        transfer.requestBody.withUnsafeBytes { bytes in
            UnsafeMutableRawPointer(buffer).copyMemory(
                from: bytes.baseAddress! + transfer.readOffset, byteCount: length)
        }
        transfer.readOffset += length
    }
    return length
}

private let curlHeaderCallback: fn_curl_data_callback = { buffer, size, count, userdata in
    let length = size * count
    guard let buffer, let userdata else { return length }
    let transfer = Unmanaged<Transfer>.fromOpaque(userdata).takeUnretainedValue()
    let line = String(decoding: UnsafeRawBufferPointer(start: buffer, count: length), as: UTF8.self)
    if line.hasPrefix("HTTP/") {
        // A new response (after a 100 Continue or a proxy CONNECT): forget earlier headers.
        transfer.responseHeaders = [:]
    } else if let colon = line.firstIndex(of: ":") {
        let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
        let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
        transfer.responseHeaders[name] = value
    }
    return length
}

extension Duration {
    /// Whole milliseconds, for APIs that count in them.
    var milliseconds: Int {
        let (seconds, attoseconds) = components
        return Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000)
    }
}

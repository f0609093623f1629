import CCurl
import Foundation

/// libcurl, loaded the first time a transfer needs it rather than when the program starts.
///
/// Only HTTP(S) clients need it: `webhook`, `send-test`, and `listen` once it has a Slack message to
/// post. A listener that only verifies and stores deliveries (or runs `--dry-run`) never maps libcurl
/// and the TLS and protocol libraries it pulls in, about 7 MB of its resident memory; and a machine
/// without libcurl gets a sentence saying what to install instead of the dynamic loader's error at
/// start. The declarations still come from `<curl/curl.h>` (the `CCurl` module), so the calls below
/// are checked against the real prototypes' types.
struct LibCurl: @unchecked Sendable {
    typealias Handle = UnsafeMutableRawPointer
    typealias HeaderList = UnsafeMutablePointer<curl_slist>

    let easyInit: @convention(c) () -> Handle?
    let easyReset: @convention(c) (Handle?) -> Void
    let easyCleanup: @convention(c) (Handle?) -> Void
    let easyPerform: @convention(c) (Handle?) -> CURLcode
    let easyStrerror: @convention(c) (CURLcode) -> UnsafePointer<CChar>?
    let slistAppend: @convention(c) (HeaderList?, UnsafePointer<CChar>?) -> HeaderList?
    let slistFreeAll: @convention(c) (HeaderList?) -> Void
    /// `curl_easy_setopt` and `curl_easy_getinfo` are variadic: they are called through `CCurl`'s
    /// typed shims, which take the function's address.
    let easySetopt: UnsafeMutableRawPointer
    let easyGetinfo: UnsafeMutableRawPointer

    /// The library names tried, in order: Debian's OpenSSL build, then its GnuTLS build (same ABI).
    static let libraryNames = ["libcurl.so.4", "libcurl-gnutls.so.4"]

    /// libcurl, loaded and globally initialised once.
    /// - Throws: `LibCurlError` saying what to install when it cannot be loaded.
    static func shared() throws -> LibCurl {
        try loaded.get()
    }

    private static let loaded: Result<LibCurl, LibCurlError> = Result { try LibCurl.load(names: libraryNames) }
        .mapError { $0 as? LibCurlError ?? LibCurlError("\($0)") }

    /// Loads the first of `names` that the dynamic loader finds.
    static func load(names: [String]) throws -> LibCurl {
        var reasons: [String] = []
        for name in names {
            if let library = dlopen(name, RTLD_NOW | RTLD_LOCAL) {
                let curl = try LibCurl(library: library, name: name)
                let globalInit = try symbol(
                    library, "curl_global_init", name, as: (@convention(c) (Int) -> CURLcode).self)
                _ = globalInit(Int(CURL_GLOBAL_DEFAULT))
                return curl
            }
            reasons.append(dlerror().map { String(cString: $0) } ?? "\(name) not found")
        }
        throw LibCurlError(
            "fivetran-notify cannot make HTTP requests: libcurl could not be loaded (\(reasons.first ?? "")). "
                + "Install libcurl 4 (Debian and Ubuntu: apt-get install libcurl4) and run the command again.")
    }

    private init(library: UnsafeMutableRawPointer, name: String) throws {
        easyInit = try Self.symbol(library, "curl_easy_init", name, as: (@convention(c) () -> Handle?).self)
        easyReset = try Self.symbol(library, "curl_easy_reset", name, as: (@convention(c) (Handle?) -> Void).self)
        easyCleanup = try Self.symbol(library, "curl_easy_cleanup", name, as: (@convention(c) (Handle?) -> Void).self)
        easyPerform = try Self.symbol(
            library, "curl_easy_perform", name, as: (@convention(c) (Handle?) -> CURLcode).self)
        easyStrerror = try Self.symbol(
            library, "curl_easy_strerror", name, as: (@convention(c) (CURLcode) -> UnsafePointer<CChar>?).self)
        slistAppend = try Self.symbol(
            library, "curl_slist_append", name,
            as: (@convention(c) (HeaderList?, UnsafePointer<CChar>?) -> HeaderList?).self)
        slistFreeAll = try Self.symbol(
            library, "curl_slist_free_all", name, as: (@convention(c) (HeaderList?) -> Void).self)
        easySetopt = try Self.address(library, "curl_easy_setopt", name)
        easyGetinfo = try Self.address(library, "curl_easy_getinfo", name)
    }

    private static func address(_ library: UnsafeMutableRawPointer, _ symbol: String, _ name: String) throws
        -> UnsafeMutableRawPointer
    {
        guard let address = dlsym(library, symbol) else {
            throw LibCurlError(
                "fivetran-notify cannot make HTTP requests: \(name) has no \(symbol), so it is not a usable libcurl 4. "
                    + "Reinstall libcurl 4 (Debian and Ubuntu: apt-get install --reinstall libcurl4).")
        }
        return address
    }

    private static func symbol<Function>(
        _ library: UnsafeMutableRawPointer, _ symbol: String, _ name: String, as type: Function.Type
    ) throws -> Function {
        unsafeBitCast(try address(library, symbol, name), to: type)
    }

    // MARK: The variadic calls, with one fixed signature per argument type

    @discardableResult
    func set(_ handle: Handle, _ option: CURLoption, _ value: Int) -> CURLcode {
        fn_curl_easy_setopt_long(easySetopt, handle, option, value)
    }

    @discardableResult
    func set(_ handle: Handle, _ option: CURLoption, _ value: String?) -> CURLcode {
        fn_curl_easy_setopt_string(easySetopt, handle, option, value)
    }

    @discardableResult
    func set(_ handle: Handle, _ option: CURLoption, pointer value: UnsafeMutableRawPointer?) -> CURLcode {
        fn_curl_easy_setopt_pointer(easySetopt, handle, option, value)
    }

    @discardableResult
    func set(_ handle: Handle, _ option: CURLoption, _ value: HeaderList?) -> CURLcode {
        fn_curl_easy_setopt_slist(easySetopt, handle, option, value)
    }

    @discardableResult
    func set(_ handle: Handle, _ option: CURLoption, offset value: curl_off_t) -> CURLcode {
        fn_curl_easy_setopt_off_t(easySetopt, handle, option, value)
    }

    @discardableResult
    func set(_ handle: Handle, _ option: CURLoption, _ value: fn_curl_data_callback) -> CURLcode {
        fn_curl_easy_setopt_callback(easySetopt, handle, option, value)
    }

    func info(_ handle: Handle, _ info: CURLINFO) -> Int {
        var value = 0
        fn_curl_easy_getinfo_long(easyGetinfo, handle, info, &value)
        return value
    }
}

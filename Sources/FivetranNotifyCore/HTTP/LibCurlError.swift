/// libcurl could not be loaded or could not start a transfer: a sentence saying what to install or
/// try, so a machine without libcurl gets advice instead of the dynamic loader's error.
struct LibCurlError: PersonFacingError, CustomStringConvertible, Sendable, Equatable {
    let message: String

    init(_ message: String) {
        self.message = message
    }

    var exitCode: Int32 { ExitStatus.failure }

    var description: String { message }
}

import Testing

@testable import FivetranNotifyCore

@Suite struct LibCurlTests {
    @Test func aMissingLibcurlSaysWhatToInstall() {
        #expect {
            try LibCurl.load(names: ["libcurl-missing-for-this-test.so.4"])
        } throws: { error in
            let message = (error as? LibCurlError)?.message ?? ""
            return message.contains("libcurl could not be loaded (libcurl-missing-for-this-test.so.4")
                && message.contains("apt-get install libcurl4")
        }
    }

    @Test func loadsTheSystemLibcurl() throws {
        let curl = try LibCurl.shared()
        let handle = try #require(curl.easyInit())
        curl.easyCleanup(handle)
    }
}

import Foundation
import Testing

@testable import FivetranNotifyCore

/// The vectors of Fixtures/signatures.json.
private struct SignatureVectors: Decodable {
    struct Vector: Decodable {
        let file: String
        let body_bytes: Int
        let sha256_hmac_upper: String
        let sha256_hmac_lower: String
    }

    let secret: String
    let vectors: [Vector]

    static func load() throws -> SignatureVectors {
        try JSONDecoder().decode(SignatureVectors.self, from: TestFiles.fixture("signatures.json"))
    }
}

@Suite struct SignatureVerifierTests {
    @Test func everyFixtureVectorVerifiesInBothCases() throws {
        let fixture = try SignatureVectors.load()
        #expect(fixture.vectors.count == 10)
        let verifier = SignatureVerifier(keys: [fixture.secret])
        for vector in fixture.vectors {
            let body = TestFiles.fixture(vector.file)
            #expect(body.count == vector.body_bytes, "\(vector.file)")
            #expect(verifier.isValid(body: body, signature: vector.sha256_hmac_upper), "\(vector.file) upper")
            #expect(verifier.isValid(body: body, signature: vector.sha256_hmac_lower), "\(vector.file) lower")
        }
    }

    @Test func computesTheFixtureSignatures() throws {
        let fixture = try SignatureVectors.load()
        for vector in fixture.vectors {
            let body = TestFiles.fixture(vector.file)
            #expect(SignatureVerifier.signature(body: body, key: fixture.secret) == vector.sha256_hmac_upper)
            #expect(
                SignatureVerifier.signature(body: body, key: fixture.secret, uppercase: false)
                    == vector.sha256_hmac_lower)
        }
    }

    @Test func acceptsMixedCaseHex() throws {
        let fixture = try SignatureVectors.load()
        let vector = fixture.vectors[0]
        let upper = Array(vector.sha256_hmac_upper)
        let lower = Array(vector.sha256_hmac_lower)
        let mixed = String((0..<upper.count).map { $0.isMultiple(of: 2) ? upper[$0] : lower[$0] })
        let verifier = SignatureVerifier(keys: [fixture.secret])
        #expect(verifier.isValid(body: TestFiles.fixture(vector.file), signature: mixed))
    }

    @Test func rejectsWrongMissingTruncatedNonHexAndEmptySignatures() throws {
        let fixture = try SignatureVectors.load()
        let verifier = SignatureVerifier(keys: [fixture.secret])
        let vector = fixture.vectors[2]
        let body = TestFiles.fixture(vector.file)
        let good = vector.sha256_hmac_upper
        let other = fixture.vectors[3].sha256_hmac_upper

        #expect(!verifier.isValid(body: body, signature: nil))
        #expect(!verifier.isValid(body: body, signature: ""))
        #expect(!verifier.isValid(body: body, signature: other))
        #expect(!verifier.isValid(body: body, signature: String(good.dropLast())))
        #expect(!verifier.isValid(body: body, signature: String(good.dropLast(2))))
        #expect(!verifier.isValid(body: body, signature: String(good.prefix(32))))
        #expect(!verifier.isValid(body: body, signature: good + "0"))
        #expect(!verifier.isValid(body: body, signature: good + good))
        #expect(!verifier.isValid(body: body, signature: "sha256=" + good))
        #expect(!verifier.isValid(body: body, signature: "G" + good.dropFirst()))
        #expect(!verifier.isValid(body: body, signature: String(good.dropLast()) + "z"))
        #expect(!verifier.isValid(body: body, signature: String(repeating: " ", count: 64)))
        // A one-bit change in the last byte.
        let last = good.last!
        let flipped = String(good.dropLast()) + (last == "0" ? "1" : "0")
        #expect(!verifier.isValid(body: body, signature: flipped))
    }

    @Test func rejectsAChangedBodyAndAWrongKey() throws {
        let fixture = try SignatureVectors.load()
        let vector = fixture.vectors[0]
        var body = TestFiles.fixture(vector.file)
        #expect(!SignatureVerifier(keys: ["not-the-key"]).isValid(body: body, signature: vector.sha256_hmac_upper))
        // Re-serialised or re-spaced JSON is not the body that was signed.
        body.append(UInt8(ascii: "\n"))
        #expect(!SignatureVerifier(keys: [fixture.secret]).isValid(body: body, signature: vector.sha256_hmac_upper))
        // The secret is used as text, not hex-decoded.
        #expect(
            SignatureVerifier.signature(body: body, key: fixture.secret)
                != SignatureVerifier.signature(body: body, key: fixture.secret.uppercased()))
    }

    @Test func acceptsEitherKeyDuringRotation() {
        let body = Data(#"{"event":"sync_end","data":{"status":"FAILURE"}}"#.utf8)
        let old = "old-key-0123456789"
        let new = "new-key-9876543210"
        let oldSignature = SignatureVerifier.signature(body: body, key: old)
        let newSignature = SignatureVerifier.signature(body: body, key: new, uppercase: false)

        let rotating = SignatureVerifier(keys: [new, old])
        #expect(rotating.isValid(body: body, signature: oldSignature))
        #expect(rotating.isValid(body: body, signature: newSignature))
        #expect(!rotating.isValid(body: body, signature: SignatureVerifier.signature(body: body, key: "third")))

        let afterDrop = SignatureVerifier(keys: [new])
        #expect(afterDrop.isValid(body: body, signature: newSignature))
        #expect(!afterDrop.isValid(body: body, signature: oldSignature))
    }

    @Test func withoutKeysNothingVerifies() {
        let body = Data("{}".utf8)
        let signature = SignatureVerifier.signature(body: body, key: "")
        #expect(!SignatureVerifier(keys: []).isValid(body: body, signature: signature))
        #expect(!SignatureVerifier(keys: [""]).isValid(body: body, signature: signature))
    }

    @Test func signsAnEmptyBody() {
        let verifier = SignatureVerifier(keys: ["k"])
        let signature = SignatureVerifier.signature(body: Data(), key: "k")
        #expect(signature.count == 64)
        #expect(verifier.isValid(body: Data(), signature: signature))
    }
}

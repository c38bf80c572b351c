import Foundation
import StudyKit
import XCTest

final class ContentHashTests: XCTestCase {
    func testKnownVectors() {
        XCTAssertEqual(ContentHash.sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(ContentHash.sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(
            ContentHash.sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        XCTAssertEqual(
            ContentHash.sha256Hex(Data(repeating: 0x61, count: 1_000_000)),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    func testFileHashingMatchesInMemoryHashingAcrossChunkBoundaries() throws {
        let folder = try DefinitionFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        for size in [0, 55, 56, 63, 64, 65, (1 << 20) + 7] {
            let data = Data((0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) })
            let url = folder.appendingPathComponent("f\(size)")
            try data.write(to: url)
            XCTAssertEqual(try ContentHash.sha256Hex(fileAt: url), ContentHash.sha256Hex(data), "size \(size)")
        }
    }
}

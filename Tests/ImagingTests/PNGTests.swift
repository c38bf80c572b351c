import Foundation
import Imaging
import XCTest

final class PNGTests: XCTestCase {
    /// A fresh temporary folder, removed when the test ends.
    private func makeFolder() throws -> URL {
        let folder = try TestPNGFiles.temporaryFolder()
        addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        return folder
    }

    // MARK: Round trips and determinism

    func testRoundTripThroughFilesKeepsEveryPixelIncludingOddSizes() throws {
        let folder = try makeFolder()
        for (width, height) in [(1, 1), (7, 3), (3, 7), (37, 53), (128, 128)] {
            let image = TestPNGFiles.pattern(width: width, height: height)
            let url = folder.appendingPathComponent("image-\(width)x\(height).png")
            try PNG.write(image, to: url)
            XCTAssertEqual(try PNG.read(url), image, "\(width)x\(height)")
        }
    }

    func testEncodeIsDeterministicAndCarriesNoMetadata() throws {
        let image = TestPNGFiles.pattern(width: 31, height: 17)
        let first = try PNG.encode(image)
        let second = try PNG.encode(RGBImage(width: 31, height: 17, pixels: image.pixels))
        XCTAssertEqual(first, second)
        let types = TestPNGFiles.chunkTypes(first)
        XCTAssertEqual(types.first, "IHDR")
        XCTAssertEqual(types.last, "IEND")
        for type in types {
            XCTAssertTrue(["IHDR", "sRGB", "IDAT", "IEND"].contains(type), "unexpected chunk \(type)")
        }
        XCTAssertEqual(try PNG.decode(first, name: "memory"), image)
    }

    func testEncodeWritesEightBitRGB() throws {
        let data = try PNG.encode(TestPNGFiles.pattern(width: 5, height: 4))
        let bytes = [UInt8](data)
        // IHDR data starts at byte 16: width, height, bit depth 8, colour type 2 (RGB), no interlace.
        XCTAssertEqual(Array(bytes[16..<24]), [0, 0, 0, 5, 0, 0, 0, 4])
        XCTAssertEqual(bytes[24], 8)
        XCTAssertEqual(bytes[25], 2)
        XCTAssertEqual(bytes[28], 0)
    }

    func testWriteReplacesAnExistingFileAndLeavesNoTemporaryFiles() throws {
        let folder = try makeFolder()
        let url = folder.appendingPathComponent("out.png")
        try PNG.write(TestPNGFiles.pattern(width: 4, height: 4), to: url)
        let replacement = RGBImage(width: 6, height: 2, red: 10, green: 20, blue: 30)
        try PNG.write(replacement, to: url)
        XCTAssertEqual(try PNG.read(url), replacement)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["out.png"])
    }

    func testWriteIntoMissingFolderNamesTheFile() throws {
        let folder = try makeFolder()
        let url = folder.appendingPathComponent("missing/out.png")
        XCTAssertThrowsError(try PNG.write(TestPNGFiles.pattern(width: 2, height: 2), to: url)) { error in
            XCTAssertTrue("\(error)".contains(url.path), "\(error)")
        }
    }

    func testWritingAnEmptyImageThrowsNamingTheFile() throws {
        let url = try makeFolder().appendingPathComponent("empty.png")
        XCTAssertThrowsError(try PNG.write(RGBImage(width: 0, height: 0, pixels: []), to: url)) { error in
            XCTAssertTrue("\(error)".hasPrefix(url.path + ": cannot write"), "\(error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: url.path))
    }

    // MARK: Accepted variants

    func testOpaqueRGBAIsAcceptedAsRGB() throws {
        let rgb = TestPNGFiles.pattern(width: 3, height: 2)
        var rgba: [UInt8] = []
        for pixel in 0..<6 { rgba += rgb.pixels[(pixel * 3)..<(pixel * 3 + 3)] + [255] }
        let data = try TestPNGFiles.encode(width: 3, height: 2, format: TestPNGFiles.rgba, bytes: rgba)
        XCTAssertEqual(try PNG.decode(data, name: "opaque.png"), rgb)
    }

    func testColourPaletteIsAccepted() throws {
        let colormap: [UInt8] = [255, 0, 0, 0, 128, 255, 7, 7, 7]
        let data = try TestPNGFiles.encode(
            width: 2, height: 2, format: TestPNGFiles.rgbColormap, bytes: [0, 1, 2, 1], colormap: colormap)
        let image = try PNG.decode(data, name: "palette.png")
        XCTAssertEqual(image.pixels, [255, 0, 0, 0, 128, 255, 7, 7, 7, 0, 128, 255])
    }

    func testHandMadeEightBitRGBDecodes() throws {
        let data = TestPNGFiles.handMade(
            width: 2, height: 1, bitDepth: 8, colorType: 2, rows: [[1, 2, 3, 250, 251, 252]])
        XCTAssertEqual(try PNG.decode(data, name: "hand.png").pixels, [1, 2, 3, 250, 251, 252])
    }

    func testSixteenBitRGBWithoutGammaIsReadAsSRGB() throws {
        // 0x8080 / 65535 is exactly 128 / 255: an sRGB reading keeps it, a linear one would brighten it.
        let data = TestPNGFiles.handMade(
            width: 1, height: 1, bitDepth: 16, colorType: 2, rows: [[0x80, 0x80, 0x00, 0x00, 0xFF, 0xFF]])
        XCTAssertEqual(try PNG.decode(data, name: "deep.png").pixels, [128, 0, 255])
    }

    func testRGBWithAnAllGreySuggestedPaletteIsAccepted() throws {
        // Colour type 2 may carry a suggested PLTE; only palette images (type 3) are judged by it.
        let data = TestPNGFiles.handMade(
            width: 1, height: 1, bitDepth: 8, colorType: 2, rows: [[9, 99, 199]],
            extraChunks: [("PLTE", [5, 5, 5, 6, 6, 6])])
        XCTAssertEqual(try PNG.decode(data, name: "suggested.png").pixels, [9, 99, 199])
    }

    // MARK: Rejections, each naming the file

    func testMissingFileIsReportedAsUnreadable() throws {
        let folder = try makeFolder()
        let url = folder.appendingPathComponent("nope.png")
        assertRejected(try PNG.read(url), naming: url.path, containing: "cannot read")
    }

    func testNonPNGIsRejected() throws {
        let folder = try makeFolder()
        let url = folder.appendingPathComponent("photo.png")
        try Data("GIF89a not really a png".utf8).write(to: url)
        assertRejected(try PNG.read(url), naming: url.path, containing: "not a PNG")
        assertRejected(try PNG.decode(Data(), name: "empty.png"), naming: "empty.png", containing: "not a PNG")
    }

    func testTruncatedPNGIsRejected() throws {
        let folder = try makeFolder()
        let whole = try PNG.encode(TestPNGFiles.pattern(width: 40, height: 40))
        for cut in [12, 40, whole.count / 2, whole.count - 13] {
            let url = folder.appendingPathComponent("cut\(cut).png")
            try whole.prefix(cut).write(to: url)
            assertRejected(try PNG.read(url), naming: url.path, containing: "truncated or corrupt")
        }
    }

    func testCorruptedImageDataIsRejected() throws {
        var bytes = [UInt8](try PNG.encode(TestPNGFiles.pattern(width: 40, height: 40)))
        for index in 60..<(bytes.count - 20) { bytes[index] ^= 0x5A }
        assertRejected(
            try PNG.decode(Data(bytes), name: "scrambled.png"), naming: "scrambled.png",
            containing: "truncated or corrupt")
    }

    func testGrayscaleIsRejected() throws {
        let folder = try makeFolder()
        let data = try TestPNGFiles.encode(width: 4, height: 3, format: TestPNGFiles.gray, bytes: Array(0..<12))
        let url = folder.appendingPathComponent("gray.png")
        try data.write(to: url)
        assertRejected(try PNG.read(url), naming: url.path, containing: "grayscale")
    }

    func testGrayscaleWithAlphaIsRejected() throws {
        let data = try TestPNGFiles.encode(
            width: 2, height: 1, format: TestPNGFiles.grayAlpha, bytes: [10, 255, 20, 255])
        assertRejected(try PNG.decode(data, name: "ga.png"), naming: "ga.png", containing: "grayscale")
    }

    func testGrayPaletteIsRejected() throws {
        let data = try TestPNGFiles.encode(
            width: 2, height: 2, format: TestPNGFiles.rgbColormap, bytes: [0, 1, 1, 0],
            colormap: [0, 0, 0, 200, 200, 200])
        assertRejected(try PNG.decode(data, name: "graypal.png"), naming: "graypal.png", containing: "grayscale")
    }

    func testTransparencyFromATRNSChunkIsRejected() throws {
        // An RGB image whose tRNS makes colour (1, 2, 3) fully transparent.
        let data = TestPNGFiles.handMade(
            width: 2, height: 1, bitDepth: 8, colorType: 2, rows: [[1, 2, 3, 4, 5, 6]],
            extraChunks: [("tRNS", [0, 1, 0, 2, 0, 3])])
        assertRejected(try PNG.decode(data, name: "trns.png"), naming: "trns.png", containing: "1 pixel(s) not fully opaque")
    }

    func testTransparentPixelsAreRejected() throws {
        let folder = try makeFolder()
        let rgba: [UInt8] = [1, 2, 3, 255, 4, 5, 6, 254, 7, 8, 9, 0, 10, 11, 12, 255]
        let data = try TestPNGFiles.encode(width: 2, height: 2, format: TestPNGFiles.rgba, bytes: rgba)
        let url = folder.appendingPathComponent("alpha.png")
        try data.write(to: url)
        assertRejected(try PNG.read(url), naming: url.path, containing: "2 pixel(s) not fully opaque")
    }

    private func assertRejected(
        _ expression: @autoclosure () throws -> RGBImage, naming name: String, containing text: String,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertThrowsError(try expression(), file: file, line: line) { error in
            let message = "\(error)"
            XCTAssertTrue(
                message.hasPrefix(name + ":"), "message does not name the file: \(message)",
                file: file, line: line)
            XCTAssertTrue(message.contains(text), "message lacks \"\(text)\": \(message)", file: file, line: line)
        }
    }
}

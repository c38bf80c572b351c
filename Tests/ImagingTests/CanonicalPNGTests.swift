import Foundation
import Imaging
import XCTest

/// Canonical PNGs: libpng reads back the exact pixels, and images of one size share every byte that is
/// not a pixel value (length, chunks, chunk lengths, deflate block headers, row filters).
final class CanonicalPNGTests: XCTestCase {
    func testLibpngReadsBackTheExactPixels() throws {
        for (width, height) in [(1, 1), (7, 3), (16, 16), (128, 128), (200, 130)] {
            let image = TestPNGFiles.pattern(width: width, height: height)
            let bytes = CanonicalPNG.encode(image)
            XCTAssertEqual(try PNG.decode(Data(bytes), name: "canonical"), image, "\(width)x\(height)")
            XCTAssertEqual(bytes.count, CanonicalPNG.length(width: width, height: height))
        }
    }

    func testRealPhotosAndTheirDegradationsOfOneSizeHaveOneLayout() throws {
        let faces = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../data/faces128")
        let files = try FileManager.default.contentsOfDirectory(at: faces, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "png" }.sorted { $0.path < $1.path }
        XCTAssertGreaterThanOrEqual(files.count, 8)
        var layouts: [Int: Set<String>] = [:]
        var compressedSizes: Set<Int> = []
        for file in files {
            let photo = try PNG.read(file)
            let lr = photo.downsampledLR(to: 16)
            // The photo, a smooth stand-in for a model output, and the 16x16 input.
            for image in [photo, lr.bicubicUpsampled(to: 128), lr] {
                compressedSizes.insert(try PNG.encode(image).count)
                let bytes = CanonicalPNG.encode(image)
                let layout = try XCTUnwrap(CanonicalPNG.layout(of: bytes))
                XCTAssertEqual(layout.chunks.map(\.type), ["IHDR", "IDAT", "IEND"])
                XCTAssertEqual(layout.format, [8, 2, 0, 0, 0])
                XCTAssertEqual(layout.filters, [0])
                XCTAssertEqual(layout.blocks?.last?.final, true)
                XCTAssertEqual(layout.blocks?.dropLast().allSatisfy { !$0.final && $0.length == CanonicalPNG.blockSize }, true)
                XCTAssertEqual(try PNG.decode(Data(bytes), name: file.lastPathComponent), image)
                layouts[image.width, default: []].insert("\(layout) \(bytes.count)")
            }
        }
        XCTAssertGreaterThan(compressedSizes.count, 2 * files.count, "compressed, their sizes would tell them apart")
        XCTAssertEqual(layouts[128]?.count, 1, "\(layouts[128] ?? [])")
        XCTAssertEqual(layouts[16]?.count, 1, "\(layouts[16] ?? [])")
        XCTAssertEqual(layouts[128]?.first?.hasSuffix(" 49348"), true, "128x128: 49,280 bytes of rows + 68")
    }

    func testLargeImagesSpanSeveralFixedBlocks() throws {
        let bytes = CanonicalPNG.encode(TestPNGFiles.pattern(width: 256, height: 256))
        let layout = try XCTUnwrap(CanonicalPNG.layout(of: bytes))
        XCTAssertEqual(layout.blocks?.map(\.length), [65_535, 65_535, 65_535, 256 * 769 - 3 * 65_535])
        XCTAssertEqual(layout.blocks?.map(\.final), [false, false, false, true])
        XCTAssertEqual(layout.filters, [0])
    }

    func testALibpngFileIsNotCanonical() throws {
        let layout = try XCTUnwrap(CanonicalPNG.layout(of: [UInt8](try PNG.encode(RGBImage(width: 64, height: 64, red: 10, green: 200, blue: 30)))))
        XCTAssertNil(layout.blocks, "libpng compresses, so its stream is not stored blocks")
    }
}

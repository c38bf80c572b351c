import Foundation
import Imaging
import Resampling
import XCTest

final class ResizingTests: XCTestCase {
    func testPlanarFloatsAreChannelPlanesInUnitRange() {
        let image = RGBImage(width: 2, height: 1, pixels: [0, 51, 255, 102, 153, 204])
        XCTAssertEqual(image.planarFloats(), [0, 102.0 / 255, 51.0 / 255, 153.0 / 255, 1, 204.0 / 255])
    }

    func testPlanarRoundTripIsExact() {
        let image = TestPNGFiles.pattern(width: 9, height: 7)
        XCTAssertEqual(RGBImage(planarFloats: image.planarFloats(), width: 9, height: 7), image)
    }

    func testFromPlanarClampsAndRounds() {
        let values: [Float] = [-0.3, 1.7, .nan, 0.5, 10.4 / 255, 10.6 / 255]
        let image = RGBImage(planarFloats: values + values + values, width: 6, height: 1)
        let red = stride(from: 0, to: 18, by: 3).map { image.pixels[$0] }
        XCTAssertEqual(red, [0, 255, 0, 128, 10, 11])
    }

    func testCenterCropResizedIsIdentityAtSize() {
        let image = TestPNGFiles.pattern(width: 16, height: 16)
        XCTAssertEqual(image.centerCropResized(to: 16), image)
    }

    func testCenterCropTakesTheMiddleSquare() {
        // 6x2: columns 2 and 3 are the centre square; mark them.
        var pixels = [UInt8](repeating: 0, count: 6 * 2 * 3)
        for row in 0..<2 {
            for column in 2...3 { pixels[(row * 6 + column) * 3] = 200 }
        }
        let image = RGBImage(width: 6, height: 2, pixels: pixels)
        let cropped = image.centerCropResized(to: 2)
        XCTAssertEqual(cropped.width, 2)
        XCTAssertEqual(cropped.height, 2)
        XCTAssertEqual(cropped.pixels, [UInt8](repeating: 0, count: 12).enumerated().map { $0.offset % 3 == 0 ? 200 : 0 })
    }

    func testCenterCropResizedDownsamplesTheCropWithAntialiasedBicubic() {
        let image = TestPNGFiles.pattern(width: 40, height: 30)
        let resized = image.centerCropResized(to: 12)
        let cropX = 5
        var crop: [UInt8] = []
        for row in 0..<30 { crop += image.pixels[((row * 40 + cropX) * 3)..<((row * 40 + cropX + 30) * 3)] }
        let expected = Bicubic.downsampleAntialiased(
            RGBImage(width: 30, height: 30, pixels: crop).planarFloats(),
            count: 3, height: 30, width: 30, toHeight: 12, toWidth: 12)
        XCTAssertEqual(resized, RGBImage(planarFloats: expected, width: 12, height: 12))
    }

    func testDownsampledLRIsAntialiasedBicubicRounded() throws {
        let hr = try PNG.read(ModelCardAnchorTests.naturalFolder.appendingPathComponent("natural010.png"))
        let lr = hr.downsampledLR(to: 16)
        XCTAssertEqual(lr.width, 16)
        XCTAssertEqual(lr.height, 16)
        let floats = Bicubic.downsampleAntialiased(
            hr.planarFloats(), count: 3, height: 128, width: 128, toHeight: 16, toWidth: 16)
        let lrFloats = lr.planarFloats()
        for index in floats.indices {
            XCTAssertLessThanOrEqual(abs(floats[index] - lrFloats[index]), 0.5 / 255 + 1e-6)
        }
    }

    func testBicubicUpsampledIsPlainBicubicClampedAndRounded() {
        let lr = TestPNGFiles.pattern(width: 5, height: 4)
        let up = lr.bicubicUpsampled(to: 20)
        let floats = Bicubic.upsample(lr.planarFloats(), count: 3, height: 4, width: 5, toHeight: 20, toWidth: 20)
        XCTAssertEqual(up, RGBImage(planarFloats: floats, width: 20, height: 20))
        // A noisy source overshoots [0, 1], so clamping is exercised.
        XCTAssertTrue(floats.contains { $0 < 0 } && floats.contains { $0 > 1 })
    }

    func testUniformImagesStayUniform() {
        let image = RGBImage(width: 16, height: 16, red: 12, green: 130, blue: 250)
        XCTAssertEqual(image.downsampledLR(to: 4), RGBImage(width: 4, height: 4, red: 12, green: 130, blue: 250))
        XCTAssertEqual(image.bicubicUpsampled(to: 40), RGBImage(width: 40, height: 40, red: 12, green: 130, blue: 250))
        XCTAssertEqual(image.centerCropResized(to: 7), RGBImage(width: 7, height: 7, red: 12, green: 130, blue: 250))
    }

    func testNearestUpsampledRepeatsEachPixelInABlock() {
        let lr = TestPNGFiles.pattern(width: 3, height: 3)
        let up = lr.nearestUpsampled(to: 12)
        for y in 0..<12 {
            for x in 0..<12 {
                let target = (y * 12 + x) * 3
                let source = ((y / 4) * 3 + x / 4) * 3
                XCTAssertEqual(Array(up.pixels[target..<(target + 3)]), Array(lr.pixels[source..<(source + 3)]))
            }
        }
    }

    func testCheckedInitRejectsAWrongPixelCount() {
        XCTAssertThrowsError(try RGBImage(width: 2, height: 2, checkedPixels: [1, 2, 3])) { error in
            XCTAssertEqual("\(error)", "an RGB image of 2x2 needs 12 bytes, got 3")
        }
        XCTAssertNoThrow(try RGBImage(width: 1, height: 1, checkedPixels: [1, 2, 3]))
    }
}

import Foundation
import Imaging
import XCTest

final class ImageMetricsTests: XCTestCase {
    private static let natural = ModelCardAnchorTests.naturalFolder

    func testPSNRIsInfiniteForIdenticalImages() {
        let image = TestPNGFiles.pattern(width: 12, height: 12)
        XCTAssertEqual(ImageMetrics.psnr(image, image), .infinity)
    }

    func testPSNROfAKnownError() {
        let a = RGBImage(width: 4, height: 4, red: 100, green: 100, blue: 100)
        let b = RGBImage(width: 4, height: 4, red: 101, green: 99, blue: 100)
        // MSE = 2/3 over all values.
        XCTAssertEqual(ImageMetrics.psnr(a, b), 10 * log10(255.0 * 255.0 / (2.0 / 3.0)), accuracy: 1e-12)
    }

    func testSSIMIsOneForIdenticalImages() {
        let image = TestPNGFiles.pattern(width: 20, height: 15)
        XCTAssertEqual(ImageMetrics.ssim(image, image), 1, accuracy: 1e-12)
    }

    func testSSIMOfUniformImagesIsTheLuminanceTerm() {
        let a = RGBImage(width: 16, height: 16, red: 50, green: 50, blue: 50)
        let b = RGBImage(width: 16, height: 16, red: 200, green: 200, blue: 200)
        let c1 = (0.01 * 255.0) * (0.01 * 255.0)
        let expected = (2 * 50.0 * 200.0 + c1) / (50.0 * 50.0 + 200.0 * 200.0 + c1)
        XCTAssertEqual(ImageMetrics.ssim(a, b), expected, accuracy: 1e-9)
    }

    /// Reference values from an independent numpy transcription of `calculate_ssim`
    /// (Gaussian 11x11 sigma 1.5, valid region, per channel then averaged) and of PSNR.
    func testMetricsMatchNumpyReferenceOnRealImages() throws {
        let a = try PNG.read(Self.natural.appendingPathComponent("natural000.png"))
        let b = try PNG.read(Self.natural.appendingPathComponent("natural005.png"))
        XCTAssertEqual(ImageMetrics.ssim(a, b), 0.14425159990183012, accuracy: 1e-9)
        XCTAssertEqual(ImageMetrics.psnr(a, b), 8.360394699346125, accuracy: 1e-9)
    }

    func testMismatchedSizesHaveNoScore() {
        let a = TestPNGFiles.pattern(width: 12, height: 12)
        let b = TestPNGFiles.pattern(width: 12, height: 13)
        XCTAssertTrue(ImageMetrics.psnr(a, b).isNaN)
        XCTAssertTrue(ImageMetrics.ssim(a, b).isNaN)
        XCTAssertTrue(
            ImageMetrics.ssim(
                TestPNGFiles.pattern(width: 10, height: 10), TestPNGFiles.pattern(width: 10, height: 10)
            ).isNaN)
    }

    func testConsistencyIsZeroForAnOutputThatDownsamplesToTheLR() {
        let lr = RGBImage(width: 4, height: 4, red: 30, green: 60, blue: 90)
        let output = RGBImage(width: 32, height: 32, red: 30, green: 60, blue: 90)
        XCTAssertEqual(ImageMetrics.consistency(output: output, lr: lr), 0, accuracy: 1e-9)
    }

    func testConsistencyIsMSETimes1e5() {
        let lr = RGBImage(width: 4, height: 4, red: 30, green: 60, blue: 90)
        let output = RGBImage(width: 32, height: 32, red: 33, green: 60, blue: 90)
        // Only red differs, by 3/255, so MSE = (3/255)^2 / 3.
        let expected = (3.0 / 255.0) * (3.0 / 255.0) / 3 * 1e5
        XCTAssertEqual(ImageMetrics.consistency(output: output, lr: lr), expected, accuracy: 1e-4)
    }

    func testConsistencyOfTheBicubicBaselineIsSmallButNotZero() throws {
        let hr = try PNG.read(Self.natural.appendingPathComponent("natural003.png"))
        let lr = hr.downsampledLR(to: 16)
        let bicubic = ImageMetrics.consistency(output: lr.bicubicUpsampled(to: 128), lr: lr)
        let nearest = ImageMetrics.consistency(output: lr.nearestUpsampled(to: 128), lr: lr)
        let hrItself = ImageMetrics.consistency(output: hr, lr: lr)
        XCTAssertGreaterThan(bicubic, 1)
        // The HR downsamples to the LR up to rounding to 1/255: MSE <= (0.5/255)^2.
        XCTAssertLessThan(hrItself, 0.5 / 255 * 0.5 / 255 * 1e5)
        XCTAssertGreaterThan(nearest, hrItself)
    }
}

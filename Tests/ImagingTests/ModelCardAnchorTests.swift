import Foundation
import Imaging
import XCTest

/// The end-to-end check that PNG decoding, the LR, the bicubic `up` and the metrics are right:
/// the bicubic baseline on the 22 bundled natural crops must give the model card's numbers
/// (models/MODEL_CARD.md: PSNR 21.26, SSIM 0.573, consistency 38.9 on average), within about
/// the card's rounding (measured here: 21.260, 0.5734, 38.86).
final class ModelCardAnchorTests: XCTestCase {
    static let naturalFolder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("data/natural128")

    func testBicubicBaselineOnNaturalCropsMatchesModelCard() throws {
        let files = try FileManager.default.contentsOfDirectory(
            at: Self.naturalFolder, includingPropertiesForKeys: nil
        ).filter { $0.pathExtension == "png" }.sorted { $0.lastPathComponent < $1.lastPathComponent }
        XCTAssertEqual(files.count, 22)
        var psnr = 0.0
        var ssim = 0.0
        var consistency = 0.0
        for file in files {
            let hr = try PNG.read(file).centerCropResized(to: 128)
            let lr = hr.downsampledLR(to: 16)
            let up = lr.bicubicUpsampled(to: 128)
            psnr += ImageMetrics.psnr(up, hr)
            ssim += ImageMetrics.ssim(up, hr)
            consistency += ImageMetrics.consistency(output: up, lr: lr)
        }
        let count = Double(files.count)
        psnr /= count
        ssim /= count
        consistency /= count
        print("bicubic baseline on \(files.count) natural crops: PSNR \(psnr), SSIM \(ssim), consistency \(consistency)")
        XCTAssertEqual(psnr, 21.26, accuracy: 0.01)
        XCTAssertEqual(ssim, 0.573, accuracy: 0.002)
        XCTAssertEqual(consistency, 38.9, accuracy: 0.5)
    }
}

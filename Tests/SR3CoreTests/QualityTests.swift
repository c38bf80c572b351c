import Foundation
import Imaging
import SR3Core
import XCTest

/// The shipped SR3 checkpoint on real photos with the projected sampler at 100 steps.
///
/// Measured over all 22 crops of data/natural128 (seeds 11...32): SR3 + projection 21.27 dB mean
/// PSNR, bicubic 21.26 dB (the model card's bicubic figure for this set), SR3 ahead on 7 of 22;
/// consistency 0.02 ... 0.54 (x1e-5). This tiny model is level with bicubic on these crops, not
/// ahead of it, so the test asks for consistency below 1 on every image and a mean PSNR no more than
/// 0.5 dB below bicubic on one crop of every other source photo; a broken sampler or network
/// misses both by far (the paper sampler without projection alone is about 2.5 dB below bicubic).
final class QualityTests: XCTestCase {
    func testProjectedSamplerIsConsistentAndLevelWithBicubic() throws {
        let model = try SuperResolutionModel(checkpoint: Fixtures.repository.appendingPathComponent("models/sr3-tiny-16to128.safetensors"))
        XCTAssertEqual(model.kind, .sr3)
        XCTAssertEqual(model.lrSize, 16)
        XCTAssertEqual(model.hrSize, 128)
        let indices = [0, 4, 8, 12, 16, 20]
        let references = try indices.map {
            try PNG.read(Fixtures.repository.appendingPathComponent(String(format: "data/natural128/natural%03d.png", $0)))
        }
        let lrs = references.map { $0.downsampledLR(to: 16) }
        let output = try model.superResolve(
            lr: lrs.flatMap { $0.planarFloats() }, count: lrs.count, height: 16, width: 16,
            seeds: indices.map { UInt64(11 + $0) }, settings: SamplingSettings(projection: true), progress: nil)
        XCTAssertEqual(output.count, lrs.count * 3 * 128 * 128)
        var sr3PSNR = 0.0
        var bicubicPSNR = 0.0
        for (i, reference) in references.enumerated() {
            let planes = Array(output[(i * 3 * 128 * 128)..<((i + 1) * 3 * 128 * 128)])
            let image = RGBImage(planarFloats: planes, width: 128, height: 128)
            let consistency = ImageMetrics.consistency(output: image, lr: lrs[i])
            XCTAssertLessThan(consistency, 1, "natural\(indices[i]): consistency \(consistency) x1e-5")
            sr3PSNR += ImageMetrics.psnr(image, reference) / Double(references.count)
            bicubicPSNR += ImageMetrics.psnr(lrs[i].bicubicUpsampled(to: 128), reference) / Double(references.count)
        }
        XCTAssertGreaterThan(sr3PSNR, bicubicPSNR - 0.5, "SR3 + projection \(sr3PSNR) dB vs bicubic \(bicubicPSNR) dB")
    }
}

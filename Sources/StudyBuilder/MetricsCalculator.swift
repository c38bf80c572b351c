import Imaging
import StudyKit

/// The paper's Table 1 per model: mean PSNR and SSIM against the HR reference, and consistency
/// (MSE in units of 1e-5, i.e. MSE x 1e5, between the output downsampled to lr_size and the LR), over all images.
enum MetricsCalculator {
    /// Identical images have infinite PSNR; a mean needs a finite value (JSON has no infinity).
    static let maxPSNR = 100.0

    static func metrics(model: String, outputs: [String: ModelOutputs.Output], images: [PreparedImage]) -> ModelMetrics? {
        var psnr = 0.0
        var ssim = 0.0
        var consistency = 0.0
        var count = 0
        for image in images {
            guard let output = outputs[image.id]?.image else { continue }
            psnr += min(ImageMetrics.psnr(output, image.hr), maxPSNR)
            ssim += ImageMetrics.ssim(output, image.hr)
            consistency += ImageMetrics.consistency(output: output, lr: image.lr)
            count += 1
        }
        guard count > 0 else { return nil }
        let n = Double(count)
        let values = [psnr / n, ssim / n, consistency / n]
        guard values.allSatisfy(\.isFinite) else { return nil }
        return ModelMetrics(model: model, images: count, psnr: values[0], ssim: values[1], consistency: values[2])
    }
}

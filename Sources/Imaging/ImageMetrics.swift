import Foundation
import Resampling

/// Full-reference quality metrics on uint8 RGB images, as the SR literature computes them.
/// Images of different sizes have no score: every metric returns NaN for them.
public enum ImageMetrics {
    /// PSNR in dB over all RGB values, peak 255. Identical images give `+infinity`.
    public static func psnr(_ a: RGBImage, _ b: RGBImage) -> Double {
        guard sameSize(a, b), !a.pixels.isEmpty else { return .nan }
        var sum = 0.0
        for index in a.pixels.indices {
            let difference = Double(a.pixels[index]) - Double(b.pixels[index])
            sum += difference * difference
        }
        let mse = sum / Double(a.pixels.count)
        return mse == 0 ? .infinity : 10 * log10(255 * 255 / mse)
    }

    /// SSIM (Wang et al. 2004) as the common SR codebases' `calculate_ssim`: an 11x11 Gaussian
    /// window (sigma 1.5), K1 = 0.01, K2 = 0.03, L = 255, over the valid region only (no
    /// padding), per channel and then averaged. Images smaller than 11x11 give NaN.
    public static func ssim(_ a: RGBImage, _ b: RGBImage) -> Double {
        guard sameSize(a, b), a.width >= SSIMWindow.size, a.height >= SSIMWindow.size else { return .nan }
        let window = SSIMWindow()
        var total = 0.0
        for channel in 0..<3 {
            total += window.meanSSIM(
                channel: channel, of: a.pixels, and: b.pixels, width: a.width, height: a.height)
        }
        return total / 3
    }

    /// Consistency as in the SR3 paper's Table 1, reported in units of 1e-5 (MSE x 1e5): the
    /// output as float [0, 1], downsampled to the LR size with antialiased bicubic (unrounded),
    /// against the LR as float [0, 1].
    public static func consistency(output: RGBImage, lr: RGBImage) -> Double {
        guard !lr.pixels.isEmpty, output.width > 0, output.height > 0 else { return .nan }
        let downsampled = Bicubic.downsampleAntialiased(
            output.planarFloats(), count: 3, height: output.height, width: output.width,
            toHeight: lr.height, toWidth: lr.width)
        let reference = lr.planarFloats()
        var sum = 0.0
        for index in reference.indices {
            let difference = Double(downsampled[index]) - Double(reference[index])
            sum += difference * difference
        }
        return sum / Double(reference.count) * 1e5
    }

    private static func sameSize(_ a: RGBImage, _ b: RGBImage) -> Bool {
        a.width == b.width && a.height == b.height
    }
}

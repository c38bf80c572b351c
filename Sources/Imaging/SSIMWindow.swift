import Foundation

/// The separable 11x11 Gaussian window (sigma 1.5, normalised, as OpenCV's
/// `getGaussianKernel(11, 1.5)`) and the SSIM map over the valid region, in double precision.
struct SSIMWindow {
    static let size = 11
    static let sigma = 1.5
    static let c1 = (0.01 * 255.0) * (0.01 * 255.0)
    static let c2 = (0.03 * 255.0) * (0.03 * 255.0)

    let weights: [Double]

    init() {
        let half = Double(Self.size / 2)
        let raw = (0..<Self.size).map { exp(-((Double($0) - half) * (Double($0) - half)) / (2 * Self.sigma * Self.sigma)) }
        let total = raw.reduce(0, +)
        weights = raw.map { $0 / total }
    }

    /// The mean of the SSIM map of one channel (0, 1, 2 of interleaved RGB).
    func meanSSIM(channel: Int, of a: [UInt8], and b: [UInt8], width: Int, height: Int) -> Double {
        let count = width * height
        var x = [Double](repeating: 0, count: count)
        var y = [Double](repeating: 0, count: count)
        for pixel in 0..<count {
            x[pixel] = Double(a[pixel * 3 + channel])
            y[pixel] = Double(b[pixel * 3 + channel])
        }
        let muX = filterValid(x, width: width, height: height)
        let muY = filterValid(y, width: width, height: height)
        let xx = filterValid(zip(x, x).map { $0 * $1 }, width: width, height: height)
        let yy = filterValid(zip(y, y).map { $0 * $1 }, width: width, height: height)
        let xy = filterValid(zip(x, y).map { $0 * $1 }, width: width, height: height)
        var total = 0.0
        for index in muX.indices {
            let mx = muX[index]
            let my = muY[index]
            let varianceX = xx[index] - mx * mx
            let varianceY = yy[index] - my * my
            let covariance = xy[index] - mx * my
            let numerator = (2 * mx * my + Self.c1) * (2 * covariance + Self.c2)
            let denominator = (mx * mx + my * my + Self.c1) * (varianceX + varianceY + Self.c2)
            total += numerator / denominator
        }
        return total / Double(muX.count)
    }

    /// Correlation with the window, keeping only outputs whose window lies inside the image:
    /// `(height - 10) x (width - 10)` values.
    private func filterValid(_ plane: [Double], width: Int, height: Int) -> [Double] {
        let k = Self.size
        let outWidth = width - k + 1
        let outHeight = height - k + 1
        var rows = [Double](repeating: 0, count: height * outWidth)
        for row in 0..<height {
            for column in 0..<outWidth {
                var sum = 0.0
                for tap in 0..<k { sum += weights[tap] * plane[row * width + column + tap] }
                rows[row * outWidth + column] = sum
            }
        }
        var out = [Double](repeating: 0, count: outHeight * outWidth)
        for row in 0..<outHeight {
            for column in 0..<outWidth {
                var sum = 0.0
                for tap in 0..<k { sum += weights[tap] * rows[(row + tap) * outWidth + column] }
                out[row * outWidth + column] = sum
            }
        }
        return out
    }
}

import Resampling

/// Conversions between uint8 RGB images and planar (CHW) float tensors in [0, 1].
extension RGBImage {
    /// The image as 3 planes (R, G, B) of `height * width` floats in [0, 1] (value / 255).
    public func planarFloats() -> [Float] {
        let planeSize = width * height
        var planes = [Float](repeating: 0, count: planeSize * 3)
        pixels.withUnsafeBufferPointer { src in
            planes.withUnsafeMutableBufferPointer { dst in
                for pixel in 0..<planeSize {
                    for channel in 0..<3 {
                        dst[channel * planeSize + pixel] = Float(src[pixel * 3 + channel]) / 255
                    }
                }
            }
        }
        return planes
    }

    /// An image from 3 planes (R, G, B) of `height * width` floats: each value is clamped to
    /// [0, 1], scaled by 255 and rounded to the nearest integer (ties to even, as torch `round`).
    /// NaN becomes 0. A wrong value count is a programming error.
    public init(planarFloats planes: [Float], width: Int, height: Int) {
        let planeSize = width * height
        precondition(
            width >= 0 && height >= 0 && planes.count == planeSize * 3,
            "planar RGB of \(width)x\(height) needs \(max(planeSize * 3, 0)) floats, got \(planes.count)")
        var pixels = [UInt8](repeating: 0, count: planeSize * 3)
        planes.withUnsafeBufferPointer { src in
            pixels.withUnsafeMutableBufferPointer { dst in
                for pixel in 0..<planeSize {
                    for channel in 0..<3 {
                        dst[pixel * 3 + channel] = PixelLevels.byte(src[channel * planeSize + pixel])
                    }
                }
            }
        }
        self.init(width: width, height: height, pixels: pixels)
    }
}

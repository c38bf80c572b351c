/// PIL's `Image.resize(size, BICUBIC)` of an 8-bit image, bit for bit: the antialiased taps
/// (a = -0.5, renormalised at the borders) in 22-bit fixed point, width pass first, and each pass
/// rounded and clipped to uint8 (the clipping between the passes cuts the negative lobes, which
/// moves some grey levels by 10 or more against a float resize).
public enum PILBicubic {
    static let precisionBits = 22

    /// `planes` holds uint8 values as floats in [0, 1] (multiples of 1/255); so does the result.
    public static func resize(_ planes: [Float], count: Int, height: Int, width: Int, toHeight: Int, toWidth: Int) -> [Float] {
        guard count >= 0, height > 0, width > 0, toHeight > 0, toWidth > 0, planes.count == count * height * width else { return [] }
        let horizontal = fixedPoint(BicubicTaps.antialiasedSpans(from: width, to: toWidth))
        let vertical = fixedPoint(BicubicTaps.antialiasedSpans(from: height, to: toHeight))
        var output = [Float](repeating: 0, count: count * toHeight * toWidth)
        var source = [Int](repeating: 0, count: height * width)
        var rows = [Int](repeating: 0, count: height * toWidth)
        for plane in 0..<count {
            for i in 0..<(height * width) {
                source[i] = Int((min(1, max(0, planes[plane * height * width + i])) * 255).rounded())
            }
            for y in 0..<height {
                for x in 0..<toWidth {
                    let (start, weights) = horizontal[x]
                    var sum = 1 << (precisionBits - 1)
                    for (t, w) in weights.enumerated() { sum += source[y * width + start + t] * w }
                    rows[y * toWidth + x] = clip8(sum)
                }
            }
            let base = plane * toHeight * toWidth
            for y in 0..<toHeight {
                let (start, weights) = vertical[y]
                for x in 0..<toWidth {
                    var sum = 1 << (precisionBits - 1)
                    for (t, w) in weights.enumerated() { sum += rows[(start + t) * toWidth + x] * w }
                    output[base + y * toWidth + x] = Float(clip8(sum)) / 255
                }
            }
        }
        return output
    }

    private static func fixedPoint(_ spans: [(start: Int, weights: [Double])]) -> [(Int, [Int])] {
        let one = Double(1 << precisionBits)
        return spans.map { span in
            (span.start, span.weights.map { w in Int(w < 0 ? -0.5 + w * one : 0.5 + w * one) })
        }
    }

    private static func clip8(_ sum: Int) -> Int { min(255, max(0, sum >> precisionBits)) }
}

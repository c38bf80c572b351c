enum NearestUpsample {
    /// Doubles height and width of `channels` planes.
    static func apply(
        _ x: UnsafePointer<Float>, channels: Int, height: Int, width: Int, output: UnsafeMutablePointer<Float>,
        context: KernelContext
    ) {
        let outWidth = 2 * width
        let src = SharedConstFloats(x)
        let dst = SharedFloats(output)
        context.workers.forEach(channels) { c, _ in
            let plane = src[c * height * width]
            let out = dst[c * 4 * height * width]
            for y in 0..<height {
                let row = out + 2 * y * outWidth
                for xx in 0..<width {
                    let value = plane[y * width + xx]
                    row[2 * xx] = value
                    row[2 * xx + 1] = value
                }
                (row + outWidth).update(from: row, count: outWidth)
            }
        }
    }
}

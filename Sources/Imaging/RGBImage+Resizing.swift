import Resampling

/// The resizes a study needs (docs/SR3-ARCHITECTURE.md section 1), all on float [0, 1] planes and rounded back to uint8.
extension RGBImage {
    /// The HR reference: the centred square crop (side = the shorter side), resized to
    /// `size` x `size` with antialiased bicubic; unchanged when already `size` x `size`.
    public func centerCropResized(to size: Int) -> RGBImage {
        let size = max(size, 0)
        if width == size, height == size { return self }
        let side = min(width, height)
        let cropped = crop(x: (width - side) / 2, y: (height - side) / 2, width: side, height: side)
        if side == size { return cropped }
        return cropped.resizedAntialiased(toWidth: size, height: size)
    }

    /// The LR input (docs/SR3-ARCHITECTURE.md section 1): float [0, 1] -> antialiased bicubic (a = -0.5) to
    /// `size` x `size` -> rounded to uint8. Meant for square images.
    public func downsampledLR(to size: Int) -> RGBImage {
        resizedAntialiased(toWidth: size, height: size)
    }

    /// The conditioning image `up` and the Bicubic baseline (docs/SR3-ARCHITECTURE.md section 1): float [0, 1] ->
    /// plain bicubic (a = -0.75, no antialias) to `size` x `size` -> clamp [0, 1] -> rounded to uint8.
    public func bicubicUpsampled(to size: Int) -> RGBImage {
        let size = max(size, 0)
        guard width > 0, height > 0 else { return RGBImage(width: size, height: size, red: 0, green: 0, blue: 0) }
        let planes = Bicubic.upsample(
            planarFloats(), count: 3, height: height, width: width, toHeight: size, toWidth: size)
        return RGBImage(planarFloats: planes, width: size, height: size)
    }

    /// Nearest-neighbour resize to `size` x `size` (the catch-trial foil): output pixel `i`
    /// takes source pixel `floor(i * in / out)`, as torch `nearest`.
    public func nearestUpsampled(to size: Int) -> RGBImage {
        let size = max(size, 0)
        guard width > 0, height > 0 else { return RGBImage(width: size, height: size, red: 0, green: 0, blue: 0) }
        var out = [UInt8](repeating: 0, count: size * size * 3)
        for y in 0..<size {
            let sourceRow = y * height / size
            for x in 0..<size {
                let source = (sourceRow * width + x * width / size) * 3
                let target = (y * size + x) * 3
                out[target] = pixels[source]
                out[target + 1] = pixels[source + 1]
                out[target + 2] = pixels[source + 2]
            }
        }
        return RGBImage(width: size, height: size, pixels: out)
    }

    /// The `width` x `height` rectangle whose top-left pixel is (`x`, `y`); it must lie inside the image.
    func crop(x: Int, y: Int, width cropWidth: Int, height cropHeight: Int) -> RGBImage {
        var out = [UInt8]()
        out.reserveCapacity(cropWidth * cropHeight * 3)
        for row in y..<(y + cropHeight) {
            let start = (row * width + x) * 3
            out.append(contentsOf: pixels[start..<(start + cropWidth * 3)])
        }
        return RGBImage(width: cropWidth, height: cropHeight, pixels: out)
    }

    /// Antialiased bicubic resize (either direction); an empty image gives black.
    func resizedAntialiased(toWidth newWidth: Int, height newHeight: Int) -> RGBImage {
        let newWidth = max(newWidth, 0)
        let newHeight = max(newHeight, 0)
        guard width > 0, height > 0 else {
            return RGBImage(width: newWidth, height: newHeight, red: 0, green: 0, blue: 0)
        }
        let planes = Bicubic.downsampleAntialiased(
            planarFloats(), count: 3, height: height, width: width, toHeight: newHeight, toWidth: newWidth)
        return RGBImage(planarFloats: planes, width: newWidth, height: newHeight)
    }
}

import Foundation
import Imaging
import StudyKit

/// One source image turned into what the study shows (docs/SR3-ARCHITECTURE.md section 1): the HR reference (centre crop,
/// antialiased bicubic to hr_size), the LR input (antialiased bicubic to lr_size, uint8) and the catch
/// foil (the LR scaled up by nearest neighbour).
public struct PreparedImage: Sendable {
    public var source: SourceImage
    public var sourceSHA256: String
    public var hr: RGBImage
    public var lr: RGBImage
    public var catchFoil: RGBImage

    public var id: String { source.id }

    static func prepare(_ source: SourceImage, definition: StudyDefinition) throws -> PreparedImage {
        let data: Data
        do { data = try Data(contentsOf: source.url) } catch {
            throw StudyError(
                file: source.url, problem: "cannot read the image (\(error.localizedDescription))", fix: "check that the file exists and is readable")
        }
        let image = try ImageFiles.decode(data, url: source.url)
        let side = min(image.width, image.height)
        guard side >= definition.hrSize else {
            throw StudyError(
                file: source.url, problem: "the image is \(image.width)x\(image.height), smaller than hr_size \(definition.hrSize)",
                fix: "use source images whose shorter side is at least \(definition.hrSize) pixels, or lower hr_size")
        }
        let hr = image.centerCropResized(to: definition.hrSize)
        let lr = hr.downsampledLR(to: definition.lrSize)
        return PreparedImage(
            source: source, sourceSHA256: ContentHash.sha256Hex(data), hr: hr, lr: lr,
            catchFoil: lr.nearestUpsampled(to: definition.hrSize))
    }
}

/// PNG reading with errors that name the file and the fix, as `StudyError`.
enum ImageFiles {
    static func decode(_ data: Data, url: URL) throws -> RGBImage {
        do { return try PNG.decode(data, name: url.path) } catch let error as PNGError {
            throw studyError(error, url: url)
        }
    }

    static func read(_ url: URL) throws -> RGBImage {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw StudyError(
                file: url, problem: "cannot read the image (\(error.localizedDescription))", fix: "check that the file exists and is readable")
        }
        return try decode(data, url: url)
    }

    static func studyError(_ error: PNGError, url: URL) -> StudyError {
        switch error {
        case .unreadable(_, let reason):
            return StudyError(file: url, problem: "cannot read the image (\(reason))", fix: "check that the file exists and is readable")
        case .notPNG:
            return StudyError(file: url, problem: "not a PNG file", fix: "convert it to an 8-bit RGB PNG")
        case .corrupt(_, let reason):
            return StudyError(file: url, problem: "truncated or corrupt PNG (\(reason))", fix: "re-export the image as an 8-bit RGB PNG")
        case .notRGB(_, let kind):
            return StudyError(file: url, problem: "\(kind) image; the study needs RGB colour images", fix: "convert it to an 8-bit RGB PNG")
        case .notOpaque(_, let transparent):
            return StudyError(
                file: url, problem: "\(transparent) pixel(s) are not fully opaque",
                fix: "flatten the image onto a background and save it as an RGB PNG")
        case .unwritable(_, let reason):
            return StudyError(file: url, problem: "cannot write the image (\(reason))", fix: "check the folder's permissions and free space")
        }
    }
}

import Foundation
import Imaging
import SeededRandom
import StudyBuilder
import StudyFiles
import StudyKit

/// A small study in a fresh temporary folder: source images, study.yaml, and helpers to build it.
struct TestStudy {
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let sr3Checkpoint = repositoryRoot.appendingPathComponent("models/sr3-tiny-16to128.safetensors").path
    static let regressionCheckpoint = repositoryRoot.appendingPathComponent("models/regression-tiny-16to128.safetensors").path

    let folder: URL
    var paths: StudyPaths { StudyPaths(folder: folder) }
    var imagesFolder: URL { folder.appendingPathComponent("images") }
    var definitionFile: URL { folder.appendingPathComponent("study.yaml") }

    /// `images` random sources of `width` x `height` named img0.png, img1.png, ...
    init(images: Int, width: Int, height: Int, yaml: String) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("studybuilder-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("images"), withIntermediateDirectories: true)
        for index in 0..<images {
            try PNG.write(
                TestImages.random(width: width, height: height, seed: UInt64(index + 1)),
                to: folder.appendingPathComponent("images/img\(index).png"))
        }
        try write(yaml)
    }

    func write(_ yaml: String) throws { try Data(yaml.utf8).write(to: definitionFile) }

    func remove() { try? FileManager.default.removeItem(at: folder) }

    func build() throws -> StudyBuild.Report {
        try StudyBuild.build(paths)
    }

    func manifest() throws -> Manifest { try Manifest.load(buildFolder: paths.buildFolder) }

    func stimulus(_ ref: StimulusRef) throws -> RGBImage {
        try PNG.read(paths.buildFolder.appendingPathComponent(ref.file))
    }

    /// Leftover temporary build folders next to build/ (there must be none after a build, failed or not).
    func temporaryBuildFolders() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasPrefix("build.tmp") }
    }

    /// A definition with hr 32 / lr 8 and the given models block.
    static func smallYAML(models: String, extra: String = "") -> String {
        """
        name: small
        seed: 3
        hr_size: 32
        lr_size: 8
        images:
          folder: images
        images_per_participant: 2
        participants_per_task: 4
        practice_trials: 1
        catch_rate: 0.5
        models:
        \(models)
        \(extra)
        """
    }
}

enum TestImages {
    /// Smooth random colours (so the images are photo-like enough for SSIM), deterministic per seed.
    static func random(width: Int, height: Int, seed: UInt64) -> RGBImage {
        var rng = SeededGenerator(seed: seed)
        let base = (0..<3).map { _ in Double(rng.next() % 200) }
        var pixels = [UInt8]()
        pixels.reserveCapacity(width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                for channel in 0..<3 {
                    let wave = 40 * sin(Double(x * (channel + 1)) / 5 + Double(seed)) * cos(Double(y) / 7)
                    let noise = Double(rng.next() % 20)
                    pixels.append(UInt8(max(0, min(255, base[channel] + wave + noise))))
                }
            }
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    /// A valid 8-bit grayscale PNG (colour type 0), written by hand: Imaging only writes RGB.
    static func grayscalePNG(width: Int, height: Int) -> Data {
        var raw = [UInt8]()
        for y in 0..<height {
            raw.append(0)
            for x in 0..<width { raw.append(UInt8((x * 7 + y * 3) % 256)) }
        }
        var zlib: [UInt8] = [0x78, 0x01, 0x01]
        let length = UInt16(raw.count)
        zlib += [UInt8(length & 0xff), UInt8(length >> 8), UInt8(~length & 0xff), UInt8(~length >> 8)]
        zlib += raw
        var a: UInt32 = 1
        var b: UInt32 = 0
        for byte in raw {
            a = (a + UInt32(byte)) % 65521
            b = (b + a) % 65521
        }
        zlib += bigEndian((b << 16) | a)
        var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        png += chunk("IHDR", bigEndian(UInt32(width)) + bigEndian(UInt32(height)) + [8, 0, 0, 0, 0])
        png += chunk("IDAT", zlib)
        png += chunk("IEND", [])
        return Data(png)
    }

    private static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let body = Array(type.utf8) + data
        return bigEndian(UInt32(data.count)) + body + bigEndian(crc32(body))
    }

    private static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xff), UInt8((value >> 8) & 0xff), UInt8(value & 0xff)]
    }

    private static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xffff_ffff
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xedb8_8320 : crc >> 1 }
        }
        return ~crc
    }

    /// The chunk types of a PNG file, in order.
    static func chunkTypes(_ data: Data) -> [String] {
        let bytes = [UInt8](data)
        var types: [String] = []
        var offset = 8
        while offset + 8 <= bytes.count {
            let length = Int(bytes[offset]) << 24 | Int(bytes[offset + 1]) << 16 | Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
            types.append(String(decoding: bytes[(offset + 4)..<(offset + 8)], as: UTF8.self))
            offset += 12 + length
        }
        return types
    }
}

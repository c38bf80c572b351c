import Foundation
import StudyFiles
import StudyKit

/// A `width`x1 RGB PNG of one colour with a text chunk of `extra` bytes, so that test stimuli differ in size as
/// real ones do. Its pixels are in one stored deflate block, so `StoredPNG.scanlines` reads them back.
enum TestPNG {
    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    static func bytes(extra: Int, red: UInt8 = 128, green: UInt8 = 64, blue: UInt8 = 32, width: UInt8 = 1) -> [UInt8] {
        let ihdr: [UInt8] = [0, 0, 0, width, 0, 0, 0, 1, 8, 2, 0, 0, 0]  // width x 1, 8-bit RGB
        let row: [UInt8] = [0] + Array([[UInt8]](repeating: [red, green, blue], count: Int(width)).joined())
        var (a, b): (UInt32, UInt32) = (1, 0)  // Adler-32
        for byte in row {
            a = (a + UInt32(byte)) % 65_521
            b = (b + a) % 65_521
        }
        let length = UInt8(row.count)
        let idat: [UInt8] = [0x78, 0x01, 0x01, length, 0, ~length, 0xFF] + row + be(b << 16 | a)
        let text = Array("Comment\u{0}".utf8) + [UInt8](repeating: 0x78, count: extra)
        return signature + chunk("IHDR", ihdr) + chunk("tEXt", text) + chunk("IDAT", idat) + chunk("IEND", [])
    }

    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let typeBytes = Array(type.utf8)
        let crc = crc32(typeBytes + data)
        return be(UInt32(data.count)) + typeBytes + data + be(crc)
    }

    static func be(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)] }

    /// Bitwise CRC-32 (deliberately not the server's table version, which the tests check against).
    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            c ^= UInt32(byte)
            for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        }
        return c ^ 0xFFFF_FFFF
    }
}

/// Reads a PNG's chunks and, when its zlib stream is made of stored deflate blocks, its filtered scanlines:
/// what the tests compare between served and built stimuli, with code of their own.
enum StoredPNG {
    /// (type, data) of every chunk after the signature.
    static func chunks(_ data: Data) -> [(String, Data)] {
        let bytes = [UInt8](data)
        var out: [(String, Data)] = []
        var at = 8
        while at + 12 <= bytes.count {
            let length = Int(bytes[at]) << 24 | Int(bytes[at + 1]) << 16 | Int(bytes[at + 2]) << 8 | Int(bytes[at + 3])
            guard at + 12 + length <= bytes.count else { break }
            out.append((String(decoding: bytes[(at + 4)..<(at + 8)], as: UTF8.self), Data(bytes[(at + 8)..<(at + 8 + length)])))
            at += 12 + length
        }
        return out
    }

    /// Every chunk's type and length, every deflate block's header byte and length: the layout.
    static func layout(_ data: Data) -> [String] {
        let chunks = chunks(data)
        var out = chunks.map { "\($0.0)(\($0.1.count))" }
        let idat = [UInt8](chunks.filter { $0.0 == "IDAT" }.flatMap(\.1))
        var at = 2
        while at + 5 <= idat.count {
            let length = Int(idat[at + 1]) | Int(idat[at + 2]) << 8
            out.append("block \(idat[at]) \(length)")
            at += 5 + length
        }
        return out
    }

    /// The scanlines (filter byte, then RGB) of a PNG whose IDAT holds stored deflate blocks; nil otherwise.
    static func scanlines(_ data: Data) -> [UInt8]? {
        let idat = [UInt8](chunks(data).filter { $0.0 == "IDAT" }.flatMap(\.1))
        var raw: [UInt8] = []
        var at = 2
        while at + 5 <= idat.count {
            guard idat[at] & 0b110 == 0 else { return nil }
            let length = Int(idat[at + 1]) | Int(idat[at + 2]) << 8
            guard at + 5 + length <= idat.count else { return nil }
            raw += idat[(at + 5)..<(at + 5 + length)]
            if idat[at] & 1 == 1 { return raw }
            at += 5 + length
        }
        return nil
    }
}

/// A small built study in a temporary folder: manifest.json, small real PNG stimuli named by (made-up) hashes,
/// and a public folder with a dummy index.html. Two tasks, three sequences each; every sequence has
/// one practice, four main and one catch trial.
struct TestStudy {
    static let modelIDs = ["sr3", "bicubic"]
    static let imageIDs = ["face000", "face001", "face002", "face003"]
    static let trialsPerSequence = 6

    let root: URL
    let buildFolder: URL
    let publicFolder: URL
    let manifest: Manifest
    var databasePath: String { root.appendingPathComponent("responses.sqlite").path }

    init(sequencesPerTask: Int = 3, completionCode: String? = nil, redirectURL: String? = nil, assignment: [String: Any]? = nil) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("studyserver-test-\(UUID().uuidString)")
        buildFolder = root.appendingPathComponent("build")
        publicFolder = root.appendingPathComponent("public")
        let stimuliFolder = buildFolder.appendingPathComponent("stimuli")
        try FileManager.default.createDirectory(at: stimuliFolder, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: publicFolder, withIntermediateDirectories: true)
        try Data("<!doctype html><title>test app</title>".utf8).write(to: publicFolder.appendingPathComponent("index.html"))
        try Data("console.log('app')".utf8).write(to: publicFolder.appendingPathComponent("app.js"))
        try Data("secret".utf8).write(to: publicFolder.appendingPathComponent(".hidden"))
        try Data("outside".utf8).write(to: root.appendingPathComponent("outside.txt"))

        var counter = 0
        func stimulus() throws -> StimulusRef {
            counter += 1
            let hash = "cafe" + String(repeating: "0", count: 52) + String(format: "%08x", counter)
            let png = TestPNG.bytes(extra: counter * 37, red: UInt8(counter), green: UInt8(255 - counter))
            try Data(png).write(to: stimuliFolder.appendingPathComponent(hash + ".png"))
            return StimulusRef(file: "stimuli/\(hash).png", sha256: hash)
        }
        var images: [ManifestImage] = []
        var outputs: [ManifestOutput] = []
        for id in Self.imageIDs {
            images.append(
                ManifestImage(
                    id: id, source: id + ".png", sourceSHA256: String(repeating: "a", count: 64),
                    hr: try stimulus(), lr: try stimulus(), catchFoil: try stimulus()))
            for model in Self.modelIDs { outputs.append(ManifestOutput(image: id, model: model, stimulus: try stimulus())) }
        }
        var sequences: [TrialSequence] = []
        for task in ["task1", "task2"] {
            for number in 0..<sequencesPerTask {
                var trials = [
                    DesignTrial(
                        kind: .practice, image: Self.imageIDs[number % 4], model: DesignTrial.catchFoilModel,
                        modelSide: number % 2 == 0 ? .left : .right)
                ]
                for (offset, image) in Self.imageIDs.enumerated() {
                    trials.append(
                        DesignTrial(
                            kind: .main, image: image, model: Self.modelIDs[(offset + number) % 2],
                            modelSide: (offset + number) % 2 == 0 ? .left : .right))
                }
                trials.insert(
                    DesignTrial(
                        kind: .catch, image: Self.imageIDs[(number + 1) % 4], model: DesignTrial.catchFoilModel,
                        modelSide: .right), at: 3)
                sequences.append(TrialSequence(id: String(format: "%@-%03d", task, number), task: task, trials: trials))
            }
        }
        var definitionJSON: [String: Any] = [
            "name": "teststudy", "title": "Test study", "hr_size": 128, "lr_size": 16,
            "images": ["folder": "images"],
            "models": Self.modelIDs.map { ["id": $0, "kind": $0 == "sr3" ? "sr3" : "bicubic"] },
            "exposure_ms": 3000, "exposure_tolerance_ms": 34,
        ]
        var completion: [String: Any] = [:]
        if let completionCode { completion["code"] = completionCode }
        if let redirectURL { completion["redirect_url"] = redirectURL }
        definitionJSON["completion"] = completion
        if let assignment { definitionJSON["assignment"] = assignment }
        let definition = try JSONDecoder().decode(
            StudyDefinition.self, from: try JSONSerialization.data(withJSONObject: definitionJSON))
        manifest = Manifest(
            definition: definition, definitionSHA256: String(repeating: "b", count: 64), builtAt: "2026-11-27T00:00:00Z",
            images: images,
            models: Self.modelIDs.map { ManifestModel(id: $0, kind: $0 == "sr3" ? .sr3 : .bicubic, label: $0.uppercased(), available: true) },
            outputs: outputs, metrics: [], design: TrialDesign(sequences: sequences))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(manifest).write(to: buildFolder.appendingPathComponent(StudyPaths.manifestFileName))
    }

    func remove() { try? FileManager.default.removeItem(at: root) }

    /// A valid answer body for `index`.
    static func answer(
        index: Int, key: String, choice: String = "left", exposureMs: Double = 3001,
        visibilityLost: Bool = false, focusLost: Bool = false
    ) -> [String: Any] {
        [
            "key": key, "index": index, "choice": choice, "response_ms": 640.5, "exposure_ms": exposureMs, "frames": 180,
            "visibility_lost": visibilityLost, "focus_lost": focusLost, "window_w": 1440, "window_h": 900, "dpr": 2,
            "rendered_px": 512,
        ]
    }
}

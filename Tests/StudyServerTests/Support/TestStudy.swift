import Foundation
import StudyKit

/// A small built study in a temporary folder: manifest.json, fake stimuli named by (made-up) hashes,
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

    init(sequencesPerTask: Int = 3, completionCode: String? = nil, redirectURL: String? = nil) throws {
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
            try Data("png bytes \(counter)".utf8).write(to: stimuliFolder.appendingPathComponent(hash + ".png"))
            return StimulusRef(file: "stimuli/\(hash).png", sha256: hash)
        }
        var images: [ManifestImage] = []
        var outputs: [ManifestOutput] = []
        for id in Self.imageIDs {
            images.append(ManifestImage(id: id, source: id + ".png", sourceSHA256: String(repeating: "a", count: 64),
                                        hr: try stimulus(), lr: try stimulus(), catchFoil: try stimulus()))
            for model in Self.modelIDs { outputs.append(ManifestOutput(image: id, model: model, stimulus: try stimulus())) }
        }
        var sequences: [TrialSequence] = []
        for task in ["task1", "task2"] {
            for number in 0..<sequencesPerTask {
                var trials = [DesignTrial(kind: .practice, image: Self.imageIDs[number % 4], model: DesignTrial.catchFoilModel,
                                          modelSide: number % 2 == 0 ? .left : .right)]
                for (offset, image) in Self.imageIDs.enumerated() {
                    trials.append(DesignTrial(kind: .main, image: image, model: Self.modelIDs[(offset + number) % 2],
                                              modelSide: (offset + number) % 2 == 0 ? .left : .right))
                }
                trials.insert(DesignTrial(kind: .catch, image: Self.imageIDs[(number + 1) % 4], model: DesignTrial.catchFoilModel,
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
    static func answer(index: Int, key: String, choice: String = "left", exposureMs: Double = 3001,
                       visibilityLost: Bool = false, focusLost: Bool = false) -> [String: Any] {
        ["key": key, "index": index, "choice": choice, "response_ms": 640.5, "exposure_ms": exposureMs, "frames": 180,
         "visibility_lost": visibilityLost, "focus_lost": focusLost, "window_w": 1440, "window_h": 900, "dpr": 2,
         "rendered_px": 512]
    }
}

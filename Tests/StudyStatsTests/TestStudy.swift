import Foundation
import StudyKit
import StudyStats

/// A manifest for tests, decoded from a small definition like a real build's.
enum TestStudy {
    static func definition(models: [String], exclusions: String = "", margin: Double = 0.1) throws -> StudyDefinition {
        let modelList = models.map { "{\"id\": \"\($0)\", \"kind\": \"bicubic\", \"label\": \"\($0.uppercased())\"}" }
            .joined(separator: ",")
        let json = """
            {"name": "teststudy", "title": "Test study", "seed": 7, "hr_size": 128, "lr_size": 16,
             "images": {"folder": "images"}, "models": [\(modelList)],
             "analysis": {"confidence_level": 0.95, "bootstrap_samples": 400, "equivalence_margin": \(margin)}
             \(exclusions.isEmpty ? "" : ", \"exclusions\": \(exclusions)")}
            """
        return try JSONDecoder().decode(StudyDefinition.self, from: Data(json.utf8))
    }

    static func ref(_ name: String) -> StimulusRef { StimulusRef(file: "stimuli/\(name).png", sha256: "sha-\(name)") }

    static func manifest(models: [String], unavailable: [String] = [], images: Int, exclusions: String = "") throws -> Manifest {
        let all = models + unavailable
        let imageIDs = (0..<images).map(SyntheticStudy.imageID)
        return Manifest(
            definition: try definition(models: all, exclusions: exclusions), definitionSHA256: "def", builtAt: "2026-01-01T00:00:00Z",
            images: imageIDs.map {
                ManifestImage(
                    id: $0, source: "\($0).png", sourceSHA256: "src-\($0)",
                    hr: ref("hr-\($0)"), lr: ref("lr-\($0)"), catchFoil: ref("foil-\($0)"))
            },
            models: models.map { ManifestModel(id: $0, kind: .bicubic, label: $0.uppercased(), available: true) }
                + unavailable.map {
                    ManifestModel(
                        id: $0, kind: .sr3, label: $0.uppercased(), available: false,
                        unavailableReason: "not built")
                },
            outputs: models.flatMap { model in imageIDs.map { ManifestOutput(image: $0, model: model, stimulus: ref("\(model)-\($0)")) } },
            metrics: [], design: TrialDesign(sequences: []))
    }

    static func trial(
        _ participant: String, task: String = "task1", kind: TrialKind = .main, image: String = "img000",
        model: String = "m1", fooled: Bool, side: Side = .left, responseMs: Double = 800,
        flagged: Bool = false, complete: Bool = true, index: Int = 0
    ) -> AnsweredTrial {
        AnsweredTrial(
            participant: participant, session: participant + "-s", sequence: "\(task)-000", task: task,
            trialIndex: index, kind: kind, image: image, model: model, modelSide: side,
            choice: fooled ? side : side.other, responseMs: responseMs, exposureMs: 3000, frames: 180,
            flagged: flagged, sessionComplete: complete, flags: flagged ? ["exposure_deviation"] : [])
    }
}

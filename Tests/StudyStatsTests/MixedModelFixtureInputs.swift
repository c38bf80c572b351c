import Foundation
import StudyKit
import StudyStats

/// The exported trial CSVs that tools/make_lme4_fixtures.R fits with lme4: synthetic crowds of this
/// project (`SyntheticStudy`) written by the project's own export (`TrialExport.csv`, the format of
/// `studyserver export --format csv`). `MixedModelLme4Tests` checks that the committed CSVs are exactly
/// this export, so the lme4 fits were made on the trials the Swift fit sees.
enum MixedModelFixtureInputs {
    struct Input {
        var name: String
        var study: SyntheticStudy
        var seed: UInt64
    }

    static let all: [Input] = [
        Input(
            name: "crowd",
            study: SyntheticStudy(
                tasks: ["task1", "task2"], participantsPerTask: 20, images: 32, imagesPerParticipant: 16,
                sdParticipant: 0.6, sdImage: 1.0, practiceTrials: 2, catchTrials: 4, catchAccuracy: 0.9),
            seed: 11),
        Input(
            name: "paper",
            study: SyntheticStudy(
                tasks: ["task1"], participantsPerTask: 32, images: 48, imagesPerParticipant: 24,
                sdParticipant: 0.4, sdImage: 0.8, practiceTrials: 1, catchTrials: 2),
            seed: 2021),
        Input(
            name: "singular",
            study: SyntheticStudy(
                tasks: ["task1"], models: [("sr3", 0.45), ("regression", 0.3)], participantsPerTask: 20, images: 30,
                imagesPerParticipant: 15, sdParticipant: 0, sdImage: 0.8, practiceTrials: 1, catchTrials: 2),
            seed: 5),
        Input(
            name: "separated",
            study: SyntheticStudy(
                tasks: ["task1"], models: [("sr3", 0.45), ("regression", 0.25), ("bicubic", 0)], participantsPerTask: 20,
                images: 30, imagesPerParticipant: 15, sdParticipant: 0.5, sdImage: 0.8, practiceTrials: 1, catchTrials: 2),
            seed: 3),
    ]

    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/lme4")

    static func csv(_ input: Input) throws -> String {
        let manifest = try input.study.manifest(name: input.name)
        return TrialExport.csv(TrialExport.rows(trials: input.study.trials(seed: input.seed), manifest: manifest))
    }
}

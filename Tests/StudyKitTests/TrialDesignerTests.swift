import Foundation
import SeededRandom
import StudyKit
import XCTest

/// Property tests of the design generator over several definitions and many seeds.
final class TrialDesignerTests: XCTestCase {
    struct Case {
        var images: Int, models: Int, perParticipant: Int, participants: Int, practice: Int, catchRate: Double
    }

    static let cases = [
        Case(images: 31, models: 4, perParticipant: 16, participants: 50, practice: 3, catchRate: 0.1),  // faces16to128
        Case(images: 22, models: 4, perParticipant: 11, participants: 50, practice: 3, catchRate: 0.1),  // natural16to128
        Case(images: 10, models: 3, perParticipant: 4, participants: 5, practice: 2, catchRate: 0.25),
        Case(images: 7, models: 2, perParticipant: 7, participants: 3, practice: 2, catchRate: 0.2),  // every image in every sequence
        Case(images: 5, models: 1, perParticipant: 3, participants: 1, practice: 0, catchRate: 0),
        Case(images: 12, models: 5, perParticipant: 6, participants: 20, practice: 1, catchRate: 0.5),
        Case(images: 3, models: 3, perParticipant: 2, participants: 4, practice: 3, catchRate: 0),
        Case(images: 100, models: 4, perParticipant: 50, participants: 50, practice: 3, catchRate: 0.1),  // the paper's numbers
    ]

    private func design(_ c: Case, seed: UInt64) throws -> (StudyDefinition, DesignPlan, TrialDesign, [String], [String]) {
        let definition = try DefinitionFixtures.definition(
            images: c.images, models: c.models, perParticipant: c.perParticipant,
            participants: c.participants, practice: c.practice, catchRate: c.catchRate)
        let images = (0..<c.images).map { String(format: "img%03d", $0) }
        let models = (0..<c.models).map { "m\($0)" }
        var rng = SeededGenerator(seed: seed)
        let design = try TrialDesigner.makeDesign(definition: definition, images: images, models: models, using: &rng)
        let plan = try DesignPlan(definition: definition, imageCount: c.images, modelCount: c.models)
        return (definition, plan, design, images, models)
    }

    func testBalancePropertiesOverSeeds() throws {
        for c in Self.cases {
            for seed in UInt64(0)..<(c.images >= 100 ? 3 : 12) {
                let (definition, plan, design, images, models) = try design(c, seed: seed)
                let label = "case \(c) seed \(seed)"
                XCTAssertGreaterThanOrEqual(plan.sequencesPerTask, c.participants, label)
                XCTAssertEqual(plan.sequencesPerTask % plan.sequencesPerBlock, 0, label)
                XCTAssertLessThan(plan.sequencesPerTask - plan.sequencesPerBlock, c.participants, "more blocks than needed: \(label)")
                XCTAssertEqual(design.sequences.count, plan.sequencesPerTask * definition.tasks.count, label)
                XCTAssertEqual(Set(design.sequences.map(\.id)).count, design.sequences.count, label)

                let balance = DesignBalance(design: design, taskIDs: definition.tasks.map(\.id), images: images, models: models)
                for task in balance.tasks {
                    XCTAssertEqual(task.sequences, plan.sequencesPerTask, label)
                    XCTAssertEqual(task.mainPerSequence, .init(min: c.perParticipant, max: c.perParticipant), label)
                    XCTAssertEqual(task.catchPerSequence, .init(min: plan.catchTrials, max: plan.catchTrials), label)
                    XCTAssertEqual(task.practicePerSequence, .init(min: c.practice, max: c.practice), label)
                    XCTAssertEqual(task.cellViews, .init(min: plan.viewsPerCellPerTask, max: plan.viewsPerCellPerTask), label)
                    XCTAssertEqual(task.sequencesRepeatingMainImages, 0, label)
                    XCTAssertEqual(task.sequencesWithLatePractice, 0, label)
                    XCTAssertLessThanOrEqual(task.maxSideImbalance, 1, label)
                    XCTAssertLessThanOrEqual(task.maxModelSideImbalance, 1, label)
                    XCTAssertLessThanOrEqual(task.maxCatchSideImbalance, 1, label)
                    XCTAssertLessThanOrEqual(task.maxPracticeSideImbalance, 1, label)
                    // Each model gets about k / m trials of a sequence.
                    XCTAssertGreaterThanOrEqual(task.modelTrialsPerSequence.min, c.perParticipant / c.models - 1, label)
                    XCTAssertLessThanOrEqual(task.modelTrialsPerSequence.max, (c.perParticipant + c.models - 1) / c.models + 1, label)
                    if c.images >= c.perParticipant + plan.catchTrials + c.practice {
                        XCTAssertEqual(task.sequencesReusingImagesOutsideMain, 0, label)
                    }
                }
                try assertEveryBlockIsBalanced(design: design, plan: plan, tasks: definition.tasks.map(\.id), label: label)
                assertTrialShapes(design, definition: definition, models: models, label: label)
            }
        }
    }

    private func assertEveryBlockIsBalanced(design: TrialDesign, plan: DesignPlan, tasks: [String], label: String) throws {
        for task in tasks {
            let sequences = design.sequences(task: task)
            for block in 0..<plan.blocks {
                var views: [String: Int] = [:]
                for sequence in sequences[(block * plan.sequencesPerBlock)..<((block + 1) * plan.sequencesPerBlock)] {
                    for trial in sequence.trials where trial.kind == .main { views["\(trial.image)/\(trial.model)", default: 0] += 1 }
                }
                XCTAssertEqual(views.count, plan.images * plan.models, label)
                XCTAssertEqual(Set(views.values), [plan.viewsPerCellPerBlock], "\(label) task \(task) block \(block)")
            }
        }
    }

    private func assertTrialShapes(_ design: TrialDesign, definition: StudyDefinition, models: [String], label: String) {
        for sequence in design.sequences {
            XCTAssertTrue(sequence.id.hasPrefix(sequence.task + "-"), label)
            XCTAssertTrue(definition.tasks.contains { $0.id == sequence.task }, label)
            for trial in sequence.trials {
                if trial.kind == .main {
                    XCTAssertTrue(models.contains(trial.model), label)
                } else {
                    XCTAssertEqual(trial.model, DesignTrial.catchFoilModel, label)
                }
            }
            XCTAssertNotEqual(sequence.trials.last?.kind, .practice, label)
        }
    }

    func testPapersNumbersRoundUpToACompleteBlockAndSaySo() throws {
        let (_, plan, _, _, _) = try design(Self.cases[0], seed: 0)
        XCTAssertEqual(plan.sequencesPerBlock, 31)  // 31 images x 4 models / gcd(124, 16)
        XCTAssertEqual(plan.blocks, 2)
        XCTAssertEqual(plan.sequencesPerTask, 62)
        XCTAssertEqual(plan.viewsPerCellPerTask, 8)
        XCTAssertEqual(plan.catchTrials, 2)
        XCTAssertTrue(plan.summary.contains("rounded up to 62"), plan.summary)
    }

    func testSameSeedSameDesignOtherSeedOtherDesign() throws {
        let c = Self.cases[2]
        let (_, _, a, _, _) = try design(c, seed: 7)
        let (_, _, b, _, _) = try design(c, seed: 7)
        let (_, _, other, _, _) = try design(c, seed: 8)
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(a, other)
        // Tasks are designed independently: task2 is not a copy of task1.
        XCTAssertNotEqual(a.sequences(task: "task1").map(\.trials), a.sequences(task: "task2").map(\.trials))
    }

    func testEarlySequencesAreNearlyBalancedBeforeABlockCompletes() throws {
        let (_, plan, design, _, _) = try design(Self.cases[0], seed: 3)
        let first = design.sequences(task: "task1").prefix(plan.sequencesPerBlock / 2)
        var views: [String: Int] = [:]
        for sequence in first { for trial in sequence.trials where trial.kind == .main { views["\(trial.image)/\(trial.model)", default: 0] += 1 } }
        let counts = views.values
        XCTAssertLessThanOrEqual((counts.max() ?? 0) - (counts.min() ?? 0), 1)
    }

    func testImpossibleNumbersAreRejectedNamingTheField() throws {
        let definition = try DefinitionFixtures.definition(images: 5, models: 2, perParticipant: 6, participants: 3)
        var rng = SeededGenerator(seed: 1)
        XCTAssertThrowsError(
            try TrialDesigner.makeDesign(definition: definition, images: ["a", "b", "c", "d", "e"], models: ["x", "y"], using: &rng)
        ) { error in
            guard let error = error as? DesignError else { return XCTFail("\(error)") }
            XCTAssertEqual(error.field, "images_per_participant")
            XCTAssertTrue(error.problem.contains("5 source images"), error.problem)
        }
        XCTAssertThrowsError(try TrialDesigner.makeDesign(definition: definition, images: ["a"], models: [], using: &rng))
        XCTAssertThrowsError(try TrialDesigner.makeDesign(definition: definition, images: ["a", "a"], models: ["x"], using: &rng))
        var huge = try DefinitionFixtures.definition(images: 5, models: 2, perParticipant: 2, participants: 3)
        huge.participantsPerTask = Int.max
        XCTAssertThrowsError(try DesignPlan(definition: huge, imageCount: 5, modelCount: 2)) { error in
            XCTAssertEqual((error as? DesignError)?.field, "participants_per_task", "\(error)")
        }
    }
}

/// The design must be the same wherever and whenever it is built from the same definition and seed:
/// this pins the generator's output (a change here changes every built study's design; do it on purpose).
final class TrialDesignerStabilityTests: XCTestCase {
    func testDesignForAFixedSeedIsPinned() throws {
        let definition = try DefinitionFixtures.definition(
            images: 6, models: 3, perParticipant: 4, participants: 3,
            practice: 1, catchRate: 0.25)
        let images = (0..<6).map { "img\($0)" }
        var rng = SeededGenerator(seed: 2021, stream: "design")
        let design = try TrialDesigner.makeDesign(definition: definition, images: images, models: ["a", "b", "c"], using: &rng)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let first = design.sequences[0].trials.map { "\($0.kind.rawValue.prefix(1))\($0.image)\($0.model)\($0.modelSide.rawValue.prefix(1))" }
        XCTAssertEqual(
            ContentHash.sha256Hex(try encoder.encode(design)), "be44c19ede5a6feee1f6688a8c91adb5f479d52e5828e60f0fff7e2275e621db",
            "first sequence: \(first)")
    }

    func testGeneratorStreamIsPinned() {
        var rng = SeededGenerator(seed: 42)
        // xoshiro256** seeded by SplitMix64, as Vigna's reference code (values computed independently).
        XCTAssertEqual((0..<3).map { _ in rng.next() }, [1_546_998_764_402_558_742, 6_990_951_692_964_543_102, 12_544_586_762_248_559_009])
    }
}

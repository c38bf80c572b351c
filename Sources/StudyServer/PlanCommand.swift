import ArgumentParser
import Foundation
import StudyKit
import StudyStats

struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Participants needed for a target half-width of the primary fool-rate interval, by simulation.",
        discussion: """
            With --sd-participant and --sd-image (logit scale) and --fool-rate, simulates studies with those \
            variance components; otherwise estimates them from the pilot answers in the database, per task and \
            model. Image variability is not reduced by adding participants: when the target is out of reach, \
            add images.
            """)

    @OptionGroup var inputs: StudyDataOptions

    @Option(help: "Target half-width of the primary interval, e.g. 0.05 for ±5 percentage points.")
    var halfWidth: Double

    @Option(help: "Logit-scale standard deviation of participant effects (with --sd-image and --fool-rate: no pilot data).")
    var sdParticipant: Double?

    @Option(help: "Logit-scale standard deviation of image effects.")
    var sdImage: Double?

    @Option(help: "Expected population fool rate (default with stated components: 0.4).")
    var foolRate: Double?

    @Option(help: "Images in the study (default: the study's, else 100).")
    var images: Int?

    @Option(help: "Images each participant sees (default: the study's images_per_participant, else 50).")
    var imagesPerParticipant: Int?

    @Option(help: "Simulated studies per participant count.")
    var studies = 200

    @Option(name: .customLong("bootstrap"), help: "Bootstrap replicates per simulated study.")
    var bootstrap = 200

    @Option(help: "Confidence level (default: the study's analysis.confidence_level, else 0.95).")
    var level: Double?

    @Option(help: "Largest number of participants to consider.")
    var maxParticipants = 1000

    @Option(help: "Seed of the simulation.")
    var seed: UInt64 = 1

    func validate() throws {
        guard halfWidth > 0, halfWidth < 0.5 else { throw ValidationError("--half-width must be in (0, 0.5), e.g. 0.05") }
        if (sdParticipant == nil) != (sdImage == nil) {
            throw ValidationError("give both --sd-participant and --sd-image, or neither (then the pilot data is used)")
        }
        if let f = foolRate, !(f > 0 && f < 1) { throw ValidationError("--fool-rate must be in (0, 1)") }
        if let sd = sdParticipant, sd < 0 { throw ValidationError("--sd-participant must not be negative") }
        if let sd = sdImage, sd < 0 { throw ValidationError("--sd-image must not be negative") }
        if studies < 10 || bootstrap < 20 { throw ValidationError("use at least --studies 10 and --bootstrap 20") }
        if maxParticipants < 2 { throw ValidationError("--max-participants must be at least 2") }
    }

    static func exclusionRisk(_ definition: StudyDefinition, imagesPerParticipant: Int) -> ExclusionRisk {
        ExclusionRisk(
            rules: definition.exclusions, catchTrials: definition.catchTrialsPerSequence,
            answeredTrials: imagesPerParticipant + definition.catchTrialsPerSequence,
            participants: definition.participantsPerTask * definition.tasks.count)
    }

    func run() async throws {
        var scenarios: [(name: String, scenario: PlanScenario)] = []
        var confidence = level ?? AnalysisSettings.defaultConfidenceLevel
        var risk: ExclusionRisk?
        if let sdParticipant, let sdImage {
            let manifest = try? inputs.loadManifest()
            if level == nil, let manifest { confidence = manifest.definition.analysis.confidenceLevel }
            let n = images ?? manifest?.images.count ?? 100
            let m = imagesPerParticipant ?? manifest.map { min($0.definition.imagesPerParticipant, n) } ?? 50
            risk = manifest.map { Self.exclusionRisk($0.definition, imagesPerParticipant: m) }
            try checkDesign(images: n, perParticipant: m)
            scenarios.append(
                (
                    "stated",
                    PlanScenario(
                        foolRate: foolRate ?? 0.4, sdParticipant: sdParticipant,
                        sdImage: sdImage, images: n, imagesPerParticipant: m)
                ))
        } else {
            let data = try await inputs.load()
            let definition = data.manifest.definition
            if level == nil { confidence = definition.analysis.confidenceLevel }
            let kept = Exclusions.apply(data.trials, rules: definition.exclusions, exposureMs: definition.exposureMs).keptMain
            let n = images ?? data.manifest.images.count
            let m = imagesPerParticipant ?? min(definition.imagesPerParticipant, n)
            risk = Self.exclusionRisk(definition, imagesPerParticipant: m)
            try checkDesign(images: n, perParticipant: m)
            for task in definition.tasks.map(\.id) {
                for model in data.manifest.models.map(\.id) {
                    let pilot = kept.filter { $0.task == task && $0.model == model }
                    guard var scenario = PlanScenario.estimate(fromPilot: pilot, images: n, imagesPerParticipant: m) else { continue }
                    if let foolRate { scenario.foolRate = foolRate }
                    scenarios.append(("\(task)/\(model) (pilot: \(pilot.count) trials)", scenario))
                }
            }
            if scenarios.isEmpty {
                throw ServerCommandError(
                    """
                    the pilot data in \(data.databasePath) has no usable main trials (none, or all fooled / none fooled); \
                    state the components instead: --sd-participant 0.5 --sd-image 0.8 --fool-rate 0.4
                    """)
            }
        }
        var lines: [String] = [
            "Target: primary \(Int((confidence * 100).rounded()))% interval half-width <= \(halfWidth) "
                + "(\(studies) simulated studies per size, bootstrap B = \(bootstrap), seed \(seed))."
        ]
        var worst: Int? = 0
        for (name, scenario) in scenarios {
            let result = await SamplePlanner.plan(
                scenario, targetHalfWidth: halfWidth, level: confidence, studies: studies,
                bootstrapSamples: bootstrap, maxParticipants: maxParticipants, seed: seed)
            lines.append("")
            lines.append(
                String(
                    format: "%@: fool rate %.3f, sd participant %.2f, sd image %.2f (logit), %d images, %d per participant",
                    name, scenario.foolRate, scenario.sdParticipant, scenario.sdImage, scenario.images,
                    scenario.imagesPerParticipant))
            for point in result.points {
                lines.append(String(format: "  %5d participants: mean half-width %.4f", point.participants, point.meanHalfWidth))
            }
            if let needed = result.participantsNeeded {
                lines.append("  => \(needed) participants")
                if let w = worst { worst = max(w, needed) }
            } else {
                lines.append("  => not reached with \(maxParticipants) participants: image variability dominates; add images")
                worst = nil
            }
        }
        if scenarios.count > 1 {
            lines.append("")
            lines.append(
                worst.map { "Participants needed for every task and model: \($0)" }
                    ?? "The target is out of reach for at least one task and model with these images.")
        }
        if let risk {
            lines.append("")
            lines.append(contentsOf: risk.describe(indent: ""))
            if let needed = worst, needed > 0, risk.combined < 1 {
                let recruit = Int((Double(needed) / (1 - risk.combined)).rounded(.up))
                lines.append("Recruit about \(recruit) to keep \(needed) after the declared exclusions of attentive participants.")
            }
        }
        print(lines.joined(separator: "\n"))
    }

    private func checkDesign(images: Int, perParticipant: Int) throws {
        guard images >= 2, perParticipant >= 1, perParticipant <= images else {
            throw ValidationError("need at least 2 images and 1...images per participant (got \(images) and \(perParticipant))")
        }
    }
}

import Foundation
import SR3Core
import StudyFiles
import StudyKit

/// `studygen check`: validates a definition and its inputs without building, and describes what a build would do.
public enum StudyCheck {
    /// Throws the first problem as one `StudyError`; returns the description `studygen check` prints.
    public static func check(_ paths: StudyPaths) throws -> String {
        let inputs = try StudyInputs.load(paths)
        return describe(inputs)
    }

    static func describe(_ inputs: StudyInputs) -> String {
        let d = inputs.definition
        var lines = ["\(StudyError.displayPath(inputs.file.url)): OK (\(d.title))"]
        let folder = StudyError.displayPath(inputs.file.resolve(d.images.folder))
        lines.append("  images: \(inputs.images.count) PNGs from \(folder), shown at \(d.hrSize)x\(d.hrSize), LR \(d.lrSize)x\(d.lrSize)")
        lines.append("  models:")
        let width = inputs.models.map(\.id.count).max() ?? 0
        for model in inputs.models {
            lines.append("    \(model.id.padding(toLength: width, withPad: " ", startingAt: 0))  \(describe(model, inputs: inputs))")
        }
        let tasks = d.tasks.map { "\($0.id) (\($0.showInput ? "with" : "without") the LR input)" }
        lines.append("  tasks: \(tasks.joined(separator: ", ")), between subjects")
        let plan = inputs.plan
        lines.append("  design: \(plan.summary)")
        lines.append(
            "    \(plan.trialsPerSequence) trials per sequence: \(plan.practiceTrials) practice, \(plan.imagesPerSequence) main, \(plan.catchTrials) catch"
        )
        if let css = d.display.cssPxPerImagePx {
            lines.append(
                "  exposure \(d.exposureMs) ms, images shown at about \(Int((css * Double(d.hrSize)).rounded())) CSS px on every screen "
                    + "(the whole number of screen px per image px nearest \(String(format: "%g", css)) x DPR), input \(d.display.input.rawValue)")
        } else {
            lines.append(
                "  exposure \(d.exposureMs) ms, images shown at \(d.displayScale) screen px per image px (\(d.displayScale * d.hrSize) px, input \(d.display.input.rawValue))"
            )
        }
        let minutes = SessionTextFacts.expectedMinutes(
            trials: plan.trialsPerSequence, fixationMs: d.display.fixationMs, exposureMs: d.exposureMs)
        lines.append("  session: about \(minutes) minutes (what \(SessionTextFacts.minutesPlaceholder) in the texts becomes)")
        for contradiction in SessionTextFacts.contradictions(in: d.texts, expectedMinutes: minutes) {
            lines.append("  warning: \(contradiction)")
        }
        let risk = ExclusionRisk(
            rules: d.exclusions, catchTrials: plan.catchTrials,
            answeredTrials: plan.imagesPerSequence + plan.catchTrials, participants: d.participantsPerTask * d.tasks.count)
        lines.append(contentsOf: risk.describe())
        return lines.joined(separator: "\n")
    }

    static func describe(_ model: ResolvedModel, inputs: StudyInputs) -> String {
        let spec = model.spec
        switch spec.kind {
        case .bicubic:
            return "bicubic (plain bicubic from the LR)"
        case .regression, .sr3:
            let path = model.checkpointURL.map(StudyError.displayPath) ?? spec.checkpoint ?? "?"
            let net = model.network.map { "\($0.lrSize)->\($0.hrSize)" } ?? ""
            var text = "\(spec.kind.rawValue), checkpoint \(path) (\(net))"
            if spec.kind == .sr3 {
                text +=
                    ", \(spec.samplerOrDefault.rawValue) \(model.sampling?.steps ?? spec.stepsOrDefault) steps, projection \(spec.projectionOrDefault ? "on" : "off"), seed \(spec.effectiveSeed(in: inputs.definition))"
                if let sampling = model.sampling, sampling.schedule != nil { text += ", the checkpoint's schedule: \(sampling.scheduleSummary)" }
            }
            if let upsampler = model.network?.checkpoint.conditioning, upsampler != .torchBicubic { text += ", conditioning \(upsampler.rawValue)" }
            return text
        case .external:
            let folder = StudyError.displayPath(inputs.file.resolve(spec.folder ?? ""))
            return "external, \(model.externalOutputs.count) outputs in \(folder)"
        }
    }
}

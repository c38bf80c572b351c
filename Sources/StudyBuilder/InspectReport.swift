import Foundation
import StudyKit

/// `studygen inspect`: a built study's models, metrics, design and the design's balance, as text.
public enum InspectReport {
    /// `sequences`: how many sequences of each task to print trial by trial.
    public static func text(_ manifest: Manifest, sequences shown: Int = 1) -> String {
        var lines: [String] = []
        let d = manifest.definition
        lines.append("\(d.name): \(d.title)")
        lines.append("built \(manifest.builtAt), definition sha256 \(manifest.definitionSHA256.prefix(12))")
        let stimuli = Set(manifest.images.flatMap { [$0.hr.file, $0.lr.file, $0.catchFoil.file] } + manifest.outputs.map(\.stimulus.file))
        lines.append(
            "\(manifest.images.count) images (\(d.hrSize)x\(d.hrSize) from \(d.lrSize)x\(d.lrSize)), \(manifest.outputs.count) model outputs, \(stimuli.count) stimuli"
        )

        lines.append("")
        lines.append("models:")
        let width = manifest.models.map(\.id.count).max() ?? 0
        for model in manifest.models {
            let id = model.id.padding(toLength: width, withPad: " ", startingAt: 0)
            guard model.available else {
                lines.append("  \(id)  UNAVAILABLE: \(model.unavailableReason ?? "no reason given")")
                continue
            }
            var text = "  \(id)  \(model.kind.rawValue), \"\(model.label)\""
            if let sha = model.checkpointSHA256 { text += ", checkpoint \(model.checkpoint ?? "?") sha256 \(sha.prefix(12))" }
            let settings = model.settings.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            if !settings.isEmpty { text += "\n  \(String(repeating: " ", count: width))    " + settings.joined(separator: ", ") }
            lines.append(text)
        }

        lines.append("")
        lines.append("metrics (mean over images; PSNR/SSIM against the HR, consistency = MSE x1e-5 to the LR):")
        lines.append("  " + "model".padding(toLength: max(width, 5), withPad: " ", startingAt: 0) + "   PSNR    SSIM  consistency  images")
        for row in manifest.metrics {
            let name = row.model.padding(toLength: max(width, 5), withPad: " ", startingAt: 0)
            lines.append("  \(name)  " + String(format: "%6.2f  %6.3f  %11.2f  %6d", row.psnr, row.ssim, row.consistency, row.images))
        }

        let available = manifest.models.filter(\.available).map(\.id)
        let balance = DesignBalance(design: manifest.design, taskIDs: d.tasks.map(\.id), images: manifest.images.map(\.id), models: available)
        lines.append("")
        lines.append("design (tasks between subjects; one sequence per participant):")
        if let plan = try? DesignPlan(definition: d, imageCount: manifest.images.count, modelCount: available.count) {
            lines.append("  \(plan.summary)")
        }
        for task in balance.tasks {
            let spec = d.tasks.first { $0.id == task.task }
            lines.append(
                "  \(task.task) (\(spec?.showInput == true ? "LR input shown" : "no input")): \(task.sequences) sequences for \(d.participantsPerTask) planned participants"
            )
            lines.append(
                "    trials per sequence \(task.trialsPerSequence): practice \(task.practicePerSequence), main \(task.mainPerSequence), catch \(task.catchPerSequence)"
            )
            lines.append(
                "    views per (image, model) cell: min \(task.cellViews.min), max \(task.cellViews.max); trials per model in a sequence: \(task.modelTrialsPerSequence)"
            )
            lines.append(
                "    left/right per participant: max |left - right| \(task.maxSideImbalance) (main), \(task.maxModelSideImbalance) (per model), \(task.maxCatchSideImbalance) (catch), \(task.maxPracticeSideImbalance) (practice)"
            )
            lines.append(
                "    sequences repeating a main image: \(task.sequencesRepeatingMainImages); reusing a main image in catch/practice: \(task.sequencesReusingImagesOutsideMain)"
            )
            for sequence in manifest.design.sequences(task: task.task).prefix(max(shown, 0)) {
                lines.append("    \(sequence.id): " + sequence.trials.map(describe).joined(separator: " "))
            }
        }
        if shown > 0 {
            lines.append("  (trials: P = practice, M = main, C = catch; image, then model or foil and the side it is on)")
        }
        return lines.joined(separator: "\n")
    }

    static func describe(_ trial: DesignTrial) -> String {
        let kind: String
        switch trial.kind {
        case .practice: kind = "P"
        case .main: kind = "M"
        case .catch: kind = "C"
        }
        let what = trial.kind == .main ? trial.model : "foil"
        return "\(kind)(\(trial.image) \(what) \(trial.modelSide == .left ? "L" : "R"))"
    }
}

import Foundation

/// Checks the values of a decoded definition (ranges, required keys per model kind, unique ids).
/// Inputs on disk (images, checkpoints, external folders) are checked by the builder.
enum DefinitionValidation {
    /// Ids appear in URLs, database rows and file names: keep them to a safe alphabet.
    static func isSafeID(_ id: String) -> Bool {
        !id.isEmpty && id.count <= 64
            && id.unicodeScalars.allSatisfy {
                ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_" || $0 == "-" || $0 == "."
            }
    }

    /// The largest hr_size: stimuli are PNGs of at most 2^26 pixels (8192 x 8192).
    static let maxHRSize = 8192

    static func validate(_ file: StudyDefinitionFile) throws {
        let d = file.definition
        func require(_ ok: Bool, _ field: String, _ problem: String, _ fix: String) throws {
            if !ok { throw file.error(field: field, problem: problem, fix: fix) }
        }
        try require(!d.name.trimmingCharacters(in: .whitespaces).isEmpty, "name", "the study has no name", "write `name: <study name>`")
        try require(d.lrSize >= 1, "lr_size", "lr_size is \(d.lrSize)", "use a positive size in pixels, e.g. 16")
        try require(
            d.hrSize >= 11, "hr_size", "hr_size \(d.hrSize) is below 11 pixels, too small for SSIM's 11x11 window",
            "use hr_size 11 or more (the paper: 128)")
        try require(
            d.hrSize <= maxHRSize, "hr_size", "hr_size \(d.hrSize) is above \(maxHRSize) pixels, more than a PNG stimulus may hold",
            "use hr_size \(maxHRSize) or less (the paper: 128)")
        try require(
            d.lrSize < d.hrSize, "lr_size", "lr_size \(d.lrSize) is not smaller than hr_size \(d.hrSize)",
            "super-resolution goes from a small lr_size up to a larger hr_size (e.g. 16 -> 128)")
        try require(!d.images.folder.isEmpty, "images.folder", "no image folder is given", "write `folder: <path to source images>` under `images:`")
        if let limit = d.images.limit {
            try require(limit >= 1, "images.limit", "limit is \(limit)", "use a positive number of images, or remove `limit` to use all")
        }
        try validateModels(file)
        try validateTasks(file)
        try require(d.exposureMs > 0, "exposure_ms", "exposure_ms is \(d.exposureMs)", "use a positive duration in milliseconds (the paper: 3000)")
        try require(d.exposureToleranceMs >= 0, "exposure_tolerance_ms", "exposure_tolerance_ms is negative", "use 0 or more milliseconds, e.g. 34")
        try require(
            d.imagesPerParticipant >= 1, "images_per_participant", "images_per_participant is \(d.imagesPerParticipant)",
            "use at least 1 (the paper: 50 of 100 images)")
        try require(
            d.participantsPerTask >= 1 && d.participantsPerTask <= DesignPlan.maxSequencesPerTask, "participants_per_task",
            "participants_per_task is \(d.participantsPerTask)", "use 1 to \(DesignPlan.maxSequencesPerTask)")
        try require(d.practiceTrials >= 0 && d.practiceTrials <= 50, "practice_trials", "practice_trials is \(d.practiceTrials)", "use 0 to 50")
        if let practiceModel = d.practiceModel {
            try require(
                d.models.contains { $0.id == practiceModel }, "practice_model",
                "practice_model `\(practiceModel)` is not one of the models",
                "use the id of a model listed under `models` (an easy one, e.g. bicubic), or remove it for catch-foil practice")
        }
        try require(
            d.catchRate >= 0 && d.catchRate <= 1, "catch_rate", "catch_rate is \(d.catchRate)",
            "use a fraction of main trials between 0 and 1, e.g. 0.1")
        try validateDisplay(file)
        if let accuracy = d.exclusions.minCatchAccuracy {
            try require(
                accuracy >= 0 && accuracy <= 1, "exclusions.min_catch_accuracy", "min_catch_accuracy is \(accuracy)",
                "use a fraction between 0 and 1 (e.g. 0.75), or null for no rule")
        }
        if let minimum = d.exclusions.minResponseMs {
            try require(minimum >= 0, "exclusions.min_response_ms", "min_response_ms is negative", "use 0 or more milliseconds, or null for no rule")
        }
        try require(
            d.exclusions.oneSidedShare > 0.5 && d.exclusions.oneSidedShare <= 1, "exclusions.one_sided_share",
            "one_sided_share is \(d.exclusions.oneSidedShare)", "use a share above 0.5 and at most 1, e.g. 0.9")
        try require(
            d.exclusions.oneSidedMinTrials >= 1, "exclusions.one_sided_min_trials",
            "one_sided_min_trials is \(d.exclusions.oneSidedMinTrials)", "use 1 or more answers, e.g. 10")
        if let q = d.exclusions.foolRateFDR {
            try require(
                q > 0 && q < 1, "exclusions.fool_rate_fdr", "fool_rate_fdr is \(q)",
                "use a false discovery rate above 0 and below 1, e.g. 0.05, or null for no screening")
        }
        try require(
            d.exclusions.foolRateSD >= 0 && d.exclusions.foolRateSD <= 5, "exclusions.fool_rate_sd",
            "fool_rate_sd is \(d.exclusions.foolRateSD)", "use a standard deviation on the logit scale between 0 and 5, e.g. 1")
        try require(
            d.exclusions.maxFocusLosses >= 1, "exclusions.max_focus_losses",
            "max_focus_losses is \(d.exclusions.maxFocusLosses)", "use 1 or more trials, e.g. 3")
        try require(
            d.analysis.confidenceLevel > 0 && d.analysis.confidenceLevel < 1, "analysis.confidence_level",
            "confidence_level is \(d.analysis.confidenceLevel)", "use a fraction between 0 and 1, e.g. 0.95")
        try require(d.analysis.bootstrapSamples >= 0, "analysis.bootstrap_samples", "bootstrap_samples is negative", "use 0 or more, e.g. 10000")
        try require(
            d.analysis.equivalenceMargin > 0 && d.analysis.equivalenceMargin < 0.5, "analysis.equivalence_margin",
            "equivalence_margin is \(d.analysis.equivalenceMargin)", "use a fraction between 0 and 0.5, e.g. 0.1")
        try require(
            d.assignment.abandonAfterMinutes > 0, "assignment.abandon_after_minutes",
            "abandon_after_minutes is \(d.assignment.abandonAfterMinutes)", "use a positive number of minutes, e.g. 30")
        if let pattern = d.assignment.participantIDPattern {
            try require(
                ParticipantIdentifier.idPattern(pattern) != nil, "assignment.participant_id_pattern",
                "participant_id_pattern `\(pattern)` is not a regular expression",
                "use a regular expression the whole id must match, e.g. '[0-9a-f]{24}' for Prolific ids")
        }
    }

    private static func validateDisplay(_ file: StudyDefinitionFile) throws {
        let d = file.definition
        let display = d.display
        if let factor = display.devicePxPerImagePx {
            guard (1...16).contains(factor) else {
                throw file.error(
                    field: "display.device_px_per_image_px", problem: "device_px_per_image_px is \(factor)",
                    fix: "use a whole number of screen pixels per image pixel from 1 to 16, e.g. 2")
            }
            if let imagePx = display.imagePx, imagePx != factor * d.hrSize {
                throw file.error(
                    field: "display.image_px",
                    problem:
                        "image_px \(imagePx) contradicts device_px_per_image_px \(factor) (hr_size \(d.hrSize) x \(factor) = \(factor * d.hrSize))",
                    fix: "remove the old `image_px` key; `device_px_per_image_px` alone sets the size")
            }
        } else if let imagePx = display.imagePx, display.scale(hrSize: d.hrSize) == nil {
            let suggestion = max(1, Int((Double(imagePx) / Double(d.hrSize)).rounded()))
            throw file.error(
                field: "display.image_px",
                problem:
                    "image_px \(imagePx) is not a whole multiple of hr_size \(d.hrSize): images are now shown by pixel replication at a whole number of screen pixels per image pixel",
                fix: "replace it with `device_px_per_image_px: \(suggestion)` (\(suggestion * d.hrSize) screen pixels per image)")
        }
        if let css = display.cssPxPerImagePx {
            guard css.isFinite, css >= 0.5, css <= 16 else {
                throw file.error(
                    field: "display.css_px_per_image_px", problem: "css_px_per_image_px is \(css)",
                    fix: "use CSS pixels per image pixel from 0.5 to 16, e.g. 2 (a 128-pixel image about 256 CSS px wide)")
            }
            guard display.devicePxPerImagePx == nil, display.imagePx == nil else {
                throw file.error(
                    field: "display.css_px_per_image_px",
                    problem: "css_px_per_image_px and \(display.devicePxPerImagePx != nil ? "device_px_per_image_px" : "image_px") both set the size",
                    fix: "keep one: css_px_per_image_px for the same physical size on every screen, device_px_per_image_px for the same screen pixels"
                )
            }
        }
        if display.input == .bicubic && !d.models.contains(where: { $0.kind == .bicubic }) {
            throw file.error(
                field: "display.input", problem: "input `bicubic` shows the bicubic model's upsample, but no model has kind bicubic",
                fix: "add a model `- id: bicubic` with `kind: bicubic`, or use `input: pixelated`")
        }
        try require(display.gapPx >= 0, "display.gap_px", "gap_px is negative", "use 0 or more CSS pixels", file)
        try require(display.fixationMs >= 0, "display.fixation_ms", "fixation_ms is negative", "use 0 or more milliseconds", file)
        try require(
            (0...10_000).contains(display.minWindowWidth), "display.min_window_width",
            "min_window_width is \(display.minWindowWidth)", "use 0 to 10000 CSS pixels, e.g. 900", file)
        try require(
            display.allowedDPRs.allSatisfy { $0.isFinite && $0 >= 0.25 && $0 <= 8 },
            "display.allowed_dprs", "allowed_dprs is \(display.allowedDPRs)",
            "list devicePixelRatios between 0.25 and 8, e.g. [1, 1.25, 2, 3] (where Chromium was measured pixel-exact), or [] for every ratio",
            file)
        try require(
            (0...10_000).contains(display.minWindowHeight), "display.min_window_height",
            "min_window_height is \(display.minWindowHeight)", "use 0 to 10000 CSS pixels, e.g. 500", file)
    }

    private static func require(_ ok: Bool, _ field: String, _ problem: String, _ fix: String, _ file: StudyDefinitionFile) throws {
        if !ok { throw file.error(field: field, problem: problem, fix: fix) }
    }

    private static func validateModels(_ file: StudyDefinitionFile) throws {
        let models = file.definition.models
        guard !models.isEmpty else {
            throw file.error(
                field: "models", problem: "no models are listed", fix: "list at least one model, e.g. `- id: bicubic` with `kind: bicubic`")
        }
        var seen: [String: Int] = [:]
        for (index, model) in models.enumerated() {
            let field = "models[\(index)]"
            func fail(_ key: String, _ problem: String, _ fix: String) -> StudyError {
                file.error(field: "\(field).\(key)", problem: "model `\(model.id)`: \(problem)", fix: fix)
            }
            guard isSafeID(model.id) else {
                throw fail("id", "the id is not usable", "use 1-64 letters, digits, `_`, `-` or `.`, e.g. `sr3_projected`")
            }
            guard model.id != DesignTrial.catchFoilModel else {
                throw fail("id", "`\(DesignTrial.catchFoilModel)` is reserved for the catch trials' foil", "choose another id")
            }
            if let first = seen[model.id] {
                throw fail("id", "the id is also used by models[\(first)]", "give every model its own id")
            }
            seen[model.id] = index
            if model.usesCheckpoint {
                guard let checkpoint = model.checkpoint, !checkpoint.isEmpty else {
                    throw fail(
                        "checkpoint", "kind \(model.kind.rawValue) needs a checkpoint",
                        "add `checkpoint: <path to .safetensors>` (relative to study.yaml)")
                }
            } else if model.checkpoint != nil {
                throw fail("checkpoint", "kind \(model.kind.rawValue) takes no checkpoint", "remove `checkpoint`, or use kind sr3 or regression")
            }
            if model.kind == .external {
                guard let folder = model.folder, !folder.isEmpty else {
                    throw fail(
                        "folder", "kind external needs the folder of its outputs",
                        "add `folder: <path>` with one PNG per source image, named like the source")
                }
            } else if model.folder != nil {
                throw fail("folder", "only kind external takes a folder", "remove `folder`, or use kind external")
            }
            if model.kind != .sr3 {
                for (key, present) in [
                    ("sampler", model.sampler != nil), ("steps", model.steps != nil), ("projection", model.projection != nil),
                    ("schedule", model.schedule != nil), ("beta_start", model.betaStart != nil),
                    ("beta_end", model.betaEnd != nil), ("seed", model.seed != nil),
                ] where present {
                    throw fail(key, "`\(key)` applies only to kind sr3, not \(model.kind.rawValue)", "remove `\(key)`")
                }
            }
            if let steps = model.steps, steps < 1 || steps > 10_000 {
                throw fail("steps", "steps is \(steps)", "use 1 to 10000 sampling steps (the paper: 100 with ddpm)")
            }
            for (key, beta) in [("beta_start", model.betaStart), ("beta_end", model.betaEnd)] {
                if let beta, !(beta > 0 && beta < 1) {
                    throw fail(key, "\(key) is \(beta)", "use a beta between 0 and 1, e.g. beta_start: 1.0e-4 and beta_end: 0.02")
                }
            }
            if model.schedule == .checkpoint, model.betaStart != nil || model.betaEnd != nil {
                throw fail(
                    model.betaStart != nil ? "beta_start" : "beta_end", "beta_start and beta_end set a linear schedule, but `schedule` is checkpoint",
                    "remove the betas to sample with the checkpoint's own schedule, or write `schedule: linear`")
            }
            if let label = model.label, label.trimmingCharacters(in: .whitespaces).isEmpty {
                throw fail("label", "the label is empty", "write a name for reports, or remove `label` to use the id")
            }
        }
    }

    private static func validateTasks(_ file: StudyDefinitionFile) throws {
        let tasks = file.definition.tasks
        guard !tasks.isEmpty else {
            throw file.error(
                field: "tasks", problem: "no tasks are listed", fix: "remove `tasks` to use the paper's task1 and task2, or list at least one")
        }
        var seen: [String: Int] = [:]
        for (index, task) in tasks.enumerated() {
            let field = "tasks[\(index)]"
            guard isSafeID(task.id) else {
                throw file.error(
                    field: "\(field).id", problem: "task id `\(task.id)` is not usable",
                    fix: "use 1-64 letters, digits, `_`, `-` or `.`, e.g. `task1`")
            }
            if let first = seen[task.id] {
                throw file.error(
                    field: "\(field).id", problem: "task id `\(task.id)` is also used by tasks[\(first)]", fix: "give every task its own id")
            }
            seen[task.id] = index
            if task.question.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                throw file.error(
                    field: "\(field).question", problem: "task `\(task.id)` has no question", fix: "write the question participants answer")
            }
        }
    }
}

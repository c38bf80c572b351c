import Foundation
import StudyKit

/// A low and a high bound (logit scale or probability scale, as the field's name says).
public struct Bounds: Codable, Sendable, Equatable {
    public var low: Double
    public var high: Double

    public init(low: Double, high: Double) {
        self.low = low
        self.high = high
    }

    public func contains(_ value: Double) -> Bool { low <= value && value <= high }
    public var width: Double { high - low }
}

/// One model's fixed effect in a task's mixed model.
public struct MixedFixedEffect: Codable, Sendable, Equatable {
    public var trials: Int
    public var fooled: Int
    /// Logit-scale estimate; nil when the model fooled nobody or everybody (separation) or the fit failed.
    public var estimateLogit: Double?
    public var stdError: Double?
    /// Wald interval on the logit scale: estimate +- z * SE.
    public var ciLogit: Bounds?
    /// The fool rate of a typical participant on a typical image (both random effects at 0): the inverse
    /// logit of the estimate. Not the observed rate and not the population average.
    public var typicalFoolRate: Double?
    public var typicalFoolRateCI: Bounds?
    /// The fool rate averaged over the population of participants and images: E[logistic(beta + u + v)],
    /// u ~ N(0, participant_sd^2), v ~ N(0, image_sd^2). Closer to 50% than the typical rate.
    public var populationAveragedFoolRate: Double?
    /// Delta method on the logit scale over (participant_sd, image_sd, estimate).
    public var populationAveragedFoolRateCI: Bounds?
    public var note: String?

    enum CodingKeys: String, CodingKey {
        case trials, fooled, note
        case estimateLogit = "estimate_logit"
        case stdError = "std_error"
        case ciLogit = "ci_logit"
        case typicalFoolRate = "typical_fool_rate"
        case typicalFoolRateCI = "typical_fool_rate_ci"
        case populationAveragedFoolRate = "population_averaged_fool_rate"
        case populationAveragedFoolRateCI = "population_averaged_fool_rate_ci"
    }

    /// Every key present (null when missing), so a reader always finds the field.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(trials, forKey: .trials)
        try c.encode(fooled, forKey: .fooled)
        try c.encode(estimateLogit, forKey: .estimateLogit)
        try c.encode(stdError, forKey: .stdError)
        try c.encode(ciLogit, forKey: .ciLogit)
        try c.encode(typicalFoolRate, forKey: .typicalFoolRate)
        try c.encode(typicalFoolRateCI, forKey: .typicalFoolRateCI)
        try c.encode(populationAveragedFoolRate, forKey: .populationAveragedFoolRate)
        try c.encode(populationAveragedFoolRateCI, forKey: .populationAveragedFoolRateCI)
        try c.encode(note, forKey: .note)
    }
}

/// A difference of two models' logit estimates from the mixed model (a log odds ratio for a typical
/// participant and image), Holm-adjusted within the task.
public struct MixedPairwise: Codable, Sendable, Equatable {
    public var modelA: String
    public var modelB: String
    public var differenceLogit: Double
    public var stdError: Double
    public var ciLogit: Bounds
    public var oddsRatio: Double
    public var pValue: Double
    public var pHolm: Double?

    enum CodingKeys: String, CodingKey {
        case modelA = "model_a"
        case modelB = "model_b"
        case differenceLogit = "difference_logit"
        case stdError = "std_error"
        case ciLogit = "ci_logit"
        case oddsRatio = "odds_ratio"
        case pValue = "p_value"
        case pHolm = "p_holm"
    }
}

/// How much of the variation is people and how much is images.
public struct VarianceShares: Codable, Sendable, Equatable {
    /// Shares of the random-effect variance (participant_sd^2 + image_sd^2); they sum to 1.
    public var participants: Double
    public var images: Double
    /// Shares of the latent-scale variance, adding the logistic trial-to-trial noise (pi^2 / 3).
    public var participantsLatent: Double
    public var imagesLatent: Double
    public var trialNoiseLatent: Double

    enum CodingKeys: String, CodingKey {
        case participants, images
        case participantsLatent = "participants_latent"
        case imagesLatent = "images_latent"
        case trialNoiseLatent = "trial_noise_latent"
    }

    init(participantSD: Double, imageSD: Double) {
        let p = participantSD * participantSD
        let i = imageSD * imageSD
        let noise = Double.pi * Double.pi / 3
        participants = p + i > 0 ? p / (p + i) : 0
        images = p + i > 0 ? i / (p + i) : 0
        participantsLatent = p / (p + i + noise)
        imagesLatent = i / (p + i + noise)
        trialNoiseLatent = noise / (p + i + noise)
    }
}

/// A task's logistic mixed model, `fooled ~ 0 + model + (1 | participant) + (1 | image)`.
public struct MixedModelTask: Codable, Sendable, Equatable {
    public static let formula = "fooled ~ 0 + model + (1 | participant) + (1 | image)"
    public static let method =
        "binomial logit GLMM, Laplace approximation as lme4's glmer (nAGQ = 1); standard errors from the finite-difference "
        + "Hessian of the deviance over (theta, beta), as lme4's vcov"

    public var task: String
    public var formula: String
    public var method: String
    public var level: Double
    /// Fitted: false when there was nothing the model could be fitted to (see notes).
    public var fitted: Bool
    public var fixedEffects: [String: MixedFixedEffect]
    public var participantSD: Double?
    public var imageSD: Double?
    public var varianceShares: VarianceShares?
    public var logLikelihood: Double?
    /// Rows that count in this task (separated models' rows included).
    public var trials: Int
    public var participants: Int
    public var images: Int
    public var converged: Bool
    public var singular: Bool
    public var standardErrors: LogisticGLMMFit.CovarianceSource?
    public var pairwise: [MixedPairwise]
    public var notes: [String]

    enum CodingKeys: String, CodingKey {
        case task, formula, method, level, fitted, trials, participants, images, converged, singular, pairwise, notes
        case fixedEffects = "fixed_effects"
        case participantSD = "participant_sd"
        case imageSD = "image_sd"
        case varianceShares = "variance_shares"
        case logLikelihood = "log_likelihood"
        case standardErrors = "standard_errors"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(task, forKey: .task)
        try c.encode(formula, forKey: .formula)
        try c.encode(method, forKey: .method)
        try c.encode(level, forKey: .level)
        try c.encode(fitted, forKey: .fitted)
        try c.encode(fixedEffects, forKey: .fixedEffects)
        try c.encode(participantSD, forKey: .participantSD)
        try c.encode(imageSD, forKey: .imageSD)
        try c.encode(varianceShares, forKey: .varianceShares)
        try c.encode(logLikelihood, forKey: .logLikelihood)
        try c.encode(trials, forKey: .trials)
        try c.encode(participants, forKey: .participants)
        try c.encode(images, forKey: .images)
        try c.encode(converged, forKey: .converged)
        try c.encode(singular, forKey: .singular)
        try c.encode(standardErrors, forKey: .standardErrors)
        try c.encode(pairwise, forKey: .pairwise)
        try c.encode(notes, forKey: .notes)
    }
}

public enum MixedModelAnalysis {
    /// The task's mixed model over `trials` (the rows that count), one indicator column per model in
    /// `models` order (models without trials left out).
    public static func task(_ task: String, trials: [AnsweredTrial], models: [String], level: Double) -> MixedModelTask {
        let present = Set(trials.map(\.model))
        let shown = models.filter(present.contains) + present.subtracting(models).sorted()
        let participantIndex = FoolRateAnalysis.index(trials.map(\.participant))
        let imageIndex = FoolRateAnalysis.index(trials.map(\.image))
        var result = MixedModelTask(
            task: task, formula: MixedModelTask.formula, method: MixedModelTask.method, level: level, fitted: false,
            fixedEffects: [:], participantSD: nil, imageSD: nil, varianceShares: nil, logLikelihood: nil,
            trials: trials.count, participants: participantIndex.count, images: imageIndex.count, converged: false,
            singular: false, standardErrors: nil, pairwise: [], notes: [])
        for model in shown {
            let rows = trials.filter { $0.model == model }
            result.fixedEffects[model] = MixedFixedEffect(trials: rows.count, fooled: rows.filter(\.fooled).count)
        }
        guard !trials.isEmpty else {
            result.notes.append("no trials count in \(task): no mixed model")
            return result
        }
        let data = CrossedBinaryData(
            fooled: trials.map(\.fooled), participant: trials.map { participantIndex[$0.participant] ?? 0 },
            image: trials.map { imageIndex[$0.image] ?? 0 }, participantCount: participantIndex.count,
            imageCount: imageIndex.count, design: .indicators(levels: shown, rowLevels: trials.map(\.model)))
        let fit: LogisticGLMMFit
        do {
            fit = try LogisticGLMM.fit(data)
        } catch {
            result.notes.append("\(error)")
            for (model, effect) in result.fixedEffects where effect.trials > 0 && (effect.fooled == 0 || effect.fooled == effect.trials) {
                result.fixedEffects[model]?.note = separationWords(model: model, effect: effect)
            }
            return result
        }
        result.apply(fit, level: level)
        return result
    }

    static func separationWords(model: String, effect: MixedFixedEffect) -> String {
        LogisticGLMM.separationWords(model, allFooled: effect.fooled == effect.trials, trials: effect.trials)
    }

    /// E[logistic(beta + sd Z)] and a delta-method interval on its logit scale.
    static func populationAveraged(
        index: Int, fit: LogisticGLMMFit, beta: Double, level: Double
    ) -> (rate: Double, ci: Bounds?, withSDUncertainty: Bool) {
        let z = SpecialFunctions.twoSidedCritical(level: level)
        func g(_ thetaP: Double, _ thetaI: Double, _ b: Double) -> Double {
            let m = MarginalFoolRate.mean(intercept: b, sd: (thetaP * thetaP + thetaI * thetaI).squareRoot())
            return Logistic.logit(min(max(m, 1e-300), 1 - 1e-16))
        }
        let rate = MarginalFoolRate.mean(intercept: beta, sd: (fit.participantSD * fit.participantSD + fit.imageSD * fit.imageSD).squareRoot())
        let center = g(fit.participantSD, fit.imageSD, beta)
        let h = 1e-5
        let gradient = [
            (g(fit.participantSD + h, fit.imageSD, beta) - g(fit.participantSD - h, fit.imageSD, beta)) / (2 * h),
            (g(fit.participantSD, fit.imageSD + h, beta) - g(fit.participantSD, fit.imageSD - h, beta)) / (2 * h),
            (g(fit.participantSD, fit.imageSD, beta + h) - g(fit.participantSD, fit.imageSD, beta - h)) / (2 * h),
        ]
        var variance: Double
        var full = false
        if let cov = fit.parameterCovariance {
            let idx = [0, 1, 2 + index]
            variance = 0
            for a in 0..<3 { for b in 0..<3 { variance += gradient[a] * cov[idx[a]][idx[b]] * gradient[b] } }
            full = true
        } else {
            variance = gradient[2] * gradient[2] * fit.betaCovariance[index][index]
        }
        guard variance > 0, variance.isFinite, center.isFinite else { return (rate, nil, full) }
        let se = variance.squareRoot()
        return (rate, Bounds(low: Logistic.value(center - z * se), high: Logistic.value(center + z * se)), full)
    }
}

extension MixedModelTask {
    mutating func apply(_ fit: LogisticGLMMFit, level: Double) {
        let z = SpecialFunctions.twoSidedCritical(level: level)
        fitted = true
        participantSD = fit.participantSD
        imageSD = fit.imageSD
        varianceShares = VarianceShares(participantSD: fit.participantSD, imageSD: fit.imageSD)
        logLikelihood = fit.logLikelihood.isFinite ? fit.logLikelihood : nil
        converged = fit.converged
        singular = fit.singularParticipant || fit.singularImage
        standardErrors = fit.covarianceSource
        notes += fit.notes
        var withoutSDUncertainty = false
        for coefficient in fit.coefficients {
            guard var effect = fixedEffects[coefficient.name] else { continue }
            switch coefficient.status {
            case .separated:
                effect.note = MixedModelAnalysis.separationWords(model: coefficient.name, effect: effect)
            case .notEstimable:
                effect.note = "\(coefficient.name) cannot be estimated from the trials left"
            case .estimated:
                guard let beta = coefficient.estimate, beta.isFinite, let index = fit.estimatedIndex(coefficient.name) else { break }
                effect.estimateLogit = beta
                effect.typicalFoolRate = Logistic.value(beta)
                if let se = coefficient.standardError, se.isFinite {
                    effect.stdError = se
                    effect.ciLogit = Bounds(low: beta - z * se, high: beta + z * se)
                    effect.typicalFoolRateCI = Bounds(low: Logistic.value(beta - z * se), high: Logistic.value(beta + z * se))
                } else {
                    effect.note = "no standard error: the curvature of the likelihood could not be measured"
                }
                let averaged = MixedModelAnalysis.populationAveraged(index: index, fit: fit, beta: beta, level: level)
                effect.populationAveragedFoolRate = averaged.rate.isFinite ? averaged.rate : nil
                effect.populationAveragedFoolRateCI = averaged.ci
                if !averaged.withSDUncertainty { withoutSDUncertainty = true }
            }
            fixedEffects[coefficient.name] = effect
        }
        if withoutSDUncertainty {
            notes.append(
                "the population-averaged intervals leave out the uncertainty of the standard deviations (the full Hessian is not "
                    + "positive definite)")
        }
        pairwise = Self.pairwise(fit, level: level)
    }

    /// Every pair of estimated models in coefficient order: difference of logits, Wald test, Holm within the task.
    static func pairwise(_ fit: LogisticGLMMFit, level: Double) -> [MixedPairwise] {
        let z = SpecialFunctions.twoSidedCritical(level: level)
        let estimated = fit.coefficients.filter { $0.status == .estimated && $0.estimate != nil }
        var rows: [MixedPairwise] = []
        for a in 0..<estimated.count {
            for b in (a + 1)..<max(estimated.count, a + 1) {
                guard let ia = fit.estimatedIndex(estimated[a].name), let ib = fit.estimatedIndex(estimated[b].name),
                    let ea = estimated[a].estimate, let eb = estimated[b].estimate
                else { continue }
                let c = fit.betaCovariance
                let variance = c[ia][ia] + c[ib][ib] - 2 * c[ia][ib]
                guard variance > 0, variance.isFinite else { continue }
                let se = variance.squareRoot()
                let d = ea - eb
                rows.append(
                    MixedPairwise(
                        modelA: estimated[a].name, modelB: estimated[b].name, differenceLogit: d, stdError: se,
                        ciLogit: Bounds(low: d - z * se, high: d + z * se), oddsRatio: exp(d),
                        pValue: 2 * SpecialFunctions.normalSurvival(abs(d) / se), pHolm: nil))
            }
        }
        let adjusted = MultipleComparisons.holm(rows.map(\.pValue))
        for k in rows.indices { rows[k].pHolm = adjusted[k] }
        return rows
    }
}

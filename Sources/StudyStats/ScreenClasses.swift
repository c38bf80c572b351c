import Foundation
import StudyKit

/// The fool rate of one model in one task on one class of screen: the devicePixelRatio and the drawn image
/// width in CSS pixels the answers were given at. Seeing artefacts depends on the images' angular size, so a
/// reviewer asks whether the rates differ between screens.
public struct ScreenClassRate: Codable, Sendable, Equatable {
    public var task: String
    public var model: String
    /// "DPR 1.5, 256 CSS px", or "unknown screen" for answers without their screen.
    public var screen: String
    public var trials: Int
    public var fooled: Int
    public var foolRate: Double
    /// Wilson (naive) interval: a description of the class, not the study's primary interval.
    public var wilson: ConfidenceInterval?

    enum CodingKeys: String, CodingKey {
        case task, model, screen, trials, fooled, wilson
        case foolRate = "fool_rate"
    }
}

/// Whether a model's fool rate differs between screen classes within a task: Pearson's chi-square test of
/// homogeneity over the classes with answers (Wilson-Hilferty approximation of its p-value).
public struct ScreenHomogeneity: Codable, Sendable, Equatable {
    public var task: String
    public var model: String
    public var classes: Int
    public var chiSquare: Double
    public var pValue: Double
    /// p below 1 - the report's level.
    public var differ: Bool

    enum CodingKeys: String, CodingKey {
        case task, model, classes, differ
        case chiSquare = "chi_square"
        case pValue = "p_value"
    }
}

public enum ScreenClasses {
    /// The class an answer's screen belongs to.
    static func name(_ screen: AnswerScreen?) -> String {
        guard let screen, let dpr = screen.dpr, let css = screen.cssPx else { return "unknown screen" }
        let ratio = (dpr * 100).rounded() / 100
        let ratioText = ratio == ratio.rounded() ? String(Int(ratio)) : String(format: "%g", ratio)
        return "DPR \(ratioText), \(Int(css.rounded())) CSS px"
    }

    /// Rates per (task, model, screen class) over `counted` main trials, and per (task, model) with answers
    /// on at least two classes a test of whether they differ.
    public static func compare(_ counted: [AnsweredTrial], level: Double) -> (rates: [ScreenClassRate], tests: [ScreenHomogeneity]) {
        struct Key: Hashable, Comparable {
            var task: String, model: String, screen: String
            static func < (a: Key, b: Key) -> Bool { (a.task, a.model, a.screen) < (b.task, b.model, b.screen) }
        }
        var tally: [Key: (trials: Int, fooled: Int)] = [:]
        for trial in counted where trial.kind == .main {
            let key = Key(task: trial.task, model: trial.model, screen: name(trial.screen))
            tally[key, default: (0, 0)].trials += 1
            if trial.fooled { tally[key, default: (0, 0)].fooled += 1 }
        }
        let rates = tally.keys.sorted().compactMap { key -> ScreenClassRate? in
            guard let t = tally[key], t.trials > 0 else { return nil }
            return ScreenClassRate(
                task: key.task, model: key.model, screen: key.screen, trials: t.trials, fooled: t.fooled,
                foolRate: Double(t.fooled) / Double(t.trials),
                wilson: BinomialIntervals.wilson(successes: t.fooled, trials: t.trials, level: level))
        }
        var tests: [ScreenHomogeneity] = []
        let groups = Dictionary(grouping: rates) { [$0.task, $0.model] }
        for groupKey in groups.keys.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            guard let group = groups[groupKey], group.count >= 2 else { continue }
            let total = group.map(\.trials).reduce(0, +)
            let fooled = group.map(\.fooled).reduce(0, +)
            let pooled = Double(fooled) / Double(total)
            guard pooled > 0, pooled < 1 else { continue }
            let chi = group.reduce(0.0) { sum, c in
                let expected = Double(c.trials) * pooled
                let deviation = Double(c.fooled) - expected
                return sum + deviation * deviation / (expected * (1 - pooled))
            }
            let p = chiSquareSurvival(chi, degreesOfFreedom: Double(group.count - 1))
            tests.append(
                ScreenHomogeneity(
                    task: groupKey[0], model: groupKey[1], classes: group.count, chiSquare: chi, pValue: p, differ: p < 1 - level))
        }
        return (rates, tests)
    }

    /// P(X >= x) for a chi-square variable, by the Wilson-Hilferty cube-root normal approximation.
    static func chiSquareSurvival(_ x: Double, degreesOfFreedom k: Double) -> Double {
        guard x > 0, k > 0 else { return 1 }
        let z = (pow(x / k, 1.0 / 3) - (1 - 2 / (9 * k))) / (2 / (9 * k)).squareRoot()
        return SpecialFunctions.normalSurvival(z)
    }
}

extension ScreenHomogeneity {
    /// "rates differ between screens (chi-square 7.10, 2 df, p=0.0288)" or the same saying there is no evidence.
    public var sentence: String {
        let stats = "chi-square \(Format.number(chiSquare, digits: 2)), \(classes - 1) df, p=\(Format.pValue(pValue))"
        return differ ? "rates differ between screens (\(stats))" : "no evidence that rates differ between screens (\(stats))"
    }
}

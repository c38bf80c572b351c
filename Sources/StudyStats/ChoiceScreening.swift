import Foundation
import StudyKit

/// Tests each participant's main-trial choices against the rest of the crowd (`exclusions.fool_rate_fdr`):
/// how far their fool count is from what the other participants' rates in the same (task, model) cells
/// predict, measured on the logit scale where honest people's differences are modelled.
///
/// For participant i, each main trial t in cell c gets the leave-one-out rate
/// p_t = (fooled in c by the others + 0.5) / (trials in c by the others + 1). The participant's shift b is
/// the logit offset that makes sum logistic(logit p_t + b) equal their fool count (kept 0.5 away from 0 and
/// from all trials, so b is finite; trials in a cell nobody else answered do not count); its sampling
/// variance is about 1 / sum p_t (1 - p_t). Honest people
/// differ in skill and see different images: the declared `exclusions.fool_rate_sd` (the SD of honest
/// shifts, logit scale) allows for that, and is declared rather than estimated so that forged participants
/// cannot widen it. z = b / sqrt(sd^2 + 1 / sum p_t (1 - p_t)); the two-sided normal p-values are
/// Benjamini-Hochberg adjusted across participants, and those at or below q are flagged
/// `implausible_fool_rate_high` or `_low` by the sign of z. The reference crowd is refined: the rates are
/// recomputed without the participants flagged in the previous pass (at most `passes` passes), so forged
/// participants do not raise the rates they are tested against; participants another rule excludes are
/// never part of the reference crowd.
public enum ChoiceScreening {
    static let passes = 5

    public struct Result: Sendable, Equatable {
        public var participant: String
        public var trials: Int
        public var fooled: Int
        public var expected: Double
        public var z: Double
        public var p: Double
        /// Benjamini-Hochberg adjusted p-value.
        public var adjusted: Double
        public var flag: ParticipantFlag?

        var detail: String {
            "\(fooled) of \(trials) main trials fooled, \(Format.number(expected, digits: 1)) expected from the other participants "
                + "(z = \(Format.number(z, digits: 1)), FDR-adjusted p = \(Format.pValue(adjusted)))"
        }
    }

    /// Every participant with main trials, tested at false discovery rate `q`; sorted by participant.
    /// Participants in `outsideTheCrowd` (excluded by another rule) are tested but are never part of the
    /// crowd the others are compared with.
    public static func screen(
        _ trials: [AnsweredTrial], q: Double, sd: Double = ExclusionRules.defaultFoolRateSD, outsideTheCrowd: Set<String> = []
    ) -> [Result] {
        let main = trials.filter { $0.kind == .main }
        var byParticipant: [String: [AnsweredTrial]] = [:]
        for trial in main { byParticipant[trial.participant, default: []].append(trial) }
        let participants = byParticipant.keys.sorted()
        var flagged: Set<String> = []
        var results: [Result] = []
        for _ in 0..<passes {
            let reference = Set(participants).subtracting(flagged).subtracting(outsideTheCrowd)
            results = pass(byParticipant, participants: participants, reference: reference, q: q, sd: sd)
            let now = Set(results.filter { $0.flag != nil }.map(\.participant))
            if now == flagged { break }
            flagged = now
        }
        return results
    }

    private struct Cell: Hashable {
        var task: String
        var model: String
    }

    private static func pass(
        _ byParticipant: [String: [AnsweredTrial]], participants: [String], reference: Set<String>, q: Double, sd: Double
    ) -> [Result] {
        var totals: [Cell: (fooled: Int, trials: Int)] = [:]
        var own: [String: [Cell: (fooled: Int, trials: Int)]] = [:]
        for participant in participants {
            for t in byParticipant[participant] ?? [] {
                let cell = Cell(task: t.task, model: t.model)
                var mine = own[participant, default: [:]][cell] ?? (0, 0)
                mine.trials += 1
                mine.fooled += t.fooled ? 1 : 0
                own[participant, default: [:]][cell] = mine
                if reference.contains(participant) {
                    var total = totals[cell] ?? (0, 0)
                    total.trials += 1
                    total.fooled += t.fooled ? 1 : 0
                    totals[cell] = total
                }
            }
        }
        var tested: [(participant: String, trials: Int, fooled: Int, mu: Double, shift: Double, noise: Double)] = []
        for participant in participants {
            var logits: [(logit: Double, trials: Int)] = []
            var mu = 0.0
            var information = 0.0
            var trials = 0
            var fooled = 0
            let cells = (own[participant] ?? [:]).sorted { ($0.key.task, $0.key.model) < ($1.key.task, $1.key.model) }
            for (cell, mine) in cells {
                var others = totals[cell] ?? (0, 0)
                if reference.contains(participant) {
                    others.fooled -= mine.fooled
                    others.trials -= mine.trials
                }
                guard others.trials > 0 else { continue }  // nobody else to compare with
                let p = (Double(others.fooled) + 0.5) / (Double(others.trials) + 1)
                logits.append((log(p / (1 - p)), mine.trials))
                mu += Double(mine.trials) * p
                information += Double(mine.trials) * p * (1 - p)
                trials += mine.trials
                fooled += mine.fooled
            }
            guard trials > 0 else { continue }
            let target = min(max(Double(fooled), 0.5), Double(trials) - 0.5)
            tested.append((participant, trials, fooled, mu, shift(logits, matching: target), 1 / information))
        }
        var results = tested.map { m -> Result in
            let z = m.shift / (sd * sd + m.noise).squareRoot()
            return Result(
                participant: m.participant, trials: m.trials, fooled: m.fooled, expected: m.mu, z: z,
                p: min(1, 2 * SpecialFunctions.normalSurvival(abs(z))), adjusted: 1, flag: nil)
        }
        let adjusted = benjaminiHochberg(results.map(\.p))
        for index in results.indices {
            results[index].adjusted = adjusted[index]
            if adjusted[index] <= q {
                results[index].flag = results[index].z > 0 ? .implausibleFoolRateHigh : .implausibleFoolRateLow
            }
        }
        return results
    }

    /// The shift b on the logit scale with sum over cells of trials * logistic(logit + b) == target (bisection;
    /// the sum rises with b). `target` is strictly between 0 and the trials, so b is finite.
    static func shift(_ logits: [(logit: Double, trials: Int)], matching target: Double) -> Double {
        func expected(_ b: Double) -> Double { logits.reduce(0) { $0 + Double($1.trials) / (1 + exp(-($1.logit + b))) } }
        var low = -30.0
        var high = 30.0
        for _ in 0..<100 {
            let mid = (low + high) / 2
            if expected(mid) < target { low = mid } else { high = mid }
        }
        return (low + high) / 2
    }

    /// Benjamini-Hochberg adjusted p-values, in the order given.
    static func benjaminiHochberg(_ p: [Double]) -> [Double] {
        let order = p.indices.sorted { p[$0] < p[$1] }
        var adjusted = [Double](repeating: 1, count: p.count)
        var running = 1.0
        for rank in stride(from: order.count, through: 1, by: -1) {
            let index = order[rank - 1]
            running = min(running, p[index] * Double(order.count) / Double(rank))
            adjusted[index] = min(1, running)
        }
        return adjusted
    }
}

import Foundation

/// A linear (or quadratic) beta schedule as the public SR3 code's configs and our metadata name it.
/// Metadata form (`train_schedule`, `inference_schedule`): {"kind": "linear", "steps": 2000, "start": 1e-06, "end": 0.01}.
public struct BetaSchedule: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable { case linear, quad }
    public var kind: Kind
    public var steps: Int
    public var start: Double
    public var end: Double

    public init(kind: Kind = .linear, steps: Int, start: Double, end: Double) {
        self.kind = kind
        self.steps = steps
        self.start = start
        self.end = end
    }

    /// The betas, computed in double as numpy's linspace does.
    public var noiseSchedule: NoiseSchedule {
        switch kind {
        case .linear: return .linear(start: start, end: end, steps: steps)
        case .quad:
            return NoiseSchedule(betas: NoiseSchedule.linear(start: start.squareRoot(), end: end.squareRoot(), steps: steps).betas.map { $0 * $0 })
        }
    }

    public var problem: String? {
        if steps < 1 { return "the schedule has \(steps) steps" }
        if !(start > 0 && start < 1 && end > 0 && end < 1) { return "betas must lie in (0, 1) (got \(start) ... \(end))" }
        return nil
    }

    /// The metadata JSON text (keys sorted, so equal schedules give equal text).
    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    public static func parse(json: String) -> BetaSchedule? {
        try? JSONDecoder().decode(BetaSchedule.self, from: Data(json.utf8))
    }

    public var summary: String { "\(kind.rawValue) betas \(start) ... \(end) over \(steps) steps" }
}

/// The training config of the public SR3 code: JSON with `//` comments. Only the keys that fix the
/// network, the sizes and the schedules are read.
public struct SR3TrainingConfig: Sendable {
    public var unet: UNetConfig
    public var dropout: Double
    public var lrSize: Int?
    public var hrSize: Int?
    public var trainSchedule: BetaSchedule?
    public var valSchedule: BetaSchedule?

    public static func read(_ url: URL) throws(CheckpointError) -> SR3TrainingConfig {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw CheckpointError(file: url.path, problem: "cannot read the config (\(error.localizedDescription))")
        }
        do { return try parse(text) } catch {
            throw CheckpointError(file: url.path, problem: error.description)
        }
    }

    public static func parse(_ text: String) throws(ConfigProblem) -> SR3TrainingConfig {
        guard let object = try? JSONSerialization.jsonObject(with: Data(stripComments(text).utf8)), let root = object as? [String: Any] else {
            throw ConfigProblem("the config is not a JSON object (after removing // comments)")
        }
        func dict(_ path: [String]) -> [String: Any]? {
            var node: Any = root
            for key in path {
                guard let d = node as? [String: Any], let next = d[key] else { return nil }
                node = next
            }
            return node as? [String: Any]
        }
        guard let unet = dict(["model", "unet"]) else { throw ConfigProblem("the config has no model.unet") }
        func int(_ d: [String: Any], _ key: String, _ path: String) throws(ConfigProblem) -> Int {
            guard let n = d[key] as? NSNumber, let v = Int(exactly: n.doubleValue) else {
                throw ConfigProblem("\(path).\(key) is missing or not an integer")
            }
            return v
        }
        func ints(_ d: [String: Any], _ key: String, _ path: String) throws(ConfigProblem) -> [Int] {
            guard let list = d[key] as? [Any] else { throw ConfigProblem("\(path).\(key) is missing or not a list") }
            var out: [Int] = []
            for item in list {
                guard let n = item as? NSNumber, let v = Int(exactly: n.doubleValue) else {
                    throw ConfigProblem("\(path).\(key) holds a non-integer")
                }
                out.append(v)
            }
            return out
        }
        let normGroups = unet["norm_groups"] == nil || unet["norm_groups"] is NSNull ? 32 : try int(unet, "norm_groups", "model.unet")
        guard let diffusion = dict(["model", "diffusion"]) else { throw ConfigProblem("the config has no model.diffusion") }
        let config = UNetConfig(
            inChannel: try int(unet, "in_channel", "model.unet"), outChannel: try int(unet, "out_channel", "model.unet"),
            innerChannel: try int(unet, "inner_channel", "model.unet"), channelMults: try ints(unet, "channel_multiplier", "model.unet"),
            resBlocks: try int(unet, "res_blocks", "model.unet"), attnRes: try ints(unet, "attn_res", "model.unet"),
            normGroups: normGroups, imageSize: try int(diffusion, "image_size", "model.diffusion"))
        try config.validate()
        func schedule(_ phase: String) throws(ConfigProblem) -> BetaSchedule? {
            let path = "model.beta_schedule.\(phase)"
            guard let s = dict(["model", "beta_schedule", phase]) else { return nil }
            let name = s["schedule"] as? String ?? "linear"
            guard let kind = BetaSchedule.Kind(rawValue: name) else {
                throw ConfigProblem("\(path).schedule is \"\(name)\"; only linear and quad schedules are supported")
            }
            guard let start = (s["linear_start"] as? NSNumber)?.doubleValue, let end = (s["linear_end"] as? NSNumber)?.doubleValue else {
                throw ConfigProblem("\(path) lacks linear_start or linear_end")
            }
            let result = BetaSchedule(kind: kind, steps: try int(s, "n_timestep", path), start: start, end: end)
            if let problem = result.problem { throw ConfigProblem("\(path): \(problem)") }
            return result
        }
        func resolution(_ key: String) -> Int? {
            for phase in ["val", "train"] {
                if let d = dict(["datasets", phase]), let n = d[key] as? NSNumber, let v = Int(exactly: n.doubleValue), v > 0 { return v }
            }
            return nil
        }
        return SR3TrainingConfig(
            unet: config, dropout: (unet["dropout"] as? NSNumber)?.doubleValue ?? 0,
            lrSize: resolution("l_resolution"), hrSize: resolution("r_resolution"),
            trainSchedule: try schedule("train"), valSchedule: try schedule("val"))
    }

    /// Removes `//` comments that are outside strings.
    static func stripComments(_ text: String) -> String {
        var out = ""
        var inString = false
        var escaped = false
        var inComment = false
        var previous: Character?
        for c in text {
            if inComment {
                if c == "\n" {
                    inComment = false
                    out.append(c)
                }
                continue
            }
            if inString {
                out.append(c)
                if escaped { escaped = false } else if c == "\\" { escaped = true } else if c == "\"" { inString = false }
                continue
            }
            if c == "/" && previous == "/" {
                out.removeLast()
                inComment = true
                previous = nil
                continue
            }
            if c == "\"" { inString = true }
            out.append(c)
            previous = c
        }
        return out
    }
}

import Foundation

/// The U-Net hyper-parameters of docs/SR3-ARCHITECTURE.md section 2 (`config` in a checkpoint's metadata).
public struct UNetConfig: Sendable, Hashable, Codable {
    public var inChannel: Int
    public var outChannel: Int
    public var innerChannel: Int
    public var channelMults: [Int]
    public var resBlocks: Int
    public var attnRes: [Int]
    public var normGroups: Int
    public var imageSize: Int

    public init(
        inChannel: Int, outChannel: Int = 3, innerChannel: Int, channelMults: [Int], resBlocks: Int,
        attnRes: [Int], normGroups: Int, imageSize: Int
    ) {
        self.inChannel = inChannel
        self.outChannel = outChannel
        self.innerChannel = innerChannel
        self.channelMults = channelMults
        self.resBlocks = resBlocks
        self.attnRes = attnRes
        self.normGroups = normGroups
        self.imageSize = imageSize
    }

    /// Input height and width must be multiples of this (one halving per level but the last).
    public var sizeMultiple: Int { 1 << max(0, channelMults.count - 1) }

    /// Parses the metadata `config` JSON; `in_channel` comes from the config or, failing that, `inChannelText`.
    public static func parse(json: String, inChannelText: String?) throws(ConfigProblem) -> UNetConfig {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)), let dict = object as? [String: Any] else {
            throw ConfigProblem("metadata 'config' is not a JSON object")
        }
        func int(_ key: String) throws(ConfigProblem) -> Int {
            guard let number = dict[key] as? NSNumber, let value = Int(exactly: number.doubleValue) else {
                throw ConfigProblem("config key '\(key)' is missing or not an integer")
            }
            return value
        }
        func ints(_ key: String) throws(ConfigProblem) -> [Int] {
            guard let list = dict[key] as? [Any] else { throw ConfigProblem("config key '\(key)' is missing or not a list") }
            var out: [Int] = []
            for item in list {
                guard let number = item as? NSNumber, let value = Int(exactly: number.doubleValue) else {
                    throw ConfigProblem("config key '\(key)' holds a non-integer")
                }
                out.append(value)
            }
            return out
        }
        let inChannel: Int
        if dict["in_channel"] != nil {
            inChannel = try int("in_channel")
        } else if let text = inChannelText, let value = Int(text) {
            inChannel = value
        } else {
            throw ConfigProblem("in_channel is in neither the config nor the metadata")
        }
        let config = UNetConfig(
            inChannel: inChannel,
            outChannel: dict["out_channel"] == nil ? 3 : try int("out_channel"),
            innerChannel: try int("inner_channel"), channelMults: try ints("channel_mults"),
            resBlocks: try int("res_blocks"), attnRes: try ints("attn_res"),
            normGroups: try int("norm_groups"), imageSize: try int("image_size"))
        try config.validate()
        return config
    }

    public func validate() throws(ConfigProblem) {
        guard inChannel > 0, outChannel > 0 else { throw ConfigProblem("in_channel and out_channel must be positive") }
        guard innerChannel > 0, innerChannel % 2 == 0 else { throw ConfigProblem("inner_channel must be positive and even (got \(innerChannel))") }
        guard !channelMults.isEmpty, channelMults.allSatisfy({ $0 > 0 }) else {
            throw ConfigProblem("channel_mults must be a non-empty list of positive integers")
        }
        guard resBlocks >= 0 else { throw ConfigProblem("res_blocks must be non-negative") }
        guard normGroups > 0 else { throw ConfigProblem("norm_groups must be positive") }
        guard imageSize > 0 else { throw ConfigProblem("image_size must be positive") }
        for m in channelMults where (innerChannel * m) % normGroups != 0 {
            throw ConfigProblem("channels \(innerChannel * m) are not divisible by norm_groups \(normGroups)")
        }
        guard innerChannel % normGroups == 0 else {
            throw ConfigProblem("inner_channel \(innerChannel) is not divisible by norm_groups \(normGroups)")
        }
    }
}

public struct ConfigProblem: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

import SR3Core

/// Small random weights for any config, named as the reference names them.
enum RandomWeights {
    static func tensors(for config: UNetConfig, seed: UInt64, scale: Float = 0.2) -> [String: NamedTensor] {
        var rng = NormalRNG(seed: seed)
        var out: [String: NamedTensor] = [:]
        for (name, shape) in UNet.expectedTensorShapes(for: config).sorted(by: { $0.key < $1.key }) {
            let count = shape.reduce(1, *)
            let values =
                name.hasSuffix("norm.weight") || name.contains("block.0.weight")
                ? [Float](repeating: 1, count: count) : rng.normals(count).map { $0 * scale }
            out[name] = NamedTensor(shape: shape, values: values)
        }
        return out
    }
}

/// The manifest's images and outputs keyed for lookup, built once, and the one place that decides which
/// stimuli a trial shows: the truth, the model's output (or the catch foil) and the Task-1 input.
public struct ManifestLookup: Sendable {
    public let manifest: Manifest
    private let images: [String: ManifestImage]
    private let outputs: [OutputKey: ManifestOutput]
    /// The model whose output stands in for the LR input when `display.input` is bicubic.
    public let bicubicModel: ManifestModel?

    private struct OutputKey: Hashable, Sendable {
        var image: String
        var model: String
    }

    public init(_ manifest: Manifest) {
        self.manifest = manifest
        images = Dictionary(manifest.images.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        outputs = Dictionary(
            manifest.outputs.map { (OutputKey(image: $0.image, model: $0.model), $0) },
            uniquingKeysWith: { first, _ in first })
        bicubicModel = manifest.models.first { $0.kind == .bicubic && $0.available }
    }

    public func image(_ id: String) -> ManifestImage? { images[id] }

    public func output(image: String, model: String) -> ManifestOutput? { outputs[OutputKey(image: image, model: model)] }

    /// What a trial shows against the truth: `model`'s output of `image`, or the image's catch foil for a
    /// catch or practice trial (`DesignTrial.catchFoilModel`).
    public func shownAgainstTruth(image: String, model: String) -> StimulusRef? {
        model == DesignTrial.catchFoilModel ? images[image]?.catchFoil : output(image: image, model: model)?.stimulus
    }

    /// Whether Task-1 shows the bicubic model's upsample as its input (`display.input: bicubic` and such a model exists).
    public var inputIsBicubic: Bool { manifest.definition.display.input == .bicubic && bicubicModel != nil }

    /// The Task-1 input as the study declares it: the LR image (drawn pixelated), or the bicubic model's
    /// upsample; nil when the study asks for the upsample and there is none.
    public func taskInput(image: String) -> StimulusRef? {
        guard manifest.definition.display.input == .bicubic else { return images[image]?.lr }
        return bicubicModel.flatMap { output(image: image, model: $0.id)?.stimulus }
    }
}

/// Runs a sampler with the U-Net for one image. The network, the sampler (process + respacing) and
/// the noise source are separate pieces; the noise source is injectable so tests can replay fixed noises.
public enum ImageSampling {
    /// Samples one image: `condition` (channels x height x width, in [-1, 1]) is the upsampled LR,
    /// `initial` is y_N; `noise(t)` gives z for the step at timestep t when the sampler needs one.
    /// Returns the final mean y_0, not clipped.
    public static func sample(
        unet: UNet, condition: [Float], height: Int, width: Int, initial: [Float],
        sampler: any DiffusionSampler, projection: ConsistencyProjection?,
        threads: Int = 1, noise: (Int) -> [Float]
    ) throws(ConfigProblem) -> [Float] {
        if let problem = unet.sizeProblem(height: height, width: width) { throw ConfigProblem(problem) }
        let planes = unet.config.outChannel * height * width
        guard condition.count == (unet.config.inChannel - unet.config.outChannel) * height * width, initial.count == planes else {
            throw ConfigProblem("condition and initial sample do not match a \(unet.config.inChannel)-channel \(height)x\(width) U-Net input")
        }
        let workspace = UNetWorkspace(unet: unet, height: height, width: width, threads: threads)
        return sample(
            unet: unet, condition: condition, initial: initial, sampler: sampler, projection: projection,
            workspace: workspace, noise: noise, afterStep: {})
    }

    static func sample(
        unet: UNet, condition: [Float], initial: [Float], sampler: any DiffusionSampler,
        projection: ConsistencyProjection?, workspace: UNetWorkspace,
        noise: (Int) -> [Float], afterStep: () -> Void
    ) -> [Float] {
        var y = initial
        var input = condition + initial
        var eps = [Float](repeating: 0, count: initial.count)
        let correction: ((inout [Float]) -> Void)? = projection.map { p in { p.apply(&$0) } }
        for t in sampler.timesteps {
            input.withUnsafeMutableBufferPointer { buffer in
                guard let base = buffer.baseAddress else { return }
                (base + condition.count).update(from: y, count: y.count)
                eps.withUnsafeMutableBufferPointer { out in
                    guard let o = out.baseAddress else { return }
                    unet.forward(image: base, level: sampler.noiseLevel(at: t), output: o, workspace: workspace)
                }
            }
            let z = sampler.needsNoise(at: t) ? noise(t) : nil
            y = sampler.step(modelOutput: eps, timestep: t, sample: y, noise: z, correction: correction)
            afterStep()
        }
        return y
    }
}

import Resampling

/// The range-space correction x0 <- clip(x0 + Up(LR - Down(x0)), -1, 1) (docs/SR3-ARCHITECTURE.md section 3), with
/// Down the antialiased bicubic to the LR size and Up the plain bicubic back, in float on [-1, 1].
public struct ConsistencyProjection: Sendable {
    /// The quantised LR image in [-1, 1], channels x lrHeight x lrWidth.
    public let lr: [Float]
    public let channels: Int
    public let lrHeight: Int
    public let lrWidth: Int
    public let height: Int
    public let width: Int

    public init(lr: [Float], channels: Int, lrHeight: Int, lrWidth: Int, height: Int, width: Int) {
        self.lr = lr
        self.channels = channels
        self.lrHeight = lrHeight
        self.lrWidth = lrWidth
        self.height = height
        self.width = width
    }

    public func apply(_ x0: inout [Float]) {
        var residual = Bicubic.downsampleAntialiased(x0, count: channels, height: height, width: width, toHeight: lrHeight, toWidth: lrWidth)
        for i in residual.indices { residual[i] = lr[i] - residual[i] }
        let up = Bicubic.upsample(residual, count: channels, height: lrHeight, width: lrWidth, toHeight: height, toWidth: width)
        for i in x0.indices { x0[i] = min(1, max(-1, x0[i] + up[i])) }
    }
}

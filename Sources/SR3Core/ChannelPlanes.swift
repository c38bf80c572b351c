/// Input channels that live in one or two NCHW buffers: the first `split` channels in `first`, the
/// rest in `second`. The U-Net's up path reads concat(x, skip) this way without copying.
struct ChannelPlanes: @unchecked Sendable {
    let first: UnsafePointer<Float>
    let second: UnsafePointer<Float>?
    let split: Int
    let planeSize: Int

    init(_ single: UnsafePointer<Float>, planeSize: Int) {
        first = single
        second = nil
        split = Int.max
        self.planeSize = planeSize
    }

    init(_ first: UnsafePointer<Float>, channels: Int, then second: UnsafePointer<Float>, planeSize: Int) {
        self.first = first
        self.second = second
        split = channels
        self.planeSize = planeSize
    }

    @inline(__always)
    func plane(_ channel: Int) -> UnsafePointer<Float> {
        if channel < split { return first + channel * planeSize }
        return (second ?? first) + (channel - split) * planeSize
    }

    /// Channels [c0, c1) as at most two contiguous runs of floats.
    func runs(_ c0: Int, _ c1: Int) -> [(UnsafePointer<Float>, Int)] {
        if c1 <= split || second == nil { return [(plane(c0), (c1 - c0) * planeSize)] }
        if c0 >= split { return [(plane(c0), (c1 - c0) * planeSize)] }
        return [(plane(c0), (split - c0) * planeSize), (plane(split), (c1 - split) * planeSize)]
    }
}

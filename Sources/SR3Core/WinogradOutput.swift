/// Where a Winograd output transform writes one output channel: the plane, plus the addend when given,
/// or added onto the plane when `accumulate`.
struct WinogradOutput {
    let plane: UnsafeMutablePointer<Float>
    let addend: UnsafePointer<Float>?
    let accumulate: Bool

    @inline(__always)
    func put(_ y: Float, _ index: Int) {
        if accumulate {
            plane[index] += y
        } else if let addend {
            plane[index] = addend[index] + y
        } else {
            plane[index] = y
        }
    }

    /// Contiguous outputs from `index` on.
    @inline(__always)
    func put<S: SIMD>(_ y: S, _ index: Int) where S.Scalar == Float {
        let destination = UnsafeMutableRawPointer(plane + index)
        if accumulate {
            destination.storeBytes(of: destination.loadUnaligned(as: S.self) + y, as: S.self)
        } else if let addend {
            destination.storeBytes(of: UnsafeRawPointer(addend + index).loadUnaligned(as: S.self) + y, as: S.self)
        } else {
            destination.storeBytes(of: y, as: S.self)
        }
    }
}

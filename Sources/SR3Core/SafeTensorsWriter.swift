import Foundation

extension SafeTensors {
    /// Serialises the tensors (sorted by name, stored as `dtype`) and metadata.
    /// The header is padded with spaces so the data starts 8-byte aligned.
    public func serialized(as dtype: DType = .f32) throws(SafeTensorsError) -> Data {
        let names = tensors.keys.sorted()
        for name in names {
            guard let tensor = tensors[name] else { continue }
            if tensor.values.count != tensor.elementCount || tensor.shape.contains(where: { $0 < 0 }) {
                throw SafeTensorsError(
                    file: "(being written)", problem: "tensor '\(name)' has shape \(tensor.shape) but \(tensor.values.count) values")
            }
        }
        var header: [String: Any] = [:]
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var offset = 0
        for name in names {
            guard let tensor = tensors[name] else { continue }
            let size = tensor.values.count * dtype.byteSize
            header[name] = ["dtype": dtype.rawValue, "shape": tensor.shape, "data_offsets": [offset, offset + size]] as [String: Any]
            offset += size
        }
        var headerData: Data
        do {
            headerData = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        } catch {
            throw SafeTensorsError(file: "(being written)", problem: "header cannot be encoded as JSON (\(error.localizedDescription))")
        }
        while (8 + headerData.count) % 8 != 0 { headerData.append(0x20) }

        var out = Data(capacity: 8 + headerData.count + offset)
        var length = UInt64(headerData.count).littleEndian
        withUnsafeBytes(of: &length) { out.append(contentsOf: $0) }
        out.append(headerData)
        for name in names {
            guard let tensor = tensors[name] else { continue }
            switch dtype {
            case .f32:
                let words = tensor.values.map { $0.bitPattern.littleEndian }
                words.withUnsafeBytes { out.append(contentsOf: $0) }
            case .f16:
                let halves = tensor.values.map { HalfPrecision.halfFromFloat($0).littleEndian }
                halves.withUnsafeBytes { out.append(contentsOf: $0) }
            case .bf16:
                let halves = tensor.values.map { HalfPrecision.bfloatFromFloat($0).littleEndian }
                halves.withUnsafeBytes { out.append(contentsOf: $0) }
            }
        }
        return out
    }

    public func write(to url: URL, as dtype: DType = .f32) throws {
        let data: Data
        do {
            data = try serialized(as: dtype)
        } catch {
            throw SafeTensorsError(file: url.path, problem: error.problem)
        }
        do {
            try data.write(to: url, options: .atomic)
        } catch {
            throw SafeTensorsError(file: url.path, problem: "cannot write the file (\(error.localizedDescription))")
        }
    }
}

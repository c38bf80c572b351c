import Foundation

/// One tensor of a safetensors file, converted to Float.
public struct NamedTensor: Sendable, Equatable {
    public var shape: [Int]
    public var values: [Float]

    public init(shape: [Int], values: [Float]) {
        self.shape = shape
        self.values = values
    }

    public var elementCount: Int { shape.reduce(1, *) }
}

/// The contents of a safetensors file: tensors (as Float) and the string metadata.
///
/// Format: 8-byte little-endian header length N, N bytes of JSON, then the raw little-endian
/// C-order data. Each entry is `{"dtype","shape","data_offsets":[begin,end)}` relative to the
/// byte after the header; the entries must tile the data buffer exactly, without overlap.
public struct SafeTensors: Sendable {
    public var tensors: [String: NamedTensor]
    public var metadata: [String: String]

    public init(tensors: [String: NamedTensor] = [:], metadata: [String: String] = [:]) {
        self.tensors = tensors
        self.metadata = metadata
    }

    /// Header JSON larger than this is rejected before parsing (the reference format caps it at 100 MB).
    static let maximumHeaderLength: UInt64 = 100_000_000

    public static func read(_ url: URL) throws -> SafeTensors {
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .mappedIfSafe)
        } catch {
            throw SafeTensorsError(file: url.path, problem: "cannot read the file (\(error.localizedDescription))")
        }
        return try parse(data, file: url.path)
    }

    public static func parse(_ data: Data, file: String) throws -> SafeTensors {
        func fail(_ problem: String) -> SafeTensorsError { SafeTensorsError(file: file, problem: problem) }
        guard data.count >= 8 else {
            throw fail("file is \(data.count) bytes, shorter than the 8-byte header length; it is not a safetensors file or is truncated")
        }
        let headerLength = data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard headerLength <= maximumHeaderLength else {
            throw fail("header length \(headerLength) is implausibly large; not a safetensors file")
        }
        guard headerLength >= 2, UInt64(data.count) >= 8 + headerLength else {
            throw fail("header length \(headerLength) does not fit in the \(data.count)-byte file; the file is truncated or not safetensors")
        }
        let headerStart = data.startIndex + 8
        let dataStart = headerStart + Int(headerLength)
        let headerBytes = data[headerStart..<dataStart]
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: headerBytes)
        } catch {
            throw fail("header is not valid JSON (\(error.localizedDescription))")
        }
        guard let header = json as? [String: Any] else { throw fail("header JSON is not an object") }

        var metadata: [String: String] = [:]
        if let raw = header["__metadata__"] {
            guard let dictionary = raw as? [String: Any] else { throw fail("__metadata__ is not an object of strings") }
            for (key, value) in dictionary {
                guard let string = value as? String else { throw fail("__metadata__ value for '\(key)' is not a string") }
                metadata[key] = string
            }
        }

        let bufferSize = data.count - (8 + Int(headerLength))
        var entries: [(name: String, dtype: DType, shape: [Int], begin: Int, end: Int)] = []
        for (name, raw) in header where name != "__metadata__" {
            guard let entry = raw as? [String: Any] else { throw fail("tensor '\(name)': entry is not an object") }
            guard let dtypeName = entry["dtype"] as? String else { throw fail("tensor '\(name)': missing dtype") }
            guard let dtype = DType(rawValue: dtypeName) else {
                throw fail("tensor '\(name)': unsupported dtype \(dtypeName) (supported: F32, F16, BF16)")
            }
            guard let shapeRaw = entry["shape"] as? [Any], let shape = integers(shapeRaw), shape.allSatisfy({ $0 >= 0 }) else {
                throw fail("tensor '\(name)': shape is not a list of non-negative integers")
            }
            guard let offsetsRaw = entry["data_offsets"] as? [Any], let offsets = integers(offsetsRaw), offsets.count == 2 else {
                throw fail("tensor '\(name)': data_offsets is not a pair of integers")
            }
            let (begin, end) = (offsets[0], offsets[1])
            guard begin >= 0, begin <= end else { throw fail("tensor '\(name)': data_offsets [\(begin), \(end)) are not an ordered range") }
            guard end <= bufferSize else {
                throw fail("tensor '\(name)': data_offsets end \(end) is past the \(bufferSize)-byte data buffer; the file is truncated or corrupt")
            }
            let (count, overflow) = shape.reduce((1, false)) { acc, d in
                let r = acc.0.multipliedReportingOverflow(by: d)
                return (r.partialValue, acc.1 || r.overflow)
            }
            guard !overflow, count.multipliedReportingOverflow(by: dtype.byteSize).partialValue == end - begin else {
                throw fail(
                    "tensor '\(name)': shape \(shape) of \(dtype.rawValue) needs \(count * dtype.byteSize) bytes but data_offsets span \(end - begin)"
                )
            }
            entries.append((name, dtype, shape, begin, end))
        }

        // The entries must cover the data buffer exactly: no holes, no overlaps.
        entries.sort { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }
        var covered = 0
        for entry in entries {
            if entry.begin < covered {
                throw fail("tensor '\(entry.name)': data_offsets [\(entry.begin), \(entry.end)) overlap another tensor")
            }
            if entry.begin > covered {
                throw fail("bytes [\(covered), \(entry.begin)) of the data buffer belong to no tensor")
            }
            covered = entry.end
        }
        if covered != bufferSize {
            throw fail("data buffer is \(bufferSize) bytes but the tensors cover \(covered); trailing bytes belong to no tensor")
        }

        var tensors: [String: NamedTensor] = [:]
        tensors.reserveCapacity(entries.count)
        data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            for entry in entries {
                let bytes = UnsafeRawBufferPointer(rebasing: raw[(8 + Int(headerLength) + entry.begin)..<(8 + Int(headerLength) + entry.end)])
                tensors[entry.name] = NamedTensor(shape: entry.shape, values: decode(bytes, as: entry.dtype))
            }
        }
        return SafeTensors(tensors: tensors, metadata: metadata)
    }

    private static func integers(_ values: [Any]) -> [Int]? {
        var result: [Int] = []
        for value in values {
            guard let number = value as? NSNumber, let integer = Int(exactly: number.doubleValue) else { return nil }
            result.append(integer)
        }
        return result
    }

    private static func decode(_ bytes: UnsafeRawBufferPointer, as dtype: DType) -> [Float] {
        let count = bytes.count / dtype.byteSize
        return [Float](unsafeUninitializedCapacity: count) { out, initialized in
            switch dtype {
            case .f32:
                for i in 0..<count { out[i] = Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))) }
            case .f16:
                for i in 0..<count {
                    out[i] = HalfPrecision.floatFromHalf(UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
                }
            case .bf16:
                for i in 0..<count {
                    out[i] = HalfPrecision.floatFromBFloat(UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
                }
            }
            initialized = count
        }
    }
}

import Foundation

/// The tensors of a PyTorch checkpoint (`torch.save` zip format) or a safetensors file, read
/// without Python: the zip container, a restricted pickle (`PickleReader`) and the raw storages.
public struct TorchStateDict: Sendable {
    public var tensors: [String: NamedTensor]
    /// What was found on the way, for the import report (e.g. "the state dict is under 'ema'").
    public var notes: [String]

    /// The one-line command that re-saves an old checkpoint in the zip format.
    static let resaveCommand = "python -c \"import torch; torch.save(torch.load('OLD.pth', weights_only=True), 'NEW.pth')\""

    /// Reads `url`; `key` picks the nested state dict when the file holds several.
    public static func read(_ url: URL, key: String? = nil) throws(CheckpointError) -> TorchStateDict {
        let file = url.lastPathComponent
        let data: Data
        do { data = try Data(contentsOf: url, options: .mappedIfSafe) } catch {
            throw CheckpointError(file: url.path, problem: "cannot read the file (\(error.localizedDescription))")
        }
        do {
            return try parse(data, key: key)
        } catch let problem as ImportProblem {
            throw CheckpointError(file: file, problem: problem.description)
        } catch {
            throw CheckpointError(file: file, problem: "\(error)")
        }
    }

    static func parse(_ data: Data, key: String?) throws -> TorchStateDict {
        if ZipArchive.isZip(data) { return try parseZip(data, key: key) }
        if looksLikeSafeTensors(data) {
            let contents: SafeTensors
            do { contents = try SafeTensors.parse(data, file: "") } catch let error as SafeTensorsError {
                throw ImportProblem("not a readable safetensors file: \(error.problem)")
            }
            return TorchStateDict(tensors: contents.tensors, notes: ["read \(contents.tensors.count) tensors from safetensors"])
        }
        if isLegacyTorch(data) {
            throw ImportProblem(
                "this is the pre-1.6 torch format (a tar archive or a raw pickle stream), which is not read here; re-save it in the zip format with: \(resaveCommand)"
            )
        }
        if data.count >= 4, data.prefix(2).elementsEqual([0x50, 0x4B]) {
            throw ImportProblem("the zip archive starts with no local file header: it is damaged or truncated")
        }
        throw ImportProblem("not a PyTorch zip checkpoint (.pth/.pt saved by torch >= 1.6) nor a safetensors file")
    }

    private static func looksLikeSafeTensors(_ data: Data) -> Bool {
        let reader = ByteReader(data)
        guard let length = reader.u64(0), length >= 2, length < UInt64(data.count) else { return false }
        return reader.byte(8) == UInt8(ascii: "{")
    }

    /// A tar archive ("ustar" at 257) or the legacy stream, a pickle of the magic number 0x1950a86a20f9469cfc6c.
    private static func isLegacyTorch(_ data: Data) -> Bool {
        if data.count > 262, data.subdata(in: (data.startIndex + 257)..<(data.startIndex + 262)).elementsEqual(Array("ustar".utf8)) { return true }
        let magic: [UInt8] = [0x80, 0x02, 0x8A, 0x0A, 0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19]
        return data.count >= magic.count && data.prefix(magic.count).elementsEqual(magic)
    }

    private static func parseZip(_ data: Data, key: String?) throws -> TorchStateDict {
        let archive: ZipArchive
        do { archive = try ZipArchive(data) } catch { throw ImportProblem(error.description) }
        guard let pickleEntry = archive.entries.first(where: { $0.name.hasSuffix("/data.pkl") || $0.name == "data.pkl" }) else {
            throw ImportProblem("the zip archive holds no data.pkl, so it is not a torch checkpoint")
        }
        let prefix = String(pickleEntry.name.dropLast("data.pkl".count))
        if let order = archive.entry(named: prefix + "byteorder") {
            let text = String(decoding: try zipContents(archive, order), as: UTF8.self)
            guard text == "little" else {
                throw ImportProblem("the checkpoint was saved on a \(text)-endian machine; only little-endian storages are read")
            }
        }
        let root: PickleValue
        do { root = try PickleReader.read(try zipContents(archive, pickleEntry)) } catch let problem as PickleProblem {
            throw ImportProblem("data.pkl: \(problem.description)")
        }
        var notes: [String] = []
        let stateDict = try pickStateDict(root, key: key, notes: &notes)
        var storages: [String: Data] = [:]
        var tensors: [String: NamedTensor] = [:]
        for (name, reference) in stateDict {
            let storage = reference.storage
            if storages[storage.key] == nil {
                guard let entry = archive.entry(named: prefix + "data/" + storage.key) else {
                    throw ImportProblem("tensor \(name): its storage data/\(storage.key) is not in the archive")
                }
                let bytes = try zipContents(archive, entry)
                guard bytes.count >= storage.elementCount * storage.dtype.byteSize else {
                    throw ImportProblem(
                        "tensor \(name): storage data/\(storage.key) holds \(bytes.count) bytes, fewer than its \(storage.elementCount) \(storage.dtype.rawValue) elements need"
                    )
                }
                storages[storage.key] = bytes
            }
            guard let bytes = storages[storage.key] else { continue }
            tensors[name] = try materialise(reference, from: bytes, name: name)
        }
        let f16 = stateDict.values.filter { $0.storage.dtype != .f32 }.count
        if f16 > 0 { notes.append("converted \(f16) float16/bfloat16 tensor(s) to float32") }
        return TorchStateDict(tensors: tensors, notes: notes)
    }

    private static func zipContents(_ archive: ZipArchive, _ entry: ZipArchive.Entry) throws -> Data {
        do { return try archive.contents(of: entry) } catch { throw ImportProblem(error.description) }
    }

    /// The dict of string -> tensor at the top, or the one nested under a key.
    private static func pickStateDict(_ root: PickleValue, key: String?, notes: inout [String]) throws -> [String: TorchTensorRef] {
        guard case .dict(let top) = root else { throw ImportProblem("the pickle holds no dict, so it is not a state dict") }
        func tensorsOf(_ dict: PickleDict) -> [String: TorchTensorRef] {
            var out: [String: TorchTensorRef] = [:]
            for (k, v) in zip(dict.keys, dict.values) {
                if case .string(let name) = k, case .tensor(let t) = v { out[name] = t }
            }
            return out
        }
        var nested: [(String, PickleDict)] = []
        for (k, v) in zip(top.keys, top.values) {
            if case .string(let name) = k, case .dict(let d) = v, !tensorsOf(d).isEmpty { nested.append((name, d)) }
        }
        if let key {
            guard let found = nested.first(where: { $0.0 == key }) else {
                let list = nested.map { "'\($0.0)'" }.joined(separator: ", ")
                throw ImportProblem("no state dict under the key '\(key)'" + (nested.isEmpty ? "" : "; state dicts are under \(list)"))
            }
            notes.append("used the state dict under the key '\(key)'")
            return tensorsOf(found.1)
        }
        let direct = tensorsOf(top)
        if !direct.isEmpty {
            let others = top.count - direct.count
            if others > 0 { notes.append("ignored \(others) non-tensor entr\(others == 1 ? "y" : "ies") of the state dict") }
            return direct
        }
        switch nested.count {
        case 0:
            throw ImportProblem("the file holds no tensors at the top or one level down (is it an optimizer file? use the one ending in _gen.pth)")
        case 1:
            let skipped = top.keys.compactMap { if case .string(let s) = $0, s != nested[0].0 { return "'\(s)'" } else { return nil } }
            notes.append(
                "found the state dict under the key '\(nested[0].0)'" + (skipped.isEmpty ? "" : "; ignored \(skipped.joined(separator: ", "))"))
            return tensorsOf(nested[0].1)
        default:
            let list = nested.map { "'\($0.0)'" }.joined(separator: ", ")
            throw ImportProblem("state dicts are under several keys (\(list)); choose one with --key")
        }
    }

    /// Gathers a (possibly strided, offset) view out of its storage, in C order, as Float.
    private static func materialise(_ t: TorchTensorRef, from bytes: Data, name: String) throws -> NamedTensor {
        guard t.shape.allSatisfy({ $0 >= 0 }), t.strides.allSatisfy({ $0 >= 0 }), t.offset >= 0 else {
            throw ImportProblem("tensor \(name): negative size, stride or offset")
        }
        var count = 1
        for d in t.shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: d)
            guard !overflow, product <= t.storage.elementCount else {
                throw ImportProblem("tensor \(name): shape \(t.shape) is larger than its storage")
            }
            count = product
        }
        if count > 0 {
            let last = zip(t.shape, t.strides).reduce(t.offset) { $0 + ($1.0 - 1) * $1.1 }
            guard last < t.storage.elementCount else {
                throw ImportProblem(
                    "tensor \(name): offset \(t.offset), shape \(t.shape) and strides \(t.strides) reach past its storage of \(t.storage.elementCount) elements"
                )
            }
        }
        let dtype = t.storage.dtype
        var values = [Float](repeating: 0, count: count)
        bytes.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            func element(_ index: Int) -> Float {
                switch dtype {
                case .f32: return Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * index, as: UInt32.self)))
                case .f16: return HalfPrecision.floatFromHalf(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * index, as: UInt16.self)))
                case .bf16: return HalfPrecision.floatFromBFloat(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * index, as: UInt16.self)))
                }
            }
            // C-contiguous (the usual case): one run from the offset.
            var expected = 1
            var contiguous = true
            for (size, stride) in zip(t.shape, t.strides).reversed() where size > 1 {
                if stride != expected { contiguous = false }
                expected *= size
            }
            if contiguous {
                for i in 0..<count { values[i] = element(t.offset + i) }
                return
            }
            var index = [Int](repeating: 0, count: t.shape.count)
            for i in 0..<count {
                var at = t.offset
                for (d, stride) in zip(index, t.strides) { at += d * stride }
                values[i] = element(at)
                var axis = t.shape.count - 1
                while axis >= 0 {
                    index[axis] += 1
                    if index[axis] < t.shape[axis] { break }
                    index[axis] = 0
                    axis -= 1
                }
            }
        }
        return NamedTensor(shape: t.shape, values: values)
    }
}

/// A reason a file cannot be imported, without the file name (the caller adds it).
struct ImportProblem: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

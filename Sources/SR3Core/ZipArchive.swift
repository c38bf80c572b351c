import Foundation

/// The entries of a zip file (as torch.save writes them: stored, not compressed), read from the
/// central directory. Only stored entries can be opened; anything malformed is a `ZipProblem`.
struct ZipArchive {
    struct Entry {
        let name: String
        let method: UInt16
        let compressedSize: Int
        let size: Int
        let localHeaderOffset: Int
    }

    let data: Data
    let entries: [Entry]

    static func isZip(_ data: Data) -> Bool { data.count >= 4 && data.prefix(4).elementsEqual([0x50, 0x4B, 0x03, 0x04]) }

    init(_ data: Data) throws(ZipProblem) {
        self.data = data
        let bytes = ByteReader(data)
        // The end-of-central-directory record lies in the last 22 + 65535 bytes.
        guard data.count >= 22 else { throw ZipProblem("the file is \(data.count) bytes, too short for a zip archive; it is truncated") }
        var eocd = -1
        var position = data.count - 22
        let lowest = max(0, data.count - 22 - 65_535)
        while position >= lowest {
            if bytes.u32(position) == 0x0605_4B50 {
                eocd = position
                break
            }
            position -= 1
        }
        guard eocd >= 0 else { throw ZipProblem("no end of central directory record: the zip archive is truncated or damaged") }
        var count = Int(bytes.u16(eocd + 10) ?? 0)
        var directorySize = Int(bytes.u32(eocd + 12) ?? 0)
        var directoryOffset = Int(bytes.u32(eocd + 16) ?? 0)
        // Zip64: the locator sits just before the end record and points at the zip64 end record.
        if eocd >= 20, bytes.u32(eocd - 20) == 0x0706_4B50, let recordOffset = bytes.u64(eocd - 12),
            recordOffset < UInt64(data.count), bytes.u32(Int(recordOffset)) == 0x0606_4B50
        {
            let record = Int(recordOffset)
            guard let n = bytes.u64(record + 32), let size = bytes.u64(record + 40), let offset = bytes.u64(record + 48),
                n < UInt64(Int32.max), size < UInt64(data.count), offset < UInt64(data.count)
            else {
                throw ZipProblem("the zip64 end of central directory record is damaged")
            }
            count = Int(n)
            directorySize = Int(size)
            directoryOffset = Int(offset)
        }
        guard directoryOffset + directorySize <= data.count else {
            throw ZipProblem("the central directory lies past the end of the file: the zip archive is truncated")
        }
        var entries: [Entry] = []
        var at = directoryOffset
        for _ in 0..<count {
            guard bytes.u32(at) == 0x0201_4B50, let method = bytes.u16(at + 10), let compressed32 = bytes.u32(at + 20),
                let size32 = bytes.u32(at + 24), let nameLength = bytes.u16(at + 28), let extraLength = bytes.u16(at + 30),
                let commentLength = bytes.u16(at + 32), let local32 = bytes.u32(at + 42)
            else {
                throw ZipProblem("central directory entry \(entries.count) is damaged or truncated")
            }
            let nameStart = at + 46
            guard let nameBytes = bytes.slice(nameStart, Int(nameLength)) else {
                throw ZipProblem("central directory entry \(entries.count) is truncated")
            }
            let name = String(decoding: nameBytes, as: UTF8.self)
            var compressed = UInt64(compressed32)
            var size = UInt64(size32)
            var local = UInt64(local32)
            // Zip64 extra field: the 64-bit values replace the 32-bit ones that are 0xFFFFFFFF, in this order.
            var extra = nameStart + Int(nameLength)
            let extraEnd = extra + Int(extraLength)
            while extra + 4 <= extraEnd, let id = bytes.u16(extra), let length = bytes.u16(extra + 2) {
                if id == 0x0001 {
                    var field = extra + 4
                    if size32 == 0xFFFF_FFFF, let v = bytes.u64(field) {
                        size = v
                        field += 8
                    }
                    if compressed32 == 0xFFFF_FFFF, let v = bytes.u64(field) {
                        compressed = v
                        field += 8
                    }
                    if local32 == 0xFFFF_FFFF, let v = bytes.u64(field) { local = v }
                }
                extra += 4 + Int(length)
            }
            guard compressed <= UInt64(data.count), size <= UInt64(Int32.max) * 16, local < UInt64(data.count) else {
                throw ZipProblem("entry \(name) claims sizes or an offset beyond the file: the archive is truncated or damaged")
            }
            entries.append(Entry(name: name, method: method, compressedSize: Int(compressed), size: Int(size), localHeaderOffset: Int(local)))
            at = extraEnd + Int(commentLength)
        }
        self.entries = entries
    }

    func entry(named name: String) -> Entry? { entries.first { $0.name == name } }

    /// The bytes of a stored entry.
    func contents(of entry: Entry) throws(ZipProblem) -> Data {
        let bytes = ByteReader(data)
        let at = entry.localHeaderOffset
        guard bytes.u32(at) == 0x0403_4B50, let nameLength = bytes.u16(at + 26), let extraLength = bytes.u16(at + 28) else {
            throw ZipProblem("the local header of \(entry.name) is damaged")
        }
        guard entry.method == 0 else {
            let how = entry.method == 8 ? "deflate-compressed" : "compressed with method \(entry.method)"
            throw ZipProblem(
                "entry \(entry.name) is \(how); only stored entries (as torch.save writes them) can be read. Re-save it with torch.save(torch.load(PATH, weights_only=True), NEW_PATH)"
            )
        }
        let start = at + 30 + Int(nameLength) + Int(extraLength)
        guard entry.size == entry.compressedSize, start + entry.size <= data.count else {
            throw ZipProblem("entry \(entry.name) runs past the end of the file: the archive is truncated")
        }
        return data.subdata(in: (data.startIndex + start)..<(data.startIndex + start + entry.size))
    }
}

struct ZipProblem: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Bounds-checked little-endian reads; nil past the end.
struct ByteReader {
    let data: Data
    init(_ data: Data) { self.data = data }

    func byte(_ at: Int) -> UInt8? { at >= 0 && at < data.count ? data[data.startIndex + at] : nil }

    func u16(_ at: Int) -> UInt16? {
        guard at >= 0, at + 2 <= data.count else { return nil }
        return (0..<2).reduce(UInt16(0)) { $0 | UInt16(data[data.startIndex + at + $1]) << (8 * UInt16($1)) }
    }

    func u32(_ at: Int) -> UInt32? {
        guard at >= 0, at + 4 <= data.count else { return nil }
        return (0..<4).reduce(UInt32(0)) { $0 | UInt32(data[data.startIndex + at + $1]) << (8 * UInt32($1)) }
    }

    func u64(_ at: Int) -> UInt64? {
        guard at >= 0, at + 8 <= data.count else { return nil }
        return (0..<8).reduce(UInt64(0)) { $0 | UInt64(data[data.startIndex + at + $1]) << (8 * UInt64($1)) }
    }

    func slice(_ at: Int, _ count: Int) -> Data? {
        guard at >= 0, count >= 0, at + count <= data.count else { return nil }
        return data.subdata(in: (data.startIndex + at)..<(data.startIndex + at + count))
    }
}

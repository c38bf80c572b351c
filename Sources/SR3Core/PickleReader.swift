import Foundation

/// A value of a restricted pickle: plain data, the allowed torch objects, nothing callable.
indirect enum PickleValue {
    case none
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)
    case bytes(Data)
    case tuple([PickleValue])
    case list(PickleList)
    case dict(PickleDict)
    /// A global from the allow-list, not yet called.
    case global(PickleGlobal)
    /// A storage named by a persistent id: ('storage', type, key, location, numel).
    case storage(TorchStorageRef)
    case tensor(TorchTensorRef)
}

final class PickleList {
    var items: [PickleValue] = []
    /// Levels of containers inside, this one included.
    var depth = 1
}

/// Keeps insertion order, as OrderedDict and Python dicts do.
final class PickleDict {
    private(set) var keys: [PickleValue] = []
    private(set) var values: [PickleValue] = []
    /// Levels of containers inside, this one included.
    var depth = 1

    func set(_ key: PickleValue, _ value: PickleValue) {
        if case .string(let name) = key,
            let i = keys.firstIndex(where: {
                if case .string(let k) = $0 { return k == name }
                return false
            })
        {
            values[i] = value
        } else {
            keys.append(key)
            values.append(value)
        }
    }

    var count: Int { keys.count }
}

/// The globals a state dict may name. Everything else is refused when the pickle names it.
enum PickleGlobal: Equatable {
    case orderedDict
    case rebuildTensor
    case rebuildParameter
    case storageType(DType)

    static func allowed(module: String, name: String) -> PickleGlobal? {
        switch (module, name) {
        case ("collections", "OrderedDict"): return .orderedDict
        case ("torch._utils", "_rebuild_tensor_v2"): return .rebuildTensor
        case ("torch._utils", "_rebuild_parameter"): return .rebuildParameter
        case ("torch", "FloatStorage"): return .storageType(.f32)
        case ("torch", "HalfStorage"): return .storageType(.f16)
        case ("torch", "BFloat16Storage"): return .storageType(.bf16)
        default: return nil
        }
    }
}

extension PickleValue {
    /// Levels of nested containers (a hostile pickle could nest deep enough to overflow the stack
    /// when the values are released; the reader caps this).
    var depth: Int {
        switch self {
        case .tuple(let items): return 1 + (items.map(\.depth).max() ?? 0)
        case .list(let l): return l.depth
        case .dict(let d): return d.depth
        default: return 0
        }
    }
}

struct TorchStorageRef {
    let dtype: DType
    let key: String
    let elementCount: Int
}

struct TorchTensorRef {
    let storage: TorchStorageRef
    let offset: Int
    let shape: [Int]
    let strides: [Int]
}

struct PickleProblem: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Reads the pickle of a torch state dict the way `torch.load(weights_only=True)` does: only the
/// opcodes plain data needs, only the globals of `PickleGlobal`, and nothing is ever executed.
struct PickleReader {
    /// Bounds on what a hostile file can make us allocate.
    static let maximumStack = 1_000_000
    static let maximumMemo = 1_000_000
    static let maximumDepth = 64

    private let bytes: [UInt8]
    private var position = 0
    private var stack: [PickleValue] = []
    private var marks: [Int] = []
    private var memo: [Int: PickleValue] = [:]

    static func read(_ data: Data) throws(PickleProblem) -> PickleValue {
        var reader = PickleReader(bytes: [UInt8](data))
        return try reader.run()
    }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    private mutating func run() throws(PickleProblem) -> PickleValue {
        while true {
            let at = position
            let opcode = try takeByte()
            switch opcode {
            case 0x80: _ = try take(1)  // PROTO
            case 0x95: _ = try take(8)  // FRAME
            case 0x2E:  // STOP
                guard let result = stack.popLast() else { throw PickleProblem("the pickle stops with an empty stack") }
                return result
            case 0x28: marks.append(stack.count)  // MARK
            case 0x4E: try push(.none)  // NONE
            case 0x88: try push(.bool(true))  // NEWTRUE
            case 0x89: try push(.bool(false))  // NEWFALSE
            case 0x4B: try push(.int(Int(try takeByte())))  // BININT1
            case 0x4D: try push(.int(Int(try littleEndian(2))))  // BININT2
            case 0x4A: try push(.int(Int(Int32(truncatingIfNeeded: try littleEndian(4)))))  // BININT
            case 0x8A:  // LONG1
                let n = Int(try takeByte())
                try push(.int(try signedLittleEndian(take(n))))
            case 0x47:  // BINFLOAT (big-endian double)
                let raw = try take(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                try push(.float(Double(bitPattern: raw)))
            case 0x58: try push(.string(try text(Int(try littleEndian(4)))))  // BINUNICODE
            case 0x8C: try push(.string(try text(Int(try takeByte()))))  // SHORT_BINUNICODE
            case 0x8D: try push(.string(try text(try length(8))))  // BINUNICODE8
            case 0x55: try push(.string(try text(Int(try takeByte()))))  // SHORT_BINSTRING
            case 0x54: try push(.string(try text(try length(4))))  // BINSTRING
            case 0x43: try push(.bytes(Data(try take(Int(try takeByte())))))  // SHORT_BINBYTES
            case 0x42: try push(.bytes(Data(try take(try length(4)))))  // BINBYTES
            case 0x29: try push(.tuple([]))  // EMPTY_TUPLE
            case 0x85: try push(.tuple(try pop(1)))  // TUPLE1
            case 0x86: try push(.tuple(try pop(2)))  // TUPLE2
            case 0x87: try push(.tuple(try pop(3)))  // TUPLE3
            case 0x74: try push(.tuple(try popMark()))  // TUPLE
            case 0x5D: try push(.list(PickleList()))  // EMPTY_LIST
            case 0x7D: try push(.dict(PickleDict()))  // EMPTY_DICT
            case 0x61:  // APPEND
                let item = try pop(1)
                let target = try list(at: at)
                target.depth = try nested(target.depth, item, at: at)
                target.items.append(contentsOf: item)
            case 0x65:  // APPENDS
                let items = try popMark()
                let target = try list(at: at)
                target.depth = try nested(target.depth, items, at: at)
                target.items.append(contentsOf: items)
            case 0x73:  // SETITEM
                let pair = try pop(2)
                let target = try dict(at: at)
                target.depth = try nested(target.depth, pair, at: at)
                target.set(pair[0], pair[1])
            case 0x75:  // SETITEMS
                let items = try popMark()
                guard items.count % 2 == 0 else { throw PickleProblem("SETITEMS at byte \(at) has an odd number of items") }
                let target = try dict(at: at)
                target.depth = try nested(target.depth, items, at: at)
                for i in stride(from: 0, to: items.count, by: 2) { target.set(items[i], items[i + 1]) }
            case 0x71: try memoize(Int(try takeByte()))  // BINPUT
            case 0x72: try memoize(Int(try littleEndian(4)))  // LONG_BINPUT
            case 0x94: try memoize(memo.count)  // MEMOIZE
            case 0x68: try push(try recall(Int(try takeByte())))  // BINGET
            case 0x6A: try push(try recall(Int(try littleEndian(4))))  // LONG_BINGET
            case 0x63:  // GLOBAL "module\nname\n"
                let module = try line()
                let name = try line()
                try push(.global(try allow(module: module, name: name)))
            case 0x93:  // STACK_GLOBAL
                let parts = try pop(2)
                guard case .string(let module) = parts[0], case .string(let name) = parts[1] else {
                    throw PickleProblem("STACK_GLOBAL at byte \(at) names a global with non-string parts")
                }
                try push(.global(try allow(module: module, name: name)))
            case 0x51:  // BINPERSID
                try push(try persistentLoad(try pop(1)[0]))
            case 0x52:  // REDUCE
                let parts = try pop(2)
                try push(try reduce(parts[0], parts[1], at: at))
            case 0x81:  // NEWOBJ: only OrderedDict (cls, ())
                let parts = try pop(2)
                guard case .global(.orderedDict) = parts[0] else {
                    throw PickleProblem("NEWOBJ at byte \(at) builds something other than an OrderedDict")
                }
                try push(.dict(PickleDict()))
            case 0x62:  // BUILD: only attribute state on dicts (OrderedDict._metadata)
                let state = try pop(1)[0]
                guard case .dict = try peek(at: at) else { throw PickleProblem("BUILD at byte \(at) sets state on something other than a dict") }
                guard case .dict = state else {
                    if case .none = state { break }
                    throw PickleProblem("BUILD at byte \(at) carries state that is not a dict")
                }
            case 0x30: _ = try pop(1)  // POP
            case 0x31: _ = try popMark()  // POP_MARK
            case 0x32: try push(try peek(at: at))  // DUP
            default:
                throw PickleProblem(String(format: "opcode 0x%02X at byte %d is not one a state dict needs; refusing the file", opcode, at))
            }
        }
    }

    // MARK: - Globals, persistent ids and calls

    private func allow(module: String, name: String) throws(PickleProblem) -> PickleGlobal {
        guard let global = PickleGlobal.allowed(module: module, name: name) else {
            throw PickleProblem(
                "the pickle names the global \(module).\(name), which a state dict never needs; refusing the file (nothing was executed)")
        }
        return global
    }

    private func persistentLoad(_ id: PickleValue) throws(PickleProblem) -> PickleValue {
        guard case .tuple(let parts) = id, parts.count >= 5, case .string("storage") = parts[0] else {
            throw PickleProblem("a persistent id is not a torch storage reference ('storage', type, key, location, numel)")
        }
        guard case .global(.storageType(let dtype)) = parts[1] else {
            throw PickleProblem("a storage has a type other than float32, float16 or bfloat16")
        }
        guard case .string(let key) = parts[2], case .int(let count) = parts[4], count >= 0 else {
            throw PickleProblem("a storage reference has no string key or element count")
        }
        return .storage(TorchStorageRef(dtype: dtype, key: key, elementCount: count))
    }

    private func reduce(_ callable: PickleValue, _ arguments: PickleValue, at: Int) throws(PickleProblem) -> PickleValue {
        guard case .global(let global) = callable, case .tuple(let args) = arguments else {
            throw PickleProblem("REDUCE at byte \(at) calls something that is not an allowed global")
        }
        switch global {
        case .orderedDict:
            guard args.isEmpty else { throw PickleProblem("REDUCE at byte \(at) builds an OrderedDict from arguments") }
            return .dict(PickleDict())
        case .rebuildTensor:
            // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
            guard args.count >= 4, case .storage(let storage) = args[0], case .int(let offset) = args[1],
                let shape = Self.integers(args[2]), let strides = Self.integers(args[3]), shape.count == strides.count
            else {
                throw PickleProblem("_rebuild_tensor_v2 at byte \(at) has arguments other than (storage, offset, size, stride, ...)")
            }
            return .tensor(TorchTensorRef(storage: storage, offset: offset, shape: shape, strides: strides))
        case .rebuildParameter:
            guard let data = args.first, case .tensor = data else { throw PickleProblem("_rebuild_parameter at byte \(at) wraps no tensor") }
            return data
        case .storageType:
            throw PickleProblem("REDUCE at byte \(at) calls a storage type")
        }
    }

    private static func integers(_ value: PickleValue) -> [Int]? {
        guard case .tuple(let items) = value else { return nil }
        var out: [Int] = []
        for item in items {
            guard case .int(let v) = item else { return nil }
            out.append(v)
        }
        return out
    }

    // MARK: - Stack, memo and bytes

    private mutating func push(_ value: PickleValue) throws(PickleProblem) {
        guard stack.count < Self.maximumStack else { throw PickleProblem("the pickle's stack grows past \(Self.maximumStack) items") }
        if case .tuple = value, value.depth > Self.maximumDepth {
            throw PickleProblem("the pickle nests containers deeper than \(Self.maximumDepth) levels, which no state dict does")
        }
        stack.append(value)
    }

    /// The depth of a container after `items` go into it.
    private func nested(_ depth: Int, _ items: [PickleValue], at: Int) throws(PickleProblem) -> Int {
        let result = max(depth, 1 + (items.map(\.depth).max() ?? 0))
        guard result <= Self.maximumDepth else {
            throw PickleProblem("the pickle nests containers deeper than \(Self.maximumDepth) levels at byte \(at), which no state dict does")
        }
        return result
    }

    private mutating func pop(_ count: Int) throws(PickleProblem) -> [PickleValue] {
        guard stack.count - count >= (marks.last ?? 0) else {
            throw PickleProblem("the pickle pops more than its stack holds (at byte \(position - 1))")
        }
        let items = Array(stack.suffix(count))
        stack.removeLast(count)
        return items
    }

    private mutating func popMark() throws(PickleProblem) -> [PickleValue] {
        guard let mark = marks.popLast(), mark <= stack.count else {
            throw PickleProblem("the pickle uses a MARK it never set (at byte \(position - 1))")
        }
        let items = Array(stack[mark...])
        stack.removeSubrange(mark...)
        return items
    }

    private func peek(at: Int) throws(PickleProblem) -> PickleValue {
        guard let top = stack.last, stack.count > (marks.last ?? 0) else { throw PickleProblem("opcode at byte \(at) needs a value on the stack") }
        return top
    }

    private func list(at: Int) throws(PickleProblem) -> PickleList {
        guard case .list(let l) = try peek(at: at) else { throw PickleProblem("APPEND at byte \(at) appends to something that is not a list") }
        return l
    }

    private func dict(at: Int) throws(PickleProblem) -> PickleDict {
        guard case .dict(let d) = try peek(at: at) else { throw PickleProblem("SETITEM at byte \(at) sets an item on something that is not a dict") }
        return d
    }

    private mutating func memoize(_ index: Int) throws(PickleProblem) {
        guard index >= 0, memo.count < Self.maximumMemo else { throw PickleProblem("the pickle's memo grows past \(Self.maximumMemo) entries") }
        memo[index] = try peek(at: position - 1)
    }

    private func recall(_ index: Int) throws(PickleProblem) -> PickleValue {
        guard let value = memo[index] else { throw PickleProblem("the pickle recalls memo entry \(index), which was never stored") }
        return value
    }

    private mutating func take(_ count: Int) throws(PickleProblem) -> ArraySlice<UInt8> {
        guard count >= 0, position + count <= bytes.count else {
            throw PickleProblem("the pickle ends in the middle of an opcode (byte \(position) of \(bytes.count)): the file is truncated")
        }
        defer { position += count }
        return bytes[position..<(position + count)]
    }

    private mutating func takeByte() throws(PickleProblem) -> UInt8 {
        guard let byte = try take(1).first else { throw PickleProblem("the pickle ends early: the file is truncated") }
        return byte
    }

    private mutating func littleEndian(_ count: Int) throws(PickleProblem) -> UInt64 {
        try take(count).reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    }

    private mutating func length(_ count: Int) throws(PickleProblem) -> Int {
        let value = try littleEndian(count)
        guard value <= UInt64(bytes.count) else { throw PickleProblem("the pickle gives a length of \(value) bytes, more than the file holds") }
        return Int(value)
    }

    private func signedLittleEndian(_ slice: ArraySlice<UInt8>) throws(PickleProblem) -> Int {
        guard slice.count <= 8 else { throw PickleProblem("the pickle holds an integer wider than 64 bits") }
        guard !slice.isEmpty else { return 0 }
        var value = slice.reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        if slice.count < 8, let last = slice.last, last & 0x80 != 0 { value |= ~UInt64(0) << (8 * UInt64(slice.count)) }
        return Int(truncatingIfNeeded: value)
    }

    private mutating func text(_ count: Int) throws(PickleProblem) -> String {
        guard let s = String(bytes: try take(count), encoding: .utf8) else { throw PickleProblem("the pickle holds a string that is not UTF-8") }
        return s
    }

    private mutating func line() throws(PickleProblem) -> String {
        guard let end = bytes[position...].firstIndex(of: 0x0A) else {
            throw PickleProblem("a GLOBAL's name is not terminated: the file is truncated")
        }
        let slice = bytes[position..<end]
        position = end + 1
        return String(decoding: slice, as: UTF8.self)
    }
}

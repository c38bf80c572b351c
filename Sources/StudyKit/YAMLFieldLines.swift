import Yams

/// Where each field of a YAML document is, by field path (`models[2].kind`), so that errors
/// found after decoding can still name the line. Also lists the keys of every mapping.
struct YAMLFieldLines: Sendable {
    /// Field path -> 1-based line of the field's key (for mapping entries) or value (for sequence items).
    private(set) var lines: [String: Int] = [:]
    /// Field path of each mapping -> its keys in file order, with their lines.
    private(set) var mappingKeys: [String: [(key: String, line: Int)]] = [:]
    /// Field path -> the text of scalar values.
    private(set) var scalars: [String: String] = [:]

    init(root: Node) {
        lines[""] = root.mark?.line ?? 1
        walk(root, path: "")
    }

    /// The line of `field`, or of its nearest enclosing field that is in the file.
    func line(of field: String) -> Int? {
        var path = field
        while true {
            if let line = lines[path] { return line }
            if path.isEmpty { return nil }
            path = YAMLFieldLines.parent(of: path)
        }
    }

    static func parent(of path: String) -> String {
        if path.hasSuffix("]"), let open = path.lastIndex(of: "[") { return String(path[..<open]) }
        if let dot = path.lastIndex(of: ".") { return String(path[..<dot]) }
        return ""
    }

    static func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    private mutating func walk(_ node: Node, path: String) {
        switch node {
        case .mapping(let mapping):
            var keys: [(key: String, line: Int)] = []
            for (keyNode, value) in mapping {
                let key = keyNode.string ?? "\(keyNode)"
                let line = keyNode.mark?.line ?? value.mark?.line ?? 0
                let child = YAMLFieldLines.join(path, key)
                lines[child] = line
                keys.append((key, line))
                walk(value, path: child)
            }
            mappingKeys[path] = keys
        case .sequence(let sequence):
            for (index, item) in sequence.enumerated() {
                let child = "\(path)[\(index)]"
                lines[child] = item.mark?.line
                walk(item, path: child)
            }
        case .scalar(let scalar):
            scalars[path] = scalar.string
        case .alias:
            break
        }
    }
}

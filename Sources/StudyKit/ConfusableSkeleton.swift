import Foundation

/// UTS #39 skeletons: two strings a reader takes for one another (Latin `o` and Cyrillic `о`, `1` and `l`)
/// have the same skeleton. skeleton(X) = NFD(each scalar of NFD(X) replaced by its prototype), with the
/// prototypes of Unicode's confusables.txt compiled in (`ConfusableTable.swift`, made by
/// tools/confusables/generate.py).
public enum ConfusableSkeleton {
    public static func skeleton(_ value: String) -> String {
        var scalars = String.UnicodeScalarView()
        for scalar in value.decomposedStringWithCanonicalMapping.unicodeScalars {
            if let prototype = prototypes[scalar.value] {
                scalars.append(contentsOf: prototype)
            } else {
                scalars.append(scalar)
            }
        }
        return String(scalars).decomposedStringWithCanonicalMapping
    }

    /// Source scalar -> its prototype, parsed once from `table`.
    static let prototypes: [UInt32: [Unicode.Scalar]] = {
        var map: [UInt32: [Unicode.Scalar]] = [:]
        for line in table.split(separator: "\n") {
            let parts = line.split(separator: ";")
            guard parts.count == 2, let source = UInt32(parts[0], radix: 16) else { continue }
            map[source] = parts[1].split(separator: " ").compactMap { UInt32($0, radix: 16).flatMap(Unicode.Scalar.init) }
        }
        return map
    }()
}

import Foundation
import Hummingbird

/// JSON in and out: snake_case keys come from each type's CodingKeys, never from a key strategy.
enum JSONBody {
    /// Bodies larger than this are refused with 413.
    static let maxRequestBytes = 16 * 1024

    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(value)) ?? Data(#"{"error":"response could not be encoded"}"#.utf8)
        return Response(
            status: status,
            headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// Reads at most `maxRequestBytes` of the body (413 beyond that); an empty body reads as `{}` when allowed.
    static func read(_ request: Request, allowEmpty: Bool = false) async throws -> Data {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > maxRequestBytes {
            throw APIError(.contentTooLarge, "request body too large: at most \(maxRequestBytes) bytes")
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: maxRequestBytes)
        } catch let error as HTTPResponseError where error.status == .contentTooLarge {
            throw APIError(.contentTooLarge, "request body too large: at most \(maxRequestBytes) bytes")
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            // The HTTP parser's own errors: a bad chunk-size line, a body cut short.
            throw APIError(.badRequest, "request body could not be read: malformed or truncated (chunked) encoding")
        }
        if buffer.readableBytes == 0 {
            if allowEmpty { return Data("{}".utf8) }
            throw APIError(.badRequest, "request body is empty; send a JSON object")
        }
        let data = Data(buffer.readableBytesView)
        if let key = duplicateKey(in: data) {
            throw APIError(.badRequest, "request body has the key '\(key.prefix(64))' twice in one object; send each key once")
        }
        return data
    }

    /// The first key that appears twice in one object of `data` (keys compared after unescaping), or nil.
    /// Parsers disagree on which of two values wins (Foundation: the first, JavaScript and Python: the
    /// last), so the server accepts neither. A light scan: malformed JSON is the decoder's to refuse.
    static func duplicateKey(in data: Data) -> String? {
        struct Container {
            var isObject: Bool
            var keys: Set<String> = []
            var expectsKey: Bool
        }
        let bytes = [UInt8](data)
        var stack: [Container] = []
        var at = 0
        while at < bytes.count {
            switch bytes[at] {
            case UInt8(ascii: "{"): stack.append(Container(isObject: true, expectsKey: true))
            case UInt8(ascii: "["): stack.append(Container(isObject: false, expectsKey: false))
            case UInt8(ascii: "}"), UInt8(ascii: "]"): _ = stack.popLast()
            case UInt8(ascii: ","): if stack.last?.isObject == true { stack[stack.count - 1].expectsKey = true }
            case UInt8(ascii: ":"): if stack.last?.isObject == true { stack[stack.count - 1].expectsKey = false }
            case UInt8(ascii: "\""):
                let start = at
                at += 1
                while at < bytes.count, bytes[at] != UInt8(ascii: "\"") { at += bytes[at] == UInt8(ascii: "\\") ? 2 : 1 }
                guard let top = stack.last, top.isObject, top.expectsKey else { break }
                let raw = Data(bytes[start..<min(at + 1, bytes.count)])
                let key =
                    (try? JSONSerialization.jsonObject(with: raw, options: .fragmentsAllowed) as? String)
                    ?? String(decoding: raw, as: UTF8.self)
                if !stack[stack.count - 1].keys.insert(key).inserted { return key }
            default: break
            }
            at += 1
        }
        return nil
    }

    /// Decodes a JSON object, answering 400 for malformed JSON and 422 for a missing or mistyped field.
    static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch let error as DecodingError {
            switch error {
            case .dataCorrupted(let context) where context.codingPath.isEmpty:
                // Foundation on Linux reports some wrongly typed values (1.5 for an integer) this way too.
                if (try? JSONSerialization.jsonObject(with: data)) != nil {
                    throw APIError(.unprocessableContent, "a field has a value of the wrong type")
                }
                throw APIError(.badRequest, "request body is not valid JSON")
            case .keyNotFound(let key, _):
                throw APIError(.unprocessableContent, "missing field '\(key.stringValue)'")
            case .typeMismatch(let expected, let context), .valueNotFound(let expected, let context):
                throw APIError(
                    .unprocessableContent,
                    "field '\(path(context.codingPath))' must be \(describe(expected))")
            case .dataCorrupted(let context):
                throw APIError(.unprocessableContent, "field '\(path(context.codingPath))' is invalid")
            @unknown default:
                throw APIError(.badRequest, "request body could not be read")
            }
        } catch let error as APIError {
            throw error
        } catch {
            throw APIError(.badRequest, "request body is not valid JSON")
        }
    }

    private static func path(_ codingPath: [any CodingKey]) -> String {
        codingPath.map(\.stringValue).joined(separator: ".")
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type, is String?.Type: return "a string"
        case is Int.Type, is Int?.Type: return "an integer"
        case is Double.Type, is Double?.Type: return "a number"
        case is Bool.Type, is Bool?.Type: return "true or false"
        default: return "of another type"
        }
    }
}

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
        }
        if buffer.readableBytes == 0 {
            if allowEmpty { return Data("{}".utf8) }
            throw APIError(.badRequest, "request body is empty; send a JSON object")
        }
        return Data(buffer.readableBytesView)
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

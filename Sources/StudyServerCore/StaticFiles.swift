import Foundation
import Hummingbird

/// The participant app's files, served as they are from the public folder.
struct StaticFiles: Sendable {
    let publicFolder: URL

    /// A file of the public folder for a raw request path. Only plain segments of `[A-Za-z0-9._-]`,
    /// not starting with a dot, are accepted: no `..`, no percent-encoding, no absolute or hidden paths.
    func publicFile(rawPath: String) throws -> Response {
        let path = rawPath == "/" ? "/index.html" : rawPath
        let segments = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        guard path.hasPrefix("/"), !segments.isEmpty, segments.allSatisfy(Self.isPlainSegment) else {
            throw APIError.notFound("not found")
        }
        let root = publicFolder.standardizedFileURL.resolvingSymlinksInPath()
        let url = segments.reduce(root) { $0.appendingPathComponent(String($1)) }.resolvingSymlinksInPath()
        var isDirectory: ObjCBool = false
        guard url.path.hasPrefix(root.path + "/"),
            FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue,
            let data = FileManager.default.contents(atPath: url.path)
        else {
            throw APIError.notFound("not found")
        }
        return Response(
            status: .ok,
            headers: [
                .contentType: Self.contentType(url.pathExtension), .cacheControl: "no-cache",
                .contentLength: String(data.count),
            ],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    private static func isPlainSegment(_ segment: Substring) -> Bool {
        guard let first = segment.first, first != ".", segment.count <= 128 else { return false }
        return segment.utf8.allSatisfy { byte in
            (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
                || byte == 0x2E || byte == 0x5F || byte == 0x2D
        }
    }

    static func contentType(_ pathExtension: String) -> String {
        switch pathExtension.lowercased() {
        case "html": return "text/html; charset=utf-8"
        case "js", "mjs": return "text/javascript; charset=utf-8"
        case "css": return "text/css; charset=utf-8"
        case "json": return "application/json; charset=utf-8"
        case "png": return "image/png"
        case "svg": return "image/svg+xml"
        case "ico": return "image/x-icon"
        case "txt": return "text/plain; charset=utf-8"
        case "woff2": return "font/woff2"
        default: return "application/octet-stream"
        }
    }
}

/// Serves public files for every GET that is not an API, stimulus or health route.
struct PublicFilesMiddleware<Context: RequestContext>: RouterMiddleware {
    let files: StaticFiles

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        if (request.method != .get && request.method != .head) || path.hasPrefix("/api/") || path == "/api" || path.hasPrefix("/stimuli/")
            || path == "/healthz"
        {
            return try await next(request, context)
        }
        return try files.publicFile(rawPath: path)
    }
}

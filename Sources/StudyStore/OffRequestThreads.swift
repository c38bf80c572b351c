import Dispatch

extension StudyDatabase {
    /// Runs blocking database work (the synchronous whole-study reads that reports and the researcher
    /// endpoints use) on a Dispatch thread and awaits it, so that a request handler never blocks one of the
    /// few threads that Swift concurrency and the server share. (Blocking them with synchronous reads while
    /// answers were being written hung concurrent completions under load.)
    public func offRequestThreads<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async {
                continuation.resume(with: Result { try work() })
            }
        }
    }
}

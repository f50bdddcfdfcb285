import Foundation
import MoaCore

/// What went wrong, as a screen needs to know it — the core's `ErrorGroup` of the error: a banner
/// over the cache (offline), "try again", sign in again, gone, update the app, or a failure. The
/// words come from the app's Localizable strings, keyed by the case.
public enum UiError: Equatable, Sendable {
    /// No network, or the server did not answer in time: the cache is still shown.
    case offline
    /// Busy or briefly unable: offer to try again.
    case retryLater
    /// Not signed in, or the session ended.
    case signInNeeded
    case wrongCredentials
    case notFound
    /// The cache is from a newer app: ask to update.
    case updateNeeded
    /// Moa's own mistake; the detail is for logs, never shown as is.
    case failed(String)

    public init(_ error: Error) {
        guard let error = error as? MoaError else {
            self = .failed(String(describing: error))
            return
        }
        switch errorGroup(error: error) {
        case .offline: self = .offline
        case .retryLater: self = .retryLater
        case .signInAgain: self = .signInNeeded
        case .notFound: self = .notFound
        case .updateApp: self = .updateNeeded
        case .bug: self = .failed(String(describing: error))
        }
    }
}

/// Core calls that read the local cache block briefly; they run off the main actor.
func offMain<T>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await Task.detached(priority: .userInitiated) { try work() }.value
}

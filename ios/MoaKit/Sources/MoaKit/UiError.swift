import Foundation
import MoaCore

/// What went wrong, as a screen needs to know it: a banner over the cache (offline), sign-in, or
/// a failure. The words come from the app's Localizable strings, keyed by the case.
public enum UiError: Equatable, Sendable {
    /// No network, or the server did not answer in time: the cache is still shown.
    case offline
    /// Not signed in, or the session ended.
    case signInNeeded
    case wrongCredentials
    case notFound
    /// The cache is from a newer app: ask to update.
    case updateNeeded
    /// Anything else; the detail is for logs, never shown as is.
    case failed(String)

    public init(_ error: Error) {
        switch error {
        case MoaError.Offline, MoaError.Timeout, MoaError.Network: self = .offline
        case let MoaError.Server(status, _) where status >= 500: self = .offline
        case MoaError.Unauthorized: self = .signInNeeded
        case MoaError.NotFound: self = .notFound
        case MoaError.NewerDatabase: self = .updateNeeded
        default: self = .failed(String(describing: error))
        }
    }
}

/// Core calls that read the local cache block briefly; they run off the main actor.
func offMain<T>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await Task.detached(priority: .userInitiated) { try work() }.value
}

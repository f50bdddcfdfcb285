import Foundation

/// What the screens watch. Each model calls `changed()` whenever its state changes, and views
/// re-render (the SwiftUI app wraps a model in an `ObservableObject` that forwards this).
///
/// Not the Observation framework: Debian's Swift 6.0.3 ships a libswiftObservation.so that does
/// not link (an undefined `swift::threading::fatal`), and these models are tested on Linux.
@MainActor
open class StateModel {
    private var observers: [UUID: @MainActor () -> Void] = [:]

    public init() {}

    /// Call `observer` after every change, until the returned token is dropped or cancelled.
    public func observe(_ observer: @escaping @MainActor () -> Void) -> ObservationToken {
        let id = UUID()
        observers[id] = observer
        return ObservationToken { [weak self] in
            MainActor.assumeIsolated { _ = self?.observers.removeValue(forKey: id) }
        }
    }

    func changed() {
        for observer in observers.values {
            observer()
        }
    }
}

/// Stops an observation when cancelled or released.
public final class ObservationToken {
    private var cancelled: (() -> Void)?

    init(_ cancel: @escaping () -> Void) {
        cancelled = cancel
    }

    public func cancel() {
        cancelled?()
        cancelled = nil
    }

    deinit {
        cancel()
    }
}

import Foundation
import MoaCore

/// Hears the core's change notices (on a core thread) and runs `action` on the main actor when
/// one of `kinds` changed: the models re-read what the core says (hearts, follows) instead of
/// keeping copies of their own. The subscription lasts as long as the returned handle.
func subscribe(_ moa: Moa, to kinds: Set<ChangeKind>, _ action: @escaping @MainActor () async -> Void) -> ListenerHandle {
    moa.subscribe(listener: ChangeRelay(kinds: kinds, action: action))
}

final class ChangeRelay: ChangeListener, @unchecked Sendable {
    private let kinds: Set<ChangeKind>
    private let action: @MainActor () async -> Void

    init(kinds: Set<ChangeKind>, action: @escaping @MainActor () async -> Void) {
        self.kinds = kinds
        self.action = action
    }

    func onChanges(changes: [ChangeKind]) {
        guard changes.contains(where: kinds.contains) else { return }
        let action = self.action
        Task { @MainActor in await action() }
    }
}

/// A card's heart tapped: 찜 on or off as the card (the core's flag) says it is now.
func toggleHeart(_ moa: Moa, _ card: FeedCard) async throws {
    try await offMain {
        if card.wishlisted {
            _ = try moa.removeFromWishlist(productId: card.productId)
        } else {
            try moa.addToWishlist(productId: card.productId, variantId: nil)
        }
    }
}

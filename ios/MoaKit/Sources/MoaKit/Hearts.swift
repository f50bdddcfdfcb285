import Foundation
import MoaCore

/// The 찜 hearts every screen draws, from one place: the core's wishlist, read again whenever the
/// core says it changed (a tap on any screen, a sync, an account merge). The home, search and the
/// product sheet all read this one set, so the same product's heart always agrees.
@MainActor
public final class WishlistHearts: StateModel {
    public private(set) var ids: Set<String> = [] { didSet { changed() } }
    public var error: UiError? { didSet { changed() } }

    private let moa: Moa
    /// Released with the model, which stops the notices.
    private var subscription: ListenerHandle?
    /// Each read of the wishlist is numbered: an older read never replaces a newer one.
    private var generation = 0

    public init(moa: Moa) {
        self.moa = moa
        super.init()
        subscription = moa.subscribe(listener: ChangeRelay(kinds: [.wishlist]) { [weak self] in
            await self?.reload()
        })
    }

    public func contains(_ productId: String) -> Bool { ids.contains(productId) }

    public func reload() async {
        generation += 1
        let mine = generation
        let moa = self.moa
        do {
            let wishlist = try await offMain { try moa.wishlist() }
            if mine == generation { ids = Set(wishlist.map(\.productId)) }
        } catch {
            self.error = UiError(error)
        }
    }

    /// 찜 on or off (with the size chosen on the sheet, if any), decided by what the core has now.
    public func toggle(_ productId: String, variantId: String? = nil) async {
        let moa = self.moa
        do {
            try await offMain {
                if try moa.wishlist().contains(where: { $0.productId == productId }) {
                    _ = try moa.removeFromWishlist(productId: productId)
                } else {
                    try moa.addToWishlist(productId: productId, variantId: variantId)
                }
            }
        } catch {
            self.error = UiError(error)
        }
        await reload()
    }
}

/// Hears the core's change notices (on a core thread) and runs `action` on the main actor when
/// one of `kinds` changed.
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

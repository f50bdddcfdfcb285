import Foundation
import MoaCore

/// The home magazine. Opens from the cache at once (no network needed), then syncs and shows the
/// fresh home when the catalog changed. Sections, cards, prices and reasons come from the core as
/// they are; nothing is computed here.
@MainActor
public final class HomeModel: StateModel {
    public private(set) var sections: [FeedSection] = [] { didSet { changed() } }
    /// Nothing to show yet (first launch, empty cache).
    public private(set) var loading = true { didSet { changed() } }
    /// A sync is under way; the cache stays on screen.
    public private(set) var refreshing = false { didSet { changed() } }
    /// The last sync could not reach the server: a banner over the cache.
    public private(set) var offline = false { didSet { changed() } }
    public var error: UiError? { didSet { changed() } }
    /// Products on the wishlist, for the 찜 hearts.
    public private(set) var wishlisted: Set<String> = [] { didSet { changed() } }
    public private(set) var endReached = false { didSet { changed() } }
    public private(set) var lastSync: SyncReport? { didSet { changed() } }

    private let moa: Moa

    public init(moa: Moa) {
        self.moa = moa
        super.init()
    }

    /// Show the cached home, then refresh it from the server.
    public func start() async {
        await loadFromCache()
        await refresh()
    }

    private func loadFromCache() async {
        let moa = self.moa
        do {
            let (page, wishlist) = try await offMain { (try moa.homeFeed(), try moa.wishlist()) }
            sections = page.sections
            loading = page.sections.allSatisfy { $0.cards.isEmpty && $0.malls.isEmpty }
            wishlisted = Set(wishlist.map(\.productId))
            endReached = false
        } catch {
            self.error = UiError(error)
        }
    }

    /// Sync the catalog; a changed catalog gives a new home, an unreachable server a banner.
    public func refresh() async {
        refreshing = true
        do {
            let report = try await moa.sync(listener: nil, cancellation: nil)
            lastSync = report
            offline = false
            if report.upserted + report.deleted > 0 || sections.isEmpty {
                await loadFromCache()
            }
        } catch {
            let problem = UiError(error)
            if problem == .offline { offline = true } else { self.error = problem }
        }
        refreshing = false
        loading = false
    }

    /// The next page of "for you", appended; never a card already on the home.
    public func loadMore(count: UInt32 = 24) async {
        guard !endReached else { return }
        let moa = self.moa
        do {
            let more = try await offMain { try moa.moreForYou(count: count) }
            sections = sections.map { section in
                guard section.id == more.id else { return section }
                var grown = section
                grown.cards += more.cards
                return grown
            }
            endReached = more.cards.isEmpty
        } catch {
            self.error = UiError(error)
        }
    }

    /// "Not interested": the core remembers it; the card leaves the screen at once.
    public func notInterested(_ productId: String) async {
        let moa = self.moa
        do {
            try await offMain { try moa.record(event: .notInterested(productId: productId)) }
            sections = sections.map { section in
                var kept = section
                kept.cards = section.cards.filter { $0.productId != productId }
                return kept
            }
        } catch {
            self.error = UiError(error)
        }
    }

    /// 찜 on or off; local and instant, synced to the account by the core.
    public func toggleWishlist(_ productId: String) async {
        let moa = self.moa
        let on = !wishlisted.contains(productId)
        do {
            if on {
                try await offMain { try moa.addToWishlist(productId: productId, variantId: nil) }
                wishlisted.insert(productId)
            } else {
                _ = try await offMain { try moa.removeFromWishlist(productId: productId) }
                wishlisted.remove(productId)
            }
        } catch {
            self.error = UiError(error)
        }
    }
}

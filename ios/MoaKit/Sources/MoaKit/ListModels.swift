import Foundation
import MoaCore

/// Onboarding: gender, age band and styles — the core's words and labels — all skippable.
@MainActor
public final class OnboardingModel: StateModel {
    /// The choices and their labels, in the shopper's language (from the core).
    public let vocabulary: Vocabulary

    public var gender: String? { didSet { changed() } }
    public var ageBand: String? { didSet { changed() } }
    /// In the order chosen, strongest first.
    public private(set) var styles: [String] = [] { didSet { changed() } }
    public private(set) var done = false { didSet { changed() } }
    public var error: UiError? { didSet { changed() } }

    private let moa: Moa

    public init(moa: Moa) {
        self.moa = moa
        vocabulary = moa.vocabulary()
        super.init()
    }

    /// Choosing a style again removes it.
    public func toggleStyle(_ style: String) {
        if let at = styles.firstIndex(of: style) { styles.remove(at: at) } else { styles.append(style) }
    }

    public func finish() async {
        let moa = self.moa
        let profile = ShopperProfile(gender: gender, ageBand: ageBand, styles: styles)
        do {
            try await offMain { try moa.setProfile(profile: profile) }
            done = true
        } catch {
            self.error = UiError(error)
        }
    }

    /// Skipping keeps the guest default; nothing is written.
    public func skip() {
        done = true
    }
}

/// The wishlist (찜): listed, sold-out and delisted items alike, from their snapshots.
@MainActor
public final class WishlistModel: StateModel {
    public private(set) var items: [WishlistItem] = [] { didSet { changed() } }
    public var error: UiError? { didSet { changed() } }
    private let moa: Moa
    /// Each read is numbered: an older read never replaces a newer one.
    private var generation = 0
    /// A heart tapped anywhere, or the account's list synced: read again (released with the model).
    private var changes: ListenerHandle?

    public init(moa: Moa) {
        self.moa = moa
        super.init()
        changes = subscribe(moa, to: [.wishlist]) { [weak self] in await self?.load() }
    }

    public func load() async {
        generation += 1
        let mine = generation
        let moa = self.moa
        do {
            let list = try await offMain { try moa.wishlist() }
            if mine == generation { items = list }
        } catch {
            self.error = UiError(error)
        }
    }

    public func remove(_ productId: String) async {
        let moa = self.moa
        do {
            _ = try await offMain { try moa.removeFromWishlist(productId: productId) }
        } catch {
            self.error = UiError(error)
        }
        await load()
    }
}

/// Followed malls (by name), and following or unfollowing one from a mall card, the sheet or the
/// malls tab: one list for the whole app, read again whenever the core says the follows changed.
@MainActor
public final class MallsModel: StateModel {
    public private(set) var followed: [FollowedMall] = [] { didSet { changed() } }
    public var error: UiError? { didSet { changed() } }
    private let moa: Moa
    /// Released with the model, which stops the notices.
    private var changes: ListenerHandle?
    private var generation = 0

    public init(moa: Moa) {
        self.moa = moa
        super.init()
        changes = subscribe(moa, to: [.followedMalls]) { [weak self] in await self?.load() }
    }

    public func load() async {
        generation += 1
        let mine = generation
        let moa = self.moa
        do {
            let list = try await offMain { try moa.followedMalls() }
            if mine == generation { followed = list }
        } catch {
            self.error = UiError(error)
        }
    }

    /// Follow (or unfollow) a mall, as the button showing the core's flag asks.
    public func setFollowed(_ mallId: String, _ follow: Bool) async {
        let moa = self.moa
        do {
            try await offMain {
                if follow {
                    try moa.followMall(mallId: mallId)
                } else {
                    _ = try moa.unfollowMall(mallId: mallId)
                }
            }
        } catch {
            self.error = UiError(error)
        }
        await load()
    }
}

/// Search as the shopper types: each query replaces the last (the core interrupts it).
@MainActor
public final class SearchModel: StateModel {
    public private(set) var text = "" { didSet { changed() } }
    public private(set) var cards: [FeedCard] = [] { didSet { changed() } }
    public private(set) var total: UInt64 = 0 { didSet { changed() } }
    /// More matched than were ranked: show "500+".
    public private(set) var capped = false { didSet { changed() } }
    /// The words as typed found almost nothing; these forgive a typo ("혹시 이 상품?").
    public private(set) var typoTolerant = false { didSet { changed() } }
    public var error: UiError? { didSet { changed() } }
    private let moa: Moa
    /// A heart tapped anywhere: the same results again, with the core's hearts as they are now.
    private var changes: ListenerHandle?

    /// How many matched, as shown: "500+" when capped.
    public var countText: String { capped ? "\(total)+" : "\(total)" }

    public init(moa: Moa) {
        self.moa = moa
        super.init()
        changes = subscribe(moa, to: [.wishlist]) { [weak self] in
            guard let self else { return }
            await self.search(self.text)
        }
    }

    /// A result's heart: 찜 on or off as the card says it is now; the results are read again.
    public func toggleWishlist(_ card: FeedCard) async {
        do {
            try await toggleHeart(moa, card)
        } catch {
            self.error = UiError(error)
        }
        await search(text)
    }

    public func search(_ text: String, sort: SearchSort = .relevance) async {
        self.text = text
        guard !text.trimmingCharacters(in: .whitespaces).isEmpty else {
            (cards, total, capped, typoTolerant) = ([], 0, false, false)
            return
        }
        let moa = self.moa
        let request = SearchRequest(
            text: text, category: nil, minPrice: nil, maxPrice: nil, color: nil, size: nil, mallId: nil, style: nil,
            sort: sort, offset: 0, limit: 40)
        do {
            // The whole catalog when online (the core brings what the phone does not hold and
            // ranks it with the rest); the phone's own cache offline.
            let results = try await moa.searchEverywhere(request: request)
            // A newer query may have started meanwhile; its answer is the one to show.
            guard self.text == text else { return }
            (cards, total, capped, typoTolerant) = (results.cards, results.total, results.capped, results.typoTolerant)
        } catch MoaError.Cancelled {
            return
        } catch {
            self.error = UiError(error)
        }
    }
}

/// A mall's page, opened from a mall card, the sheet or the malls tab: the core's page (name,
/// concept, follow, its products in this shopper's order), read again when follows or hearts change.
@MainActor
public final class MallPageModel: StateModel {
    public private(set) var page: MallPage? { didSet { changed() } }
    public var error: UiError? { didSet { changed() } }
    private let moa: Moa
    private var shown: String?
    /// Released with the model, which stops the notices.
    private var changes: ListenerHandle?

    /// Products a mall page shows (the shopper's first few screens of it).
    public nonisolated static let pageSize: UInt32 = 60

    public init(moa: Moa) {
        self.moa = moa
        super.init()
        changes = subscribe(moa, to: [.followedMalls, .wishlist]) { [weak self] in
            guard let self, let shown = self.shown else { return }
            await self.open(shown)
        }
    }

    public func open(_ mallId: String) async {
        shown = mallId
        let moa = self.moa
        do {
            let page = try await offMain { try moa.mallPage(mallId: mallId, limit: MallPageModel.pageSize) }
            if shown == mallId { self.page = page; error = nil }
        } catch {
            if shown == mallId { page = nil; self.error = UiError(error) }
        }
    }

    /// Follow or unfollow, as the page's button (the core's flag) says.
    public func toggleFollow() async {
        guard let page else { return }
        let moa = self.moa
        do {
            try await offMain {
                if page.followed {
                    _ = try moa.unfollowMall(mallId: page.mallId)
                } else {
                    try moa.followMall(mallId: page.mallId)
                }
            }
        } catch {
            self.error = UiError(error)
        }
        await open(page.mallId)
    }

    /// A product's heart on the page: 찜 on or off as the card says it is now.
    public func toggleWishlist(_ card: FeedCard) async {
        do {
            try await toggleHeart(moa, card)
        } catch {
            self.error = UiError(error)
        }
        if let shown { await open(shown) }
    }
}

/// "주문·배송": the shopper's orders across malls, as the core words and links them. Opened from
/// the settings tab and from an order alert (`show`); `refresh` has the core tell the server about
/// new click-outs and bring the orders; read again on the core's order notices.
@MainActor
public final class OrdersModel: StateModel {
    public private(set) var visible = false { didSet { changed() } }
    public private(set) var orders: [OrderCard] = [] { didSet { changed() } }
    public private(set) var refreshing = false { didSet { changed() } }
    public var error: UiError? { didSet { changed() } }
    private let moa: Moa
    private var generation = 0
    private var changes: ListenerHandle?

    public init(moa: Moa) {
        self.moa = moa
        super.init()
        changes = subscribe(moa, to: [.orders]) { [weak self] in await self?.load() }
    }

    /// Open the list, then bring what is new.
    public func show() async {
        visible = true
        error = nil
        await load()
        await refresh()
    }

    public func hide() {
        visible = false
    }

    public func load() async {
        generation += 1
        let mine = generation
        let moa = self.moa
        do {
            let list = try await offMain { try moa.orders() }
            if mine == generation { orders = list }
        } catch {
            self.error = UiError(error)
        }
    }

    /// Ask the server for what the malls reported; offline the cached list stays, with the error.
    public func refresh() async {
        refreshing = true
        defer { refreshing = false }
        do {
            _ = try await moa.syncOrders()
            await load()
        } catch {
            self.error = UiError(error)
        }
    }

    /// Delete the order history on the server and this phone (offline: nothing deleted, an error).
    public func deleteHistory() async {
        do {
            _ = try await moa.deleteOrderHistory()
            await load()
        } catch {
            self.error = UiError(error)
        }
    }
}

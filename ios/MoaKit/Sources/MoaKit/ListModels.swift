import Foundation
import MoaCore

/// Onboarding: age band and styles, all skippable (guests are welcome).
@MainActor
public final class OnboardingModel: StateModel {
    /// The core's words; the screen shows each through Localizable strings.
    public static let genders = ["women", "men"]
    public static let ageBands = ["teens", "early_20s", "mid_20s", "late_20s", "early_30s", "mid_30s", "late_30s", "forties"]
    public static let styleChoices = ["lovely", "simple_basic", "office_look", "casual", "street", "minimal", "vintage", "feminine", "modern_chic"]

    public var gender: String? { didSet { changed() } }
    public var ageBand: String? { didSet { changed() } }
    /// In the order chosen, strongest first.
    public private(set) var styles: [String] = [] { didSet { changed() } }
    public private(set) var done = false { didSet { changed() } }
    public var error: UiError? { didSet { changed() } }

    private let moa: Moa

    public init(moa: Moa) {
        self.moa = moa
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

    public init(moa: Moa) {
        self.moa = moa
        super.init()
    }

    public func load() async {
        let moa = self.moa
        do { items = try await offMain { try moa.wishlist() } } catch { self.error = UiError(error) }
    }

    public func remove(_ productId: String) async {
        let moa = self.moa
        do {
            _ = try await offMain { try moa.removeFromWishlist(productId: productId) }
            items.removeAll { $0.productId == productId }
        } catch {
            self.error = UiError(error)
        }
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
    private var subscription: ListenerHandle?
    private var generation = 0

    public init(moa: Moa) {
        self.moa = moa
        super.init()
        subscription = moa.subscribe(listener: ChangeRelay(kinds: [.followedMalls]) { [weak self] in
            await self?.load()
        })
    }

    public func follows(_ mallId: String) -> Bool { followed.contains { $0.mallId == mallId } }

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

    /// Follow or unfollow, decided by what the core has now.
    public func toggleFollow(_ mallId: String) async {
        let moa = self.moa
        do {
            try await offMain {
                if try moa.followedMalls().contains(where: { $0.mallId == mallId }) {
                    _ = try moa.unfollowMall(mallId: mallId)
                } else {
                    try moa.followMall(mallId: mallId)
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

    /// How many matched, as shown: "500+" when capped.
    public var countText: String { capped ? "\(total)+" : "\(total)" }

    public init(moa: Moa) {
        self.moa = moa
        super.init()
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
            let results = try await offMain { try moa.search(request: request) }
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

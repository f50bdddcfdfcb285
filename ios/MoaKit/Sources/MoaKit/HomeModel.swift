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
    public private(set) var endReached = false { didSet { changed() } }
    public private(set) var lastSync: SyncReport? { didSet { changed() } }
    /// Behaviour events the last refresh sent (0 without the shopper's consent: the core sends none).
    public private(set) var eventsSent: UInt64 = 0 { didSet { changed() } }
    /// Cards already counted as seen on this home (an impression is counted once).
    private var seen: Set<String> = []

    private let moa: Moa
    private var started = false
    /// A 찜 or follow anywhere: the same home, restamped by the core (released with the model).
    private var changes: ListenerHandle?

    public init(moa: Moa) {
        self.moa = moa
        super.init()
        changes = subscribe(moa, to: [.wishlist, .followedMalls]) { [weak self] in await self?.restamp() }
    }

    /// `start`, once for this model: the screen calls it whenever it appears.
    public func ensureStarted() async {
        guard !started else { return }
        started = true
        await start()
    }

    /// Show the cached home, then refresh it from the server.
    public func start() async {
        await loadFromCache()
        await refresh()
    }

    private func loadFromCache() async {
        let moa = self.moa
        do {
            let page = try await offMain { try moa.homeFeed() }
            sections = page.sections
            loading = page.sections.allSatisfy { $0.cards.isEmpty && $0.malls.isEmpty }
            endReached = false
            seen = []
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
            if report.feedChanged || sections.isEmpty {
                await loadFromCache()
            }
            // Online: what the shopper did leaves the device now, if they agreed (the core checks).
            eventsSent = (try? await moa.uploadEvents()) ?? 0
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
            // Past what the phone holds, online, the core brings the products ranked next.
            let more = try await moa.moreForYouEverywhere(count: count)
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

    /// A card came on screen: the core counts the impression (once per card per home).
    public func shown(section: String, position: Int, productId: String) async {
        guard seen.insert(productId).inserted else { return }
        let moa = self.moa
        _ = try? await offMain {
            try moa.record(event: .impression(productId: productId, section: section, position: UInt32(position)))
        }
    }

    /// "Not interested": the core remembers it; the card leaves the screen at once.
    public func notInterested(_ productId: String) async {
        let moa = self.moa
        do {
            try await offMain { try moa.record(event: .notInterested(productId: productId)) }
            await restamp()
        } catch {
            self.error = UiError(error)
        }
    }

    /// The home as it is on screen, with the core's hearts and follows as they are now.
    public func restamp() async {
        guard !sections.isEmpty else { return }
        let moa = self.moa
        do { sections = try await offMain { try moa.currentHome() }.sections } catch { self.error = UiError(error) }
    }

    /// The card's heart: 찜 on or off as the card says it is now; the home is restamped after.
    public func toggleWishlist(_ card: FeedCard) async {
        do {
            try await toggleHeart(moa, card)
        } catch {
            self.error = UiError(error)
        }
        await restamp()
    }
}

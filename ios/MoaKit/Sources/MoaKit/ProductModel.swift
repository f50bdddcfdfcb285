import Foundation
import MoaCore

/// The product sheet and the hop to the mall: a live check of price and stock, the link the core
/// built (the screen opens it in SFSafariViewController as it is), and on return the core's
/// decision whether to offer the rescue sheet.
@MainActor
public final class ProductModel: StateModel {
    public private(set) var sheet: ProductSheet? { didSet { changed() } }
    public private(set) var wishlisted = false { didSet { changed() } }
    public private(set) var checking = false { didSet { changed() } }
    /// What changed since the card was drawn (the core's words), shown before leaving.
    public private(set) var notice: String? { didSet { changed() } }
    /// Open this in the in-app browser; cleared by `mallOpened()`.
    public private(set) var openMall: Outlink? { didSet { changed() } }
    /// Shown when the core decides the shopper came back too quickly.
    public private(set) var rescue: RescueSheet? { didSet { changed() } }
    public var error: UiError? { didSet { changed() } }

    private let moa: Moa
    private let clock: () -> Date
    private var openedAt = Date()
    private var leftAt = Date()
    private var away: Outlink?

    /// `clock` is a parameter so tests can say how long the shopper was away.
    public init(moa: Moa, clock: @escaping () -> Date = Date.init) {
        self.moa = moa
        self.clock = clock
        super.init()
    }

    public func open(_ productId: String) async {
        let moa = self.moa
        do {
            let (sheet, wishlisted) = try await offMain {
                (try moa.product(productId: productId), try moa.wishlist().contains { $0.productId == productId })
            }
            self.sheet = sheet
            self.wishlisted = wishlisted
            notice = nil
            error = nil
            openedAt = clock()
        } catch {
            sheet = nil
            self.error = UiError(error)
        }
    }

    /// The sheet closed: the view counts, with how long it was looked at.
    public func close() async {
        guard let sheet else { return }
        let dwell = UInt64(max(0, clock().timeIntervalSince(openedAt)) * 1000)
        let moa = self.moa
        _ = try? await offMain { try moa.record(event: .productView(productId: sheet.productId, dwellMs: dwell)) }
        self.sheet = nil
    }

    public func toggleWishlist(variantId: String? = nil) async {
        guard let sheet else { return }
        let moa = self.moa
        let on = !wishlisted
        do {
            if on {
                try await offMain { try moa.addToWishlist(productId: sheet.productId, variantId: variantId) }
            } else {
                _ = try await offMain { try moa.removeFromWishlist(productId: sheet.productId) }
            }
            wishlisted = on
        } catch {
            self.error = UiError(error)
        }
    }

    /// "Go to mall": check live; a product that can still be bought gets the attributed link.
    public func goToMall(section: String, position: UInt32) async {
        guard let sheet else { return }
        checking = true
        notice = nil
        defer { checking = false }
        do {
            let check = try await moa.liveCheck(productId: sheet.productId)
            notice = check.notice
            guard !check.delisted, check.inStock else { return }
            let moa = self.moa
            let link = try await offMain { try moa.clickOut(productId: sheet.productId, section: section, position: position) }
            away = link
            openMall = link
        } catch {
            self.error = UiError(error)
        }
    }

    /// The screen opened the mall.
    public func mallOpened() {
        leftAt = clock()
        openMall = nil
    }

    /// Back from the mall: the core decides whether a rescue sheet is worth showing.
    public func returnedFromMall() async {
        guard let link = away else { return }
        away = nil
        let awayMs = UInt64(max(0, clock().timeIntervalSince(leftAt)) * 1000)
        let moa = self.moa
        do {
            rescue = try await offMain { try moa.returnedFromMall(outlinkId: link.outlinkId, awayMs: awayMs) }
        } catch {
            self.error = UiError(error)
        }
    }

    public func rescueTapped(_ productId: String) async {
        let moa = self.moa
        _ = try? await offMain { try moa.record(event: .rescueTapped(productId: productId)) }
        rescue = nil
        await open(productId)
    }

    public func rescueDismissed() async {
        let moa = self.moa
        _ = try? await offMain { try moa.record(event: .rescueDismissed) }
        rescue = nil
    }
}

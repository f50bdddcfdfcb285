import Foundation
import MoaCore

/// The product sheet and the hop to the mall: a live check of price and stock, the link the core
/// built (the screen opens it in SFSafariViewController as it is), and on return the core's
/// decision whether to offer the rescue sheet.
@MainActor
public final class ProductModel: StateModel {
    public private(set) var sheet: ProductSheet? { didSet { changed() } }
    /// Whether the open product is on the wishlist (the app's one set of hearts).
    public var wishlisted: Bool { sheet.map { hearts.contains($0.productId) } ?? false }
    /// The size/colour the shopper tapped; 찜 keeps it with the product. Never toggles 찜.
    public private(set) var selectedVariant: String? { didSet { changed() } }
    public private(set) var checking = false { didSet { changed() } }
    /// What changed since the card was drawn (the core's words), shown before leaving.
    public private(set) var notice: String? { didSet { changed() } }
    /// The notice is on screen: the next "go to mall" is the shopper's decision to go anyway.
    /// Leaving never happens in the step that shows a warning.
    public private(set) var awaitingConfirmation = false { didSet { changed() } }
    /// The product asked for, kept so that a failed open can be retried.
    public private(set) var requested: String?
    /// Open this in the in-app browser; cleared by `mallOpened()`.
    public private(set) var openMall: Outlink? { didSet { changed() } }
    /// Shown when the core decides the shopper came back too quickly.
    public private(set) var rescue: RescueSheet? { didSet { changed() } }
    public var error: UiError? { didSet { changed() } }

    public let hearts: WishlistHearts
    private let moa: Moa
    private let clock: () -> Date
    private var openedAt = Date()
    private var leftAt = Date()
    private var away: Outlink?
    private var heartsWatch: ObservationToken?

    /// `clock` is a parameter so tests can say how long the shopper was away.
    public init(moa: Moa, hearts: WishlistHearts? = nil, clock: @escaping () -> Date = Date.init) {
        self.moa = moa
        self.hearts = hearts ?? WishlistHearts(moa: moa)
        self.clock = clock
        super.init()
        heartsWatch = self.hearts.observe { [weak self] in self?.changed() }
    }

    public func open(_ productId: String) async {
        requested = productId
        let moa = self.moa
        do {
            let sheet = try await offMain { try moa.product(productId: productId) }
            self.sheet = sheet
            selectedVariant = nil
            notice = nil
            awaitingConfirmation = false
            error = nil
            openedAt = clock()
        } catch {
            // The sheet says what went wrong (and offers a retry); it is never left blank.
            sheet = nil
            self.error = UiError(error)
        }
    }

    /// Open the failed product again.
    public func retry() async {
        if let requested { await open(requested) }
    }

    /// A size/colour chip: selects it (again: deselects). Does not touch 찜.
    public func selectVariant(_ variantId: String) {
        selectedVariant = selectedVariant == variantId ? nil : variantId
    }

    /// An error shown instead of a sheet was dismissed.
    public func dismissError() {
        error = nil
        if sheet == nil { requested = nil }
    }

    /// The sheet closed: the view counts, with how long it was looked at.
    public func close() async {
        guard let sheet else {
            error = nil
            return
        }
        let dwell = UInt64(max(0, clock().timeIntervalSince(openedAt)) * 1000)
        let moa = self.moa
        _ = try? await offMain { try moa.record(event: .productView(productId: sheet.productId, dwellMs: dwell)) }
        self.sheet = nil
    }

    /// 찜 on or off, with the selected size if one is selected.
    public func toggleWishlist() async {
        guard let sheet else { return }
        await hearts.toggle(sheet.productId, variantId: selectedVariant)
    }

    /// "Go to mall": check price and stock live; if the product can still be bought and nothing
    /// changed, the attributed link. When the core reports a change, the warning is shown and the
    /// shopper stays: the next call goes anyway. Sold out or delisted stays with the notice.
    public func goToMall(section: String, position: UInt32) async {
        guard let sheet else { return }
        if awaitingConfirmation {
            await leave(sheet, section: section, position: position)
            return
        }
        checking = true
        notice = nil
        defer { checking = false }
        do {
            let check = try await moa.liveCheck(productId: sheet.productId)
            notice = check.notice
            guard !check.delisted, check.inStock else { return }
            if check.notice != nil {
                awaitingConfirmation = true
                return
            }
            await leave(sheet, section: section, position: position)
        } catch {
            self.error = UiError(error)
        }
    }

    private func leave(_ sheet: ProductSheet, section: String, position: UInt32) async {
        let moa = self.moa
        do {
            let link = try await offMain { try moa.clickOut(productId: sheet.productId, section: section, position: position) }
            away = link
            awaitingConfirmation = false
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

import Foundation
import MoaCore

/// The product sheet and the hop to the mall: a live check of price and stock (the core says
/// whether the shopper can go and whether they must see a change first), the link the core built
/// (the screen opens it in SFSafariViewController as it is), and on return the core's decision
/// whether to offer the rescue sheet. The core times how long the sheet was open and how long the
/// shopper was away; the sheet's heart and follow are the core's flags.
@MainActor
public final class ProductModel: StateModel {
    public private(set) var sheet: ProductSheet? { didSet { changed() } }
    /// The size/colour the shopper tapped; 찜 keeps it with the product. Never toggles 찜.
    public private(set) var selectedVariant: String? { didSet { changed() } }
    public private(set) var checking = false { didSet { changed() } }
    /// What changed since the card was drawn (the core's words), shown before leaving.
    public private(set) var notice: String? { didSet { changed() } }
    /// The core asked that the notice be seen first: the next "go to mall" goes anyway. Leaving
    /// never happens in the step that shows a warning.
    public private(set) var awaitingConfirmation = false { didSet { changed() } }
    /// Open this in the in-app browser; cleared by `mallOpened()`.
    public private(set) var openMall: Outlink? { didSet { changed() } }
    /// Shown when the core decides the shopper came back too quickly.
    public private(set) var rescue: RescueSheet? { didSet { changed() } }
    public var error: UiError? { didSet { changed() } }
    /// The product asked for, kept so that a failed open can be retried.
    public private(set) var requested: String?

    /// The open product is on the wishlist (the core's flag).
    public var wishlisted: Bool { sheet?.wishlisted ?? false }

    private let moa: Moa
    private var away: Outlink?
    /// A 찜 or follow anywhere: the open sheet's flags read again (released with the model).
    private var changes: ListenerHandle?

    public init(moa: Moa) {
        self.moa = moa
        super.init()
        changes = subscribe(moa, to: [.wishlist, .followedMalls]) { [weak self] in await self?.reread() }
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
        } catch {
            // The sheet says what went wrong (and offers a retry); it is never left blank.
            sheet = nil
            self.error = UiError(error)
        }
    }

    /// The open sheet again from the core (its heart and follow as they are now).
    func reread() async {
        guard let id = sheet?.productId else { return }
        let moa = self.moa
        if let fresh = try? await offMain({ try moa.product(productId: id) }), sheet?.productId == id {
            sheet = fresh
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

    /// The sheet closed: the core records the view with how long it was open.
    public func close() async {
        guard let sheet else {
            error = nil
            return
        }
        self.sheet = nil
        let moa = self.moa
        _ = try? await offMain { try moa.sheetClosed(productId: sheet.productId) }
    }

    /// 찜 on or off as the sheet says it is now, with the selected size if one is selected.
    public func toggleWishlist() async {
        guard let sheet else { return }
        let moa = self.moa
        let variant = selectedVariant
        do {
            try await offMain {
                if sheet.wishlisted {
                    _ = try moa.removeFromWishlist(productId: sheet.productId)
                } else {
                    try moa.addToWishlist(productId: sheet.productId, variantId: variant)
                }
            }
        } catch {
            self.error = UiError(error)
        }
        await reread()
    }

    /// Follow or unfollow the product's mall, as the sheet says it is now.
    public func toggleFollow() async {
        guard let sheet else { return }
        let moa = self.moa
        do {
            try await offMain {
                if sheet.mallFollowed {
                    _ = try moa.unfollowMall(mallId: sheet.mallId)
                } else {
                    try moa.followMall(mallId: sheet.mallId)
                }
            }
        } catch {
            self.error = UiError(error)
        }
        await reread()
    }

    /// "Go to mall": the core checks price and stock live and says whether the shopper can go
    /// (`canGo`) and whether they must see a change first (`confirmFirst`): then the warning is
    /// shown and they stay; the next call goes anyway.
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
            guard check.canGo else { return }
            if check.confirmFirst {
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

    /// The open product's share: the core's attributed link and a line about it.
    public func shareLink() throws -> ShareLink? {
        guard let sheet else { return nil }
        return try moa.shareLink(productId: sheet.productId)
    }

    /// The screen opened the mall.
    public func mallOpened() {
        openMall = nil
    }

    /// Back in the app: if the shopper went to a mall (in this process, or before iOS ended it),
    /// the core, which timed the trip, decides whether a rescue sheet is worth showing.
    public func returnedFromMall() async {
        let moa = self.moa
        var outlink = away?.outlinkId
        if outlink == nil, let pending = try? await offMain({ try moa.pendingReturn() }) {
            outlink = pending
        }
        guard let outlink else { return }
        away = nil
        do {
            rescue = try await offMain { try moa.returnedFromMall(outlinkId: outlink) }
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

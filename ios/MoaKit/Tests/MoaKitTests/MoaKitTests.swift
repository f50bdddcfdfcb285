// The iOS view models over the real Swift bindings and a real moa-server on loopback
// (MOA_SERVER_URL, started by scripts/test.sh): what the screens will show, state by state.
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import MoaCore
import XCTest

@testable import MoaKit

final class Keychain: SecretStore, @unchecked Sendable {
    private let lock = NSLock()
    private var secrets: [String: String] = [:]
    var count: Int { lock.withLock { secrets.count } }
    func save(key: String, secret: String) { lock.withLock { secrets[key] = secret } }
    func load(key: String) -> String? { lock.withLock { secrets[key] } }
    func delete(key: String) { lock.withLock { _ = secrets.removeValue(forKey: key) } }
}


@MainActor
final class MoaKitTests: XCTestCase {
    var serverUrl: String {
        guard let url = ProcessInfo.processInfo.environment["MOA_SERVER_URL"] else {
            fatalError("MOA_SERVER_URL is not set")
        }
        return url
    }

    func newDir() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("moakit-\(UUID().uuidString)").path
    }

    func open(_ dir: String, server: String? = nil, clock: WorldClock = WorldClock()) throws -> Moa {
        try Moa.open(config: MoaConfig(
            dataDir: dir, serverUrl: server ?? serverUrl, locale: "ko-KR", installId: "ios-test", requestTimeoutMs: 3000,
            clock: clock))
    }

    func testHomeShowsTheCacheFirstAndTheFreshHomeAfterTheSync() async throws {
        let dir = newDir()
        do {
            let home = HomeModel(moa: try open(dir))
            XCTAssertTrue(home.loading && home.sections.isEmpty)
            await home.start()
            XCTAssertFalse(home.loading || home.refreshing || home.offline)
            XCTAssertGreaterThanOrEqual(home.lastSync?.upserted ?? 0, 1000)
            XCTAssertGreaterThanOrEqual(home.sections.reduce(0) { $0 + $1.cards.count }, 40)
        }
        do {
            // Next launch: the cached home is on screen while the sync is still running.
            let home = HomeModel(moa: try open(dir))
            var cacheWhileSyncing = false
            let token = home.observe {
                if home.refreshing && !home.sections.isEmpty { cacheWhileSyncing = true }
            }
            await home.start()
            token.cancel()
            XCTAssertTrue(cacheWhileSyncing, "the cache is shown before the sync ends")
            XCTAssertNotNil(home.lastSync)
        }
        do {
            // Offline: the cache stays, with a banner, and no error.
            let home = HomeModel(moa: try open(dir, server: "http://127.0.0.1:1"))
            await home.start()
            XCTAssertTrue(home.offline)
            XCTAssertNil(home.error)
            XCTAssertGreaterThanOrEqual(home.sections.reduce(0) { $0 + $1.cards.count }, 40)
        }
    }

    func testPagingNotInterestedAndWishlist() async throws {
        let moa = try open(newDir())
        let home = HomeModel(moa: moa)
        await home.start()
        func forYou() -> [FeedCard] { home.sections.first { $0.id == "for_you" }?.cards ?? [] }
        let before = forYou().count
        await home.loadMore()
        await home.loadMore()
        let ids = forYou().map(\.productId)
        XCTAssertEqual(ids.count, before + 48)
        XCTAssertEqual(Set(ids).count, ids.count, "no card twice")

        let gone = forYou()[3].productId
        await home.notInterested(gone)
        XCTAssertFalse(home.sections.contains { $0.cards.contains { $0.productId == gone } })
        await home.start()
        XCTAssertFalse(home.sections.contains { $0.cards.contains { $0.productId == gone } }, "still gone")

        // The heart is the core's flag on the card, restamped after the tap.
        let liked = forYou()[0].productId
        await home.toggleWishlist(forYou()[0])
        XCTAssertEqual(forYou().first { $0.productId == liked }?.wishlisted, true)
        XCTAssertEqual(try moa.wishlist().map(\.productId), [liked])
        await home.toggleWishlist(try XCTUnwrap(forYou().first { $0.productId == liked }))
        XCTAssertEqual(forYou().first { $0.productId == liked }?.wishlisted, false)
        XCTAssertTrue(try moa.wishlist().isEmpty)
    }

    func testSignInWithWrongThenRightPasswordAndSignOut() async throws {
        let moa = try open(newDir())
        let keychain = Keychain()
        moa.setSecretStore(store: keychain)
        let account = AccountModel(moa: moa)
        await account.load()
        XCTAssertNil(account.account)
        XCTAssertFalse(account.eventConsent)
        await account.signIn(username: "jiwoo", password: "wrong")
        XCTAssertEqual(account.error, .wrongCredentials)
        await account.signIn(username: " jiwoo ", password: "moa-demo")
        XCTAssertEqual(account.account?.username, "jiwoo")
        XCTAssertNil(account.error)
        XCTAssertEqual(keychain.count, 1, "the token is in the keychain")
        await account.setEventConsent(true)
        XCTAssertTrue(try moa.eventConsent())
        await account.signOut(keepOnDevice: false)
        XCTAssertNil(account.account)
        XCTAssertEqual(keychain.count, 0)
    }

    /// A lost phone: from the tablet, sign out everywhere; the phone is asked to sign in again.
    func testSignOutEverywhereEndsTheOtherDevicesSession() async throws {
        let phone = try open(newDir())
        let tablet = try open(newDir())
        phone.setSecretStore(store: Keychain())
        let tabletKeychain = Keychain()
        tablet.setSecretStore(store: tabletKeychain)
        let onPhone = AccountModel(moa: phone)
        let onTablet = AccountModel(moa: tablet)
        await onPhone.signIn(username: "hana", password: "moa-demo")
        await onTablet.signIn(username: "hana", password: "moa-demo")
        XCTAssertEqual(onPhone.account?.username, "hana")
        await onTablet.signOutEverywhere()
        XCTAssertNil(onTablet.error)
        XCTAssertNil(onTablet.account)
        XCTAssertEqual(tabletKeychain.count, 0)
        do {
            _ = try await phone.syncAccount()
            XCTFail("the phone's session ended too")
        } catch MoaError.Unauthorized {}
        await onPhone.load()
        XCTAssertEqual(onPhone.account?.sessionValid, false, "the phone asks to sign in again")
    }

    func testAQuickReturnFromTheMallOffersTheRescueSheetOnce() async throws {
        let clock = WorldClock()
        let moa = try open(newDir(), clock: clock)
        let home = HomeModel(moa: moa)
        await home.start()
        let cards = home.sections.flatMap(\.cards)
        let product = ProductModel(moa: moa)

        await product.open(cards[0].productId)
        XCTAssertEqual(product.sheet?.priceText, cards[0].priceText)
        await product.goToMall(section: "cover", position: 0)
        let link = try XCTUnwrap(product.openMall)
        XCTAssertTrue(link.url.hasPrefix("https://") && link.url.contains("moa_outlink=\(link.outlinkId)"))
        product.mallOpened()
        XCTAssertNil(product.openMall)
        clock.advance(ms: 20_000)
        await product.returnedFromMall()
        let rescue = try XCTUnwrap(product.rescue, "back within a minute: the rescue sheet")
        XCTAssertFalse(rescue.cards.isEmpty)
        XCTAssertFalse(rescue.cards.contains { $0.productId == cards[0].productId })
        await product.rescueDismissed()
        XCTAssertNil(product.rescue)

        await product.open(cards[1].productId)
        await product.goToMall(section: "for_you", position: 1)
        product.mallOpened()
        clock.advance(ms: 90_000)
        await product.returnedFromMall()
        XCTAssertNil(product.rescue, "after 90 s away")
        await product.close()
        XCTAssertNil(product.sheet)

        await product.open("nobody-1")
        XCTAssertEqual(product.error, .notFound)
    }

    func testTheSheetHasEveryPhotoOfTheProductMainFirst() async throws {
        let moa = try open(newDir())
        let home = HomeModel(moa: moa)
        let product = ProductModel(moa: moa)
        await home.start()
        let cards = home.sections.flatMap { $0.cards }
        // The demo's products have one to four photos: the gallery swipes through them.
        let several = try XCTUnwrap(cards.first { ((try? moa.product(productId: $0.productId))?.photos.count ?? 0) >= 2 })
        await product.open(several.productId)
        let sheet = try XCTUnwrap(product.sheet)
        XCTAssertGreaterThanOrEqual(sheet.photos.count, 2)
        XCTAssertEqual(sheet.photos.first, sheet.imageUrl, "the main photo first")
        XCTAssertEqual(Set(sheet.photos).count, sheet.photos.count, "no photo twice")
        let thumbnail = try await moa.thumbnail(url: sheet.photos[1], width: 300)
        XCTAssertEqual(thumbnail.width, 300, "the second photo is a real picture")
    }

    func testASizeSelectsAndTheHeartsAgreeEverywhere() async throws {
        let moa = try open(newDir())
        let home = HomeModel(moa: moa)
        let product = ProductModel(moa: moa)
        await home.start()
        let card = try XCTUnwrap(home.sections.first?.cards.first)
        await product.open(card.productId)
        let size = try XCTUnwrap(product.sheet?.variants.first { $0.available })
        product.selectVariant(size.id)
        XCTAssertEqual(product.selectedVariant, size.id)
        XCTAssertFalse(product.wishlisted, "a size is not a 찜")
        XCTAssertTrue(try moa.wishlist().isEmpty)
        await product.toggleWishlist()
        XCTAssertTrue(product.wishlisted)
        XCTAssertEqual(try moa.wishlist().first?.variantId, size.id, "the 찜 keeps the chosen size")
        // The home hears the core's notice and restamps: the same card, its heart now on.
        for _ in 0..<100 where home.sections.first?.cards.first?.wishlisted != true {
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        XCTAssertEqual(home.sections.first?.cards.first?.wishlisted, true, "the home's heart agrees with the sheet's")
        _ = try moa.removeFromWishlist(productId: card.productId)
        for _ in 0..<100 where product.wishlisted {
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        XCTAssertFalse(product.wishlisted, "the sheet hears a change made elsewhere")
        product.selectVariant(size.id)
        XCTAssertNil(product.selectedVariant, "tapping the size again deselects it")
    }

    func testAPriceChangeIsShownBeforeLeavingAndFollowsHaveNames() async throws {
        let moa = try open(newDir())
        let home = HomeModel(moa: moa)
        await home.start()
        let card = try XCTUnwrap(home.sections.first?.cards.first)
        let product = ProductModel(moa: moa)
        await product.open(card.productId)
        try await reprice(card.productId, to: card.price - 2_000)
        await product.goToMall(section: "cover", position: 0)
        XCTAssertNil(product.openMall, "not sent away before seeing the warning")
        XCTAssertTrue(product.awaitingConfirmation)
        XCTAssertTrue(product.notice?.contains("바뀌었어요") == true, product.notice ?? "no notice")
        await product.goToMall(section: "cover", position: 0)
        XCTAssertNotNil(product.openMall, "the second tap goes anyway")
        XCTAssertFalse(product.awaitingConfirmation)

        // Follow from the sheet: the sheet's flag, and the malls tab lists the mall by name.
        let malls = MallsModel(moa: moa)
        XCTAssertEqual(product.sheet?.mallFollowed, false)
        await product.toggleFollow()
        XCTAssertEqual(product.sheet?.mallFollowed, true)
        await malls.load()
        XCTAssertEqual(malls.followed.map(\.mallId), [card.mallId])
        XCTAssertEqual(malls.followed.first?.name, card.mallName, "the malls tab shows the name")

        // The core's words for onboarding, with their labels.
        let onboarding = OnboardingModel(moa: moa)
        XCTAssertEqual(onboarding.vocabulary.styles.first { $0.word == "lovely" }?.label, "러블리")

        // Share: the core's link, attributed as a share, and a line about the product.
        let share = try XCTUnwrap(try product.shareLink())
        XCTAssertTrue(share.url.contains("utm_medium=share"), share.url)
        XCTAssertTrue(share.text.contains(card.title), share.text)

        // A product that cannot be opened: the error, and a retry, never a blank sheet.
        await product.open("nobody-1")
        XCTAssertNil(product.sheet)
        XCTAssertEqual(product.error, .notFound)
        await product.retry()
        XCTAssertEqual(product.error, .notFound)
        product.dismissError()
        XCTAssertNil(product.error)
    }

    func testAMallsPageHasItsProductsAndItsFollow() async throws {
        let moa = try open(newDir())
        let home = HomeModel(moa: moa)
        await home.start()
        let card = try XCTUnwrap(home.sections.first?.cards.first)
        let mall = MallPageModel(moa: moa)
        await mall.open(card.mallId)
        let page = try XCTUnwrap(mall.page)
        XCTAssertEqual(page.name, card.mallName)
        XCTAssertFalse(page.cards.isEmpty)
        XCTAssertTrue(page.cards.allSatisfy { $0.mallId == card.mallId })
        XCTAssertFalse(page.followed)
        await mall.toggleFollow()
        XCTAssertEqual(mall.page?.followed, true)
        XCTAssertEqual(try moa.followedMalls().map(\.mallId), [card.mallId])
        let first = try XCTUnwrap(mall.page?.cards.first)
        await mall.toggleWishlist(first)
        XCTAssertEqual(mall.page?.cards.first { $0.productId == first.productId }?.wishlisted, true, "the page's heart is the core's")
        await mall.open("no-such-mall")
        XCTAssertEqual(mall.error, .notFound)
    }

    /// A POST to the test server as a mall would send it (with its key, when given): the status.
    func post(_ path: String, body: String, mallKey: String? = nil) async throws -> Int {
        var request = URLRequest(url: URL(string: "\(serverUrl)\(path)")!)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "content-type")
        if let mallKey { request.setValue("Bearer \(mallKey)", forHTTPHeaderField: "authorization") }
        request.httpBody = Data(body.utf8)
        // The callback form: Linux's FoundationNetworking has no async `data(for:)` here.
        return try await withCheckedThrowingContinuation { continuation in
            URLSession.shared.dataTask(with: request) { _, response, error in
                if let error {
                    continuation.resume(throwing: error)
                } else {
                    continuation.resume(returning: (response as? HTTPURLResponse)?.statusCode ?? 0)
                }
            }.resume()
        }
    }

    /// The demo server's control: the mall sets a product's price.
    func reprice(_ productId: String, to price: Int64) async throws {
        let status = try await post("/v1/demo/products/\(productId)/reprice", body: "{\"price\":\(price)}")
        XCTAssertEqual(status, 200)
    }

    /// The mall reports an order in Moa's own shape, with its key (the demo world's).
    func reportOrder(mallId: String, body: String) async throws -> Int {
        try await post("/v1/malls/\(mallId)/orders", body: body, mallKey: "demo-key-\(mallId)")
    }

    func testAnOrderAtTheMallShowsInOrdersAndItsHistoryCanBeDeleted() async throws {
        let clock = WorldClock()
        let moa = try open(newDir(), clock: clock)
        let home = HomeModel(moa: moa)
        await home.start()
        let card = try XCTUnwrap(home.sections.flatMap(\.cards).first)
        let product = ProductModel(moa: moa)
        await product.open(card.productId)
        await product.goToMall(section: "cover", position: 0)
        let link = try XCTUnwrap(product.openMall)
        product.mallOpened()
        let orders = OrdersModel(moa: moa)
        await orders.show()
        XCTAssertTrue(orders.visible)
        XCTAssertTrue(orders.orders.isEmpty, "no order reported yet")
        let body = """
            {"order_id": "IOS-4004", "outlink_id": "\(link.outlinkId)", "status": "preparing",
             "items": [{"product_id": "\(card.productId)", "quantity": 1, "price": {"amount": \(card.price), "currency": "KRW"}}],
             "at_ms": \(clock.nowMs())}
            """
        let status = try await reportOrder(mallId: link.mallId, body: body)
        XCTAssertEqual(status, 200)
        await orders.refresh()
        XCTAssertEqual(orders.orders.map(\.orderId), ["IOS-4004"])
        XCTAssertEqual(orders.orders.first?.statusLabel, "상품 준비 중")
        XCTAssertNil(orders.orders.first?.trackingUrl, "not shipped yet: nothing to track")
        await orders.deleteHistory()
        XCTAssertTrue(orders.orders.isEmpty)
        // The settings' nudge switches, kept by the core.
        let account = AccountModel(moa: moa)
        await account.load()
        XCTAssertEqual(account.alerts?.nudgeCart, true)
        await account.setNudge(.cartReminder, on: false)
        XCTAssertEqual(try moa.alertSettings().nudgeCart, false)
        XCTAssertEqual(try moa.alertSettings().nudgeLastSize, true)
        XCTAssertNil(orders.error)
        orders.hide()
        XCTAssertFalse(orders.visible)
    }

    func testOnboardingSearchWishlistAndMalls() async throws {
        let moa = try open(newDir())
        let onboarding = OnboardingModel(moa: moa)
        onboarding.gender = "women"
        onboarding.ageBand = "early_20s"
        onboarding.toggleStyle("lovely")
        onboarding.toggleStyle("street")
        onboarding.toggleStyle("street")
        await onboarding.finish()
        XCTAssertTrue(onboarding.done)
        XCTAssertEqual(try moa.profile().styles, ["lovely"])

        let home = HomeModel(moa: moa)
        await home.start()
        let card = try XCTUnwrap(home.sections.flatMap(\.cards).first)

        let search = SearchModel(moa: moa)
        await search.search("원피스")
        XCTAssertFalse(search.cards.isEmpty)
        XCTAssertTrue(search.cards.allSatisfy { $0.title.contains("원피스") }, "\(search.cards.map(\.title))")
        XCTAssertEqual(search.countText, search.capped ? "\(search.total)+" : "\(search.total)")
        XCTAssertGreaterThanOrEqual(search.total, UInt64(search.cards.count))
        await search.search("")
        XCTAssertTrue(search.cards.isEmpty)

        await home.toggleWishlist(card)
        let wishlist = WishlistModel(moa: moa)
        await wishlist.load()
        XCTAssertEqual(wishlist.items.map(\.productId), [card.productId])
        await wishlist.remove(card.productId)
        XCTAssertTrue(wishlist.items.isEmpty)
        XCTAssertTrue(try moa.wishlist().isEmpty)

        let malls = MallsModel(moa: moa)
        await malls.setFollowed(card.mallId, true)
        XCTAssertEqual(malls.followed.map(\.mallId), [card.mallId])
        await malls.setFollowed(card.mallId, false)
        XCTAssertTrue(malls.followed.isEmpty)
    }
}

/// The core reads the time the test server's world was built at (`MOA_NOW_MS`), never today's;
/// the test moves it (time at the mall).
final class WorldClock: MoaClock, @unchecked Sendable {
    private let lock = NSLock()
    private var ms: Int64 = Int64(ProcessInfo.processInfo.environment["MOA_NOW_MS"] ?? "") ?? {
        fatalError("MOA_NOW_MS is not set")
    }()
    func advance(ms delta: Int64) { lock.withLock { ms += delta } }
    func nowMs() -> Int64 { lock.withLock { ms } }
}

// The Android app's screens (android/ui), drawn headless on the desktop JVM and tapped through as
// a shopper would: the real view models over the real generated bindings, against the real
// moa-server on loopback (MOA_SERVER_URL, started by scripts/test.sh), in Korean unless a test
// says otherwise. Each screen it passes through is written to artifacts/ui/ as a phone-sized PNG,
// and the screenshot fails when the screen is blank or a photo on it never arrived.
@file:OptIn(ExperimentalTestApi::class)

package app.moa.ui

import androidx.compose.ui.geometry.Size
import androidx.compose.ui.graphics.toAwtImage
import androidx.compose.ui.semantics.SemanticsProperties
import androidx.compose.ui.semantics.getOrNull
import androidx.compose.ui.test.ComposeUiTest
import androidx.compose.ui.test.ExperimentalTestApi
import androidx.compose.ui.test.hasAnyAncestor
import androidx.compose.ui.test.assertIsSelected
import androidx.compose.ui.test.assertTextContains
import androidx.compose.ui.test.captureToImage
import androidx.compose.ui.test.assertIsNotSelected
import androidx.compose.ui.test.hasTestTag
import androidx.compose.ui.test.hasText
import androidx.compose.ui.test.onAllNodesWithTag
import androidx.compose.ui.test.onNodeWithTag
import androidx.compose.ui.test.onNodeWithText
import androidx.compose.ui.test.onRoot
import androidx.compose.ui.test.performClick
import androidx.compose.ui.test.performScrollTo
import androidx.compose.ui.test.performScrollToIndex
import androidx.compose.ui.test.performScrollToKey
import androidx.compose.ui.test.performTextInput
import androidx.compose.ui.test.performTouchInput
import androidx.compose.ui.test.swipeLeft
import androidx.compose.ui.test.swipeRight
import androidx.compose.ui.test.runSkikoComposeUiTest
import androidx.compose.ui.unit.Density
import app.moa.core.ContactKind
import app.moa.core.FeedCard
import app.moa.core.Moa
import app.moa.core.MoaClock
import app.moa.core.MoaConfig
import app.moa.core.SectionLayout
import app.moa.desktop.DesktopPlatform
import java.io.File
import java.nio.file.Files
import java.util.concurrent.atomic.AtomicLong
import javax.imageio.ImageIO
import kotlin.test.assertEquals
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue
import kotlin.test.fail
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.runBlocking

private val serverUrl: String = System.getenv("MOA_SERVER_URL") ?: error("MOA_SERVER_URL is not set")
private val worldTimeMs: Long = System.getenv("MOA_NOW_MS")?.toLong() ?: error("MOA_NOW_MS is not set")
private val shots = File(System.getenv("MOA_UI_ARTIFACTS") ?: "artifacts/ui").apply { mkdirs() }

/** A phone: 392 x 850 dp at 2.5x (a Pixel-sized screen). */
private val PHONE = Size(980f, 2125f)
private val PHONE_DENSITY = Density(2.5f)
private const val WAIT_MS = 30_000L

/** One app launch: a core over a data dir, the app's view models and the desktop platform. */
class Launch(val moa: Moa, val screens: MoaScreens, val platform: DesktopPlatform, val clock: WorldClock, val scope: CoroutineScope)

/** The core's clock: the test world's time, moved only by the test (time at the mall). */
class WorldClock : MoaClock {
    val ms = AtomicLong(worldTimeMs)
    override fun nowMs(): Long = ms.get()
}

private fun newDir(): String = Files.createTempDirectory("moa-ui").toString()

/** Launch the app (the core's clock pinned to the test world's time) and run [body] on its screens. */
private fun launch(
    dir: String = newDir(),
    server: String = serverUrl,
    locale: String = "ko",
    dark: Boolean = false,
    onboarded: Boolean = true,
    body: ComposeUiTest.(Launch) -> Unit,
) {
    val clock = WorldClock()
    val moa = Moa.open(
        MoaConfig(dataDir = dir, serverUrl = server, locale = if (locale == "en") "en-US" else "ko-KR",
            installId = "ui-test", requestTimeoutMs = 5_000uL, clock = clock),
    )
    val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)
    val screens = MoaScreens(moa, scope)
    val platform = DesktopPlatform(moa, locale).also { it.onboarded = onboarded }
    try {
        runSkikoComposeUiTest(PHONE, PHONE_DENSITY) {
            setContent { MoaTheme(dark = dark) { MoaApp(screens, platform) } }
            body(Launch(moa, screens, platform, clock, scope))
        }
    } finally {
        scope.cancel()
        screens.close()
        moa.close()
    }
}

private fun ComposeUiTest.waitFor(what: String, timeout: Long = WAIT_MS, condition: () -> Boolean) {
    try {
        waitUntil(conditionDescription = what, timeoutMillis = timeout) { condition() }
    } catch (e: Throwable) {
        fail("waited ${timeout / 1000} s for $what")
    }
}

private fun ComposeUiTest.exists(tag: String) = onAllNodesWithTag(tag).fetchSemanticsNodes().isNotEmpty()
private fun ComposeUiTest.shows(text: String) = onAllNodes(hasText(text, substring = true)).fetchSemanticsNodes().isNotEmpty()

private fun ComposeUiTest.stateOf(tag: String): String? =
    onNodeWithTag(tag, useUnmergedTree = true).fetchSemanticsNode().config.getOrNull(SemanticsProperties.StateDescription)

/** The home, once it has its magazine (cover and a first grid page). */
private fun ComposeUiTest.awaitHome(launch: Launch) {
    waitFor("the home's sections") {
        val s = launch.screens.home.state.value
        !s.loading && s.sections.any { it.layout == SectionLayout.GRID && it.cards.size >= 24 }
    }
    waitForIdle()
}

/**
 * Write the screen to artifacts/ui/[name].png once every photo on it has arrived, and fail when a
 * photo never does or the picture is blank (one colour nearly everywhere).
 */
private fun ComposeUiTest.screenshot(name: String) {
    waitForIdle()
    waitFor("every photo on '$name' to arrive") {
        onAllNodesWithTag(Tags.PHOTO, useUnmergedTree = true).fetchSemanticsNodes()
            .all { it.config.getOrNull(SemanticsProperties.StateDescription) == "loaded" }
    }
    waitForIdle()
    val image = onRoot().captureToImage().toAwtImage()
    val colours = HashMap<Int, Int>()
    for (y in 0 until image.height step 4) for (x in 0 until image.width step 4) {
        colours.merge(image.getRGB(x, y) and 0xF0F0F0, 1, Int::plus)
    }
    val samples = colours.values.sum()
    val dominant = colours.values.max()
    assertTrue(colours.size > 40 && dominant < samples * 0.97, "'$name' looks blank: ${colours.size} colours, one on ${dominant * 100 / samples}%")
    ImageIO.write(image, "png", File(shots, "$name.png"))
}

private fun allHomeCards(launch: Launch): List<Pair<String, FeedCard>> =
    launch.screens.home.state.value.sections.flatMap { s -> s.cards.map { s.id to it } }

private fun gridKey(section: String, productId: String) = "$section-$productId"

/** The home grid's item that holds a section's card. */
private fun homeKey(launch: Launch, section: String, card: FeedCard): String =
    when (launch.screens.home.state.value.sections.single { it.id == section }.layout) {
        SectionLayout.GRID -> gridKey(section, card.productId)
        SectionLayout.COVER -> "cover-$section"
        else -> "row-$section"
    }

/** Scroll the home grid to a card's row, and a carousel along to the card. */
private fun ComposeUiTest.scrollToHomeCard(launch: Launch, section: String, card: FeedCard) {
    val key = homeKey(launch, section, card)
    onNodeWithTag(Tags.HOME_GRID).performScrollToKey(key)
    if (key.startsWith("row-")) onNodeWithTag(Tags.carousel(section)).performScrollToKey(card.productId)
    onNodeWithTag(Tags.card(card.productId)).performScrollTo()
}

/** Scroll the home grid to a card and tap it. */
private fun ComposeUiTest.tapHomeCard(launch: Launch, section: String, card: FeedCard) {
    scrollToHomeCard(launch, section, card)
    onNodeWithTag(Tags.card(card.productId)).performClick()
}

// ── The tests ───────────────────────────────────────────────────────────────────────────────────

fun firstLaunchOnboardsThenShowsTheMagazine() = launch(onboarded = false) { app ->
    waitFor("onboarding") { shows("어떤 스타일을 좋아하세요?") }
    onNodeWithText("러블리").performClick()
    onNodeWithText("20대 중반").performClick()
    screenshot("onboarding")
    onNodeWithText("시작하기").performClick()
    awaitHome(app)
    assertTrue(app.platform.onboarded, "onboarding is not offered again")
    assertEquals(listOf("lovely"), app.moa.profile().styles)
    val sections = app.screens.home.state.value.sections
    assertTrue(sections.first().layout == SectionLayout.COVER && sections.first().cards.isNotEmpty(), "a cover first")
    assertTrue(sections.count { it.layout == SectionLayout.CAROUSEL && it.cards.isNotEmpty() } >= 1, "carousels")
    assertTrue(sections.single { it.layout == SectionLayout.GRID }.cards.size >= 24, "a 24-card grid")
    // What a shopper reads on the cover card: its title, mall and price as the core wrote them.
    val cover = sections.first().cards.first()
    onNodeWithTag(Tags.card(cover.productId)).assertExists()
    for (words in listOf(cover.title, cover.mallName, cover.priceText)) {
        assertTrue(onAllNodes(hasText(words)).fetchSemanticsNodes().isNotEmpty(), "the cover shows \"$words\"")
    }
    // A sale card somewhere on the magazine shows its percentage and the struck price.
    val (saleSection, sale) = allHomeCards(app).first { it.second.discountPercent != null && it.second.originalPriceText != null }
    scrollToHomeCard(app, saleSection, sale)
    assertTrue(shows("${sale.discountPercent}%") && shows(sale.originalPriceText!!), "the sale card shows its sale")
    screenshot("home-sale")
    val carousel = sections.first { it.layout == SectionLayout.CAROUSEL && it.cards.isNotEmpty() }
    onNodeWithTag(Tags.HOME_GRID).performScrollToKey("row-${carousel.id}")
    onNodeWithTag(Tags.carousel(carousel.id)).performScrollToIndex(0)
    waitForIdle()
    assertTrue(shows(carousel.title) && exists(Tags.card(carousel.cards.first().productId)), "the carousel '${carousel.title}' shows its cards")
    screenshot("home-carousel")
    onNodeWithTag(Tags.HOME_GRID).performScrollToKey("cover-${sections.first().id}")
    screenshot("home")
}

fun scrollingTheGridPagesOnWithoutRepeats() = launch { app ->
    awaitHome(app)
    val grid = app.screens.home.state.value.sections.single { it.layout == SectionLayout.GRID }
    val firstPage = grid.cards.size
    // To the end of the first page: the screen asks the core for more.
    onNodeWithTag(Tags.HOME_GRID).performScrollToKey(gridKey(grid.id, grid.cards.last().productId))
    waitFor("a second page of the grid") {
        app.screens.home.state.value.sections.single { it.id == grid.id }.cards.size > firstPage
    }
    val more = app.screens.home.state.value.sections.single { it.id == grid.id }.cards
    onNodeWithTag(Tags.HOME_GRID).performScrollToKey(gridKey(grid.id, more.last().productId))
    onNodeWithTag(Tags.card(more.last().productId)).assertExists()
    val ids = allHomeCards(app).map { it.second.productId }
    assertEquals(ids.size, ids.toSet().size, "no product twice on the home")
}

fun theGridKeepsItsPlaceAcrossATripToAnotherTab() = launch { app ->
    awaitHome(app)
    val grid = app.screens.home.state.value.sections.single { it.layout == SectionLayout.GRID }
    val deep = grid.cards[16]
    onNodeWithTag(Tags.HOME_GRID).performScrollToKey(gridKey(grid.id, deep.productId))
    waitForIdle()
    val cover = app.screens.home.state.value.sections.first().cards.first()
    assertTrue(exists(Tags.card(deep.productId)) && !exists(Tags.card(cover.productId)), "scrolled down the grid")
    onNodeWithTag("tab:wishlist").performClick()
    waitFor("the wishlist tab") { !exists(Tags.HOME_GRID) }
    onNodeWithTag("tab:home").performClick()
    waitFor("the home again") { exists(Tags.HOME_GRID) }
    assertTrue(exists(Tags.card(deep.productId)), "back where the shopper was, not at the top")
    assertTrue(!exists(Tags.card(cover.productId)))
}

fun aCardOpensItsSheetWithSizesAndOtherMalls() = launch { app ->
    awaitHome(app)
    val (section, card) = allHomeCards(app).firstOrNull { it.second.alsoAtMalls > 0u }
        ?: fail("no card on the home says 'also at N malls'")
    tapHomeCard(app, section, card)
    waitFor("the sheet") { exists(Tags.SHEET) && app.screens.product.state.value.sheet != null }
    val sheet = app.screens.product.state.value.sheet!!
    assertEquals(card.productId, sheet.productId)
    onNodeWithText("사이즈").assertExists()
    sheet.variants.forEach { onNodeWithTag(Tags.variant(it.id)).assertExists() }
    onNodeWithText("다른 쇼핑몰에서도 팔아요").assertExists()
    assertEquals(card.alsoAtMalls.toInt(), sheet.elsewhere.map { it.mallId }.toSet().size, "the card's N malls are on the sheet")
    sheet.elsewhere.forEach { offer ->
        assertTrue(shows(offer.mallName), "offer of ${offer.mallName} listed")
        onNodeWithTag(Tags.offer(offer.productId)).assertExists()
    }
    // The screenshot waits for every photo on the sheet, the other malls' own photos included.
    screenshot("sheet")
    // Share: the platform's share sheet gets the core's attributed link and line.
    onNodeWithTag(Tags.SHARE).performClick()
    waitFor("the share") { app.platform.shared.isNotEmpty() }
    val (line, url) = app.platform.shared.single()
    assertTrue("utm_medium=share" in url && url.startsWith("https://"), url)
    assertTrue(sheet.title in line && "모아" in line, line)
}

fun theSheetSwipesThroughTheProductsPhotos() = launch { app ->
    awaitHome(app)
    // A card whose product has several photos (the core's sheet says how many).
    val (section, card) = allHomeCards(app).firstOrNull { app.moa.product(it.second.productId).photos.size >= 3 }
        ?: fail("no product on the home has three photos")
    val photos = app.moa.product(card.productId).photos
    tapHomeCard(app, section, card)
    waitFor("the sheet") { app.screens.product.state.value.sheet != null }
    assertEquals(photos, app.screens.product.state.value.sheet!!.photos)
    assertEquals("1", stateOf(Tags.GALLERY))
    onNodeWithText("1 / ${photos.size}").assertExists()
    onNodeWithTag(Tags.GALLERY).performTouchInput { swipeLeft() }
    waitFor("the second photo") { stateOf(Tags.GALLERY) == "2" }
    onNodeWithText("2 / ${photos.size}").assertExists()
    waitFor("the second photo's pixels") { app.platform.thumbnailsAsked.contains(photos[1]) }
    screenshot("sheet-gallery")
    onNodeWithTag(Tags.GALLERY).performTouchInput { swipeRight() }
    waitFor("back to the first") { stateOf(Tags.GALLERY) == "1" }
    // Another product starts at its own first photo.
    app.screens.product.close()
    waitFor("the sheet to close") { !exists(Tags.SHEET) }
    val single = allHomeCards(app).first { app.moa.product(it.second.productId).photos.size == 1 }
    tapHomeCard(app, single.first, single.second)
    waitFor("the other sheet") { app.screens.product.state.value.sheet?.productId == single.second.productId }
    assertEquals("1", stateOf(Tags.GALLERY))
    assertTrue(!shows("1 / 1"), "one photo has no counter")
}

fun tappingASizeSelectsItAndLeavesTheWishlistAlone() = launch { app ->
    awaitHome(app)
    val card = app.screens.home.state.value.sections.first().cards.first()
    onNodeWithTag(Tags.card(card.productId)).performClick()
    waitFor("the sheet") { app.screens.product.state.value.sheet != null }
    val size = app.screens.product.state.value.sheet!!.variants.first { it.available }
    onNodeWithTag(Tags.variant(size.id)).performClick()
    waitForIdle()
    onNodeWithTag(Tags.variant(size.id)).assertIsSelected()
    assertEquals("off", stateOf(Tags.SHEET_HEART), "a size is not a heart")
    assertTrue(app.moa.wishlist().isEmpty(), "tapping a size put nothing on the wishlist")
    // The heart keeps the chosen size with the product.
    onNodeWithTag(Tags.SHEET_HEART).performClick()
    waitFor("the heart to fill") { stateOf(Tags.SHEET_HEART) == "on" }
    assertEquals(size.id, app.moa.wishlist().single().variantId)
    onNodeWithTag(Tags.variant(size.id)).performClick()
    waitForIdle()
    onNodeWithTag(Tags.variant(size.id)).assertIsNotSelected()
    assertEquals(1, app.moa.wishlist().size, "deselecting a size keeps the 찜")
}

fun theSameHeartAgreesOnTheHomeAndInSearch() = launch { app ->
    awaitHome(app)
    val card = app.screens.home.state.value.sections.first().cards.first()
    onNodeWithTag(Tags.heart(card.productId)).performClick()
    waitFor("the home's heart to fill") { stateOf(Tags.heart(card.productId)) == "on" }
    onNodeWithTag("tab:search").performClick()
    onNodeWithTag(Tags.SEARCH_FIELD).performTextInput(card.title)
    waitFor("search to find the card") { exists(Tags.heart(card.productId)) }
    assertEquals("on", stateOf(Tags.heart(card.productId)), "search shows the same 찜")
    screenshot("search")
    onNodeWithTag(Tags.heart(card.productId)).performClick()
    waitFor("the search heart to empty") { stateOf(Tags.heart(card.productId)) == "off" }
    onNodeWithTag("tab:home").performClick()
    waitFor("the home") { exists(Tags.heart(card.productId)) }
    assertEquals("off", stateOf(Tags.heart(card.productId)), "the home hears what search did")
    assertTrue(app.moa.wishlist().none { it.productId == card.productId })
    // And the wishlist tab lists what is hearted anywhere.
    onNodeWithTag(Tags.heart(card.productId)).performClick()
    waitFor("the heart") { stateOf(Tags.heart(card.productId)) == "on" }
    onNodeWithTag("tab:wishlist").performClick()
    waitFor("the wishlist") { exists(Tags.card(card.productId)) }
    screenshot("wishlist")
}

fun followingAMallFromItsCardOrTheSheetListsItByName() = launch { app ->
    awaitHome(app)
    val sections = app.screens.home.state.value.sections
    val mallSection = sections.firstOrNull { it.layout == SectionLayout.MALL_CAROUSEL && it.malls.isNotEmpty() }
        ?: fail("no malls to follow on the home")
    val mall = mallSection.malls.first()
    onNodeWithTag(Tags.HOME_GRID).performScrollToKey("malls-${mallSection.id}")
    onNodeWithTag(Tags.follow(mall.mallId)).performClick()
    waitFor("the follow") { app.moa.followedMalls().any { it.mallId == mall.mallId } }
    onNodeWithTag(Tags.HOME_GRID).performScrollToKey("cover-${sections.first().id}")
    // From the sheet: the cover product's mall.
    val cover = sections.first().cards.first()
    onNodeWithTag(Tags.card(cover.productId)).performClick()
    waitFor("the sheet") { app.screens.product.state.value.sheet != null }
    onNodeWithTag(Tags.SHEET_FOLLOW).performClick()
    waitFor("the sheet's follow") { app.moa.followedMalls().any { it.mallId == cover.mallId } }
    onNodeWithText("닫기").performClick()
    waitFor("the sheet to close") { !exists(Tags.SHEET) }
    onNodeWithTag("tab:malls").performClick()
    for (name in setOf(mall.name, cover.mallName)) {
        waitFor("$name in the malls tab") { shows(name) }
    }
    screenshot("malls")
    // Unfollowing from the tab takes it off.
    onNode(hasText("팔로잉") and hasAnyAncestor(hasTestTag(Tags.mall(mall.mallId)))).performClick()
    waitFor("the unfollow") { !exists(Tags.mall(mall.mallId)) }
    assertTrue(app.moa.followedMalls().none { it.mallId == mall.mallId })
}

fun aPriceChangeIsShownBeforeLeavingForTheMall() = launch { app ->
    awaitHome(app)
    val card = app.screens.home.state.value.sections.first().cards.first()
    onNodeWithTag(Tags.card(card.productId)).performClick()
    waitFor("the sheet") { app.screens.product.state.value.sheet != null }
    reprice(card.productId, card.price - 3_000)
    onNodeWithTag(Tags.GO_TO_MALL).performClick()
    waitFor("the warning") { exists(Tags.NOTICE) }
    assertTrue(app.platform.openedMalls.isEmpty(), "the shopper was sent away before seeing the warning")
    val notice = assertNotNull(app.screens.product.state.value.notice)
    assertTrue("바뀌었어요" in notice, notice)
    onNodeWithText("그래도 쇼핑몰로 가기").assertExists()
    screenshot("price-warning")
    onNodeWithTag(Tags.GO_TO_MALL).performClick()
    waitFor("the mall to open") { app.platform.openedMalls.size == 1 }
    assertTrue(app.platform.openedMalls.single().startsWith("https://"), app.platform.openedMalls.single())
}

fun aQuickReturnShowsTheRescueSheetOnce() = launch { app ->
    awaitHome(app)
    val grid = app.screens.home.state.value.sections.single { it.layout == SectionLayout.GRID }
    val card = grid.cards.first()
    onNodeWithTag(Tags.HOME_GRID).performScrollToKey(gridKey(grid.id, card.productId))
    onNodeWithTag(Tags.card(card.productId)).performClick()
    waitFor("the sheet") { app.screens.product.state.value.sheet != null }
    onNodeWithTag(Tags.GO_TO_MALL).performClick()
    waitFor("the mall to open") { app.platform.openedMalls.size == 1 }
    waitForIdle()
    // Back after 6 seconds (the Activity's onResume reports the return; the core times it).
    app.clock.ms.addAndGet(6_000)
    app.screens.product.returnedFromMall()
    waitFor("the rescue sheet") { exists(Tags.RESCUE) }
    val rescue = assertNotNull(app.screens.product.state.value.rescue)
    assertTrue(shows(rescue.title))
    screenshot("rescue")
    onNodeWithText("괜찮아요").performClick()
    waitFor("the rescue to close") { !exists(Tags.RESCUE) }
    // Same product, same quick return: not again.
    onNodeWithTag(Tags.GO_TO_MALL).performClick()
    waitFor("the mall again") { app.platform.openedMalls.size == 2 }
    waitForIdle()
    app.clock.ms.addAndGet(5_000)
    runBlocking { app.screens.product.returnedFromMall().join() }
    waitForIdle()
    assertNull(app.screens.product.state.value.rescue, "the rescue sheet is offered once")
    assertTrue(!exists(Tags.RESCUE))
}

fun aReturnAfterTheAppWasKilledAtTheMallStillCounts() {
    val dir = newDir()
    var left: String? = null
    launch(dir = dir) { app ->
        awaitHome(app)
        val card = app.screens.home.state.value.sections.first().cards.first()
        onNodeWithTag(Tags.card(card.productId)).performClick()
        waitFor("the sheet") { app.screens.product.state.value.sheet != null }
        onNodeWithTag(Tags.GO_TO_MALL).performClick()
        waitFor("the mall to open") { app.platform.openedMalls.size == 1 }
        left = app.moa.pendingReturn()
    }
    // A new process (the old one was killed at the mall): the Activity's onResume reports the return.
    launch(dir = dir) { app ->
        awaitHome(app)
        assertEquals(left, app.moa.pendingReturn(), "the trip survived")
        app.clock.ms.addAndGet(8_000)
        app.screens.product.returnedFromMall()
        waitFor("the rescue sheet, after the restart") { exists(Tags.RESCUE) }
        assertNull(app.moa.pendingReturn())
    }
}

fun offlineShowsTheCachedHomeWithABanner() {
    val dir = newDir()
    launch(dir = dir) { app -> awaitHome(app) }
    // The same phone, no network: the home comes from the cache, with the banner.
    launch(dir = dir, server = "http://127.0.0.1:9") { app ->
        waitFor("the offline banner") { exists(Tags.OFFLINE) }
        waitFor("the cached home") { allHomeCards(app).size >= 24 }
        assertTrue(app.screens.home.state.value.offline)
        onNodeWithText("오프라인 — 휴대폰에 저장된 상품을 보여드려요").assertExists()
        onNodeWithTag(Tags.card(app.screens.home.state.value.sections.first().cards.first().productId)).assertExists()
        screenshot("offline")
    }
}

fun aFailedOpenShowsWhatToDoNeverABlankSheet() = launch { app ->
    awaitHome(app)
    // A product that is not in the catalog (an old link, a delisted item): the sheet says so.
    app.screens.product.open("no-such-product")
    waitFor("the error on the sheet") { exists(Tags.ERROR) }
    onNodeWithText("더 이상 판매하지 않는 상품이에요.").assertExists()
    onNodeWithText("다시 시도").assertExists()
    screenshot("sheet-error")
    onNodeWithText("다시 시도").performClick()
    waitFor("the retry to fail again, visibly") { exists(Tags.ERROR) }
    onNodeWithText("닫기").performClick()
    waitFor("the sheet to close") { !exists(Tags.SHEET) }
}

fun theHomeInEnglishAndInTheDark() {
    launch(locale = "en") { app ->
        awaitHome(app)
        onNodeWithText("Home").assertExists()
        screenshot("home-en")
    }
    launch(dark = true) { app ->
        awaitHome(app)
        screenshot("home-dark")
        onNodeWithTag("tab:settings").performClick()
        waitFor("settings") { shows("추천 개선에 참여하기") }
        screenshot("settings-dark")
    }
}

fun consentOnSendsTheImpressionsTheHomeShowed() = launch { app ->
    awaitHome(app)
    val cover = app.screens.home.state.value.sections.first().cards.first()
    val before = impressionsOf(cover.mallId)
    // Without consent nothing leaves the phone, however often the home refreshes.
    runBlocking { app.screens.home.refresh().join() }
    assertEquals(0uL, app.screens.home.state.value.eventsSent)
    assertEquals(before, impressionsOf(cover.mallId), "no consent, no numbers")
    onNodeWithTag("tab:settings").performClick()
    onNodeWithTag(Tags.CONSENT).performClick()
    waitFor("the consent") { app.moa.eventConsent() }
    onNodeWithTag("tab:home").performClick()
    waitFor("the home") { exists(Tags.card(cover.productId)) }
    // Pull to refresh: the sync, then the events — the cover's impression among them.
    runBlocking { app.screens.home.refresh().join() }
    assertTrue(app.screens.home.state.value.eventsSent > 0uL, "sent ${app.screens.home.state.value.eventsSent}")
    assertTrue(impressionsOf(cover.mallId) > before, "the cover's mall saw its impression")
}

fun aMallsPageOpensFromItsCardTheSheetAndTheMallsTab() = launch { app ->
    awaitHome(app)
    val sections = app.screens.home.state.value.sections
    val mallSection = sections.first { it.layout == SectionLayout.MALL_CAROUSEL && it.malls.isNotEmpty() }
    val mall = mallSection.malls.first()
    // From the mall card: its page, with its products in this shopper's order.
    onNodeWithTag(Tags.HOME_GRID).performScrollToKey("malls-${mallSection.id}")
    onNodeWithTag(Tags.mall(mall.mallId)).performClick()
    waitFor("the mall's page") { exists(Tags.MALL_PAGE) && app.screens.mallPage.state.value.page != null }
    val page = app.screens.mallPage.state.value.page!!
    assertEquals(mall.name, page.name)
    assertTrue(page.cards.isNotEmpty() && page.cards.all { it.mallId == mall.mallId })
    onNodeWithTag(Tags.card(page.cards.first().productId)).assertExists()
    screenshot("mall-page")
    // Follow from the page: the malls tab lists it.
    onNodeWithTag(Tags.MALL_FOLLOW).performClick()
    waitFor("the follow") { app.moa.followedMalls().any { it.mallId == mall.mallId } }
    waitFor("the page's button") { app.screens.mallPage.state.value.page?.followed == true }
    // A product on the page opens its sheet; the sheet's mall name opens the page again.
    onNodeWithTag(Tags.card(page.cards.first().productId)).performClick()
    waitFor("the sheet") { app.screens.product.state.value.sheet?.productId == page.cards.first().productId }
    onNodeWithTag(Tags.SHEET_MALL).performClick()
    waitFor("back on the mall's page") { !exists(Tags.SHEET) && exists(Tags.MALL_PAGE) }
    onNodeWithText("닫기").performClick()
    waitFor("the page to close") { !exists(Tags.MALL_PAGE) }
    onNodeWithTag("tab:malls").performClick()
    waitFor("the malls tab") { shows(mall.name) }
    onNodeWithTag(Tags.mall(mall.mallId)).performClick()
    waitFor("the page from the malls tab") { exists(Tags.MALL_PAGE) }
}

/** How many impressions the demo server counted for a mall (its own key reads its stats). */
private fun impressionsOf(mallId: String): Long {
    val connection = java.net.URI("$serverUrl/v1/malls/$mallId/stats").toURL().openConnection() as java.net.HttpURLConnection
    connection.setRequestProperty("authorization", "Bearer demo-key-$mallId")
    assertEquals(200, connection.responseCode)
    val body = connection.inputStream.bufferedReader().readText()
    return Regex("\"impressions\"\\s*:\\s*(\\d+)").findAll(body).sumOf { it.groupValues[1].toLong() }
}


fun anOrderPlacedAtTheMallShowsInOrdersWithItsParcel() = launch { app ->
    awaitHome(app)
    val card = app.screens.home.state.value.sections.first().cards.first()
    onNodeWithTag(Tags.card(card.productId)).performClick()
    waitFor("the sheet") { app.screens.product.state.value.sheet != null }
    onNodeWithTag(Tags.GO_TO_MALL).performClick()
    waitFor("the mall to open") { app.platform.openedMalls.size == 1 }
    val outlink = assertNotNull(Regex("moa_outlink=([0-9a-f]+)").find(app.platform.openedMalls.single())).groupValues[1]
    app.screens.product.close()
    // The shopper orders at the mall; the mall reports it, shipped.
    runBlocking { app.moa.syncOrders() }
    assertEquals(200, reportOrder(card.mallId, """{"order_id": "UI-3003", "outlink_id": "$outlink", "status": "shipped",
        "items": [{"product_id": "${card.productId}", "title": "${card.title}", "quantity": 1, "price": {"amount": ${card.price}, "currency": "KRW"}}],
        "shipment": {"carrier": "CJ대한통운", "tracking_number": "123456789012"}, "at_ms": $worldTimeMs}"""))
    onNodeWithTag("tab:settings").performClick()
    // The nudges' switches are the core's settings.
    waitFor("the nudge switches") { exists(Tags.nudge("cart")) }
    assertTrue(shows("장바구니에 담고 하루가 지났을 때"))
    onNodeWithTag(Tags.nudge("cart")).performClick()
    waitFor("the cart nudge off") { !app.moa.alertSettings().nudgeCart }
    assertTrue(app.moa.alertSettings().nudgeLastSize, "only the switch tapped")
    onNodeWithTag(Tags.OPEN_ORDERS).performClick()
    waitFor("the order in 주문·배송") { exists(Tags.order("UI-3003")) }
    onNodeWithTag(Tags.orderStatus("UI-3003"), useUnmergedTree = true).assertTextContains("배송 중", substring = true)
    assertTrue(shows(card.title))
    screenshot("orders")
    onNodeWithTag(Tags.track("UI-3003")).performClick()
    waitFor("the tracking page") { app.platform.openedLinks.size == 1 }
    assertEquals("https://trace.cjlogistics.com/next/tracking.html?wblNo=123456789012", app.platform.openedLinks.last())
    onNodeWithTag(Tags.DELETE_ORDERS).performClick()
    waitForIdle()
    assertTrue(exists(Tags.order("UI-3003")), "one tap only asks")
    onNodeWithTag(Tags.CONFIRM_DELETE_ORDERS).performClick()
    waitFor("the history to go") { !exists(Tags.order("UI-3003")) }
    assertTrue(app.moa.orders().isEmpty())
}

fun theSheetAsksTheMallOnItsOwnLines() = launch { app ->
    awaitHome(app)
    val card = app.screens.home.state.value.sections.first().cards.first()
    onNodeWithTag(Tags.card(card.productId)).performClick()
    waitFor("the sheet") { app.screens.product.state.value.sheet != null }
    val sheet = assertNotNull(app.screens.product.state.value.sheet)
    val kakao = sheet.contact.first { it.kind == ContactKind.KAKAO_TALK }
    onNodeWithTag(Tags.contact("kakao_talk")).performScrollTo()
    assertTrue(shows("문의하기") && shows(kakao.label))
    sheet.contactHours?.let { assertTrue(shows(it), it) }
    screenshot("sheet-contact")
    onNodeWithTag(Tags.contact("kakao_talk")).performClick()
    waitFor("the chat to open") { app.platform.openedLinks.size == 1 }
    assertEquals(kakao.url, app.platform.openedLinks.single())
    assertTrue(kakao.url.startsWith("https://pf.kakao.com/_"), kakao.url)
    assertTrue(app.platform.openedMalls.isEmpty(), "asking is not a trip to the mall")
}

/** A POST to the test server as a mall would send it (with its key, when given): the status. */
fun post(path: String, body: String, mallKey: String? = null): Int {
    val connection = java.net.URI("$serverUrl$path").toURL().openConnection() as java.net.HttpURLConnection
    connection.requestMethod = "POST"
    connection.doOutput = true
    connection.setRequestProperty("content-type", "application/json")
    if (mallKey != null) connection.setRequestProperty("authorization", "Bearer $mallKey")
    connection.outputStream.use { it.write(body.toByteArray()) }
    return connection.responseCode
}

/** The demo server's control: the mall sets a product's price. */
fun reprice(productId: String, price: Long) = assertEquals(200, post("/v1/demo/products/$productId/reprice", "{\"price\":$price}"))

/** The mall reports an order in Moa's own shape, with its key (the demo world's). */
fun reportOrder(mallId: String, body: String): Int = post("/v1/malls/$mallId/orders", body, "demo-key-$mallId")

fun main(args: Array<String>) {
    val tests = listOf(
        ::firstLaunchOnboardsThenShowsTheMagazine,
        ::scrollingTheGridPagesOnWithoutRepeats,
        ::theGridKeepsItsPlaceAcrossATripToAnotherTab,
        ::aCardOpensItsSheetWithSizesAndOtherMalls,
        ::theSheetSwipesThroughTheProductsPhotos,
        ::tappingASizeSelectsItAndLeavesTheWishlistAlone,
        ::theSameHeartAgreesOnTheHomeAndInSearch,
        ::followingAMallFromItsCardOrTheSheetListsItByName,
        ::aPriceChangeIsShownBeforeLeavingForTheMall,
        ::aQuickReturnShowsTheRescueSheetOnce,
        ::aReturnAfterTheAppWasKilledAtTheMallStillCounts,
        ::offlineShowsTheCachedHomeWithABanner,
        ::aFailedOpenShowsWhatToDoNeverABlankSheet,
        ::theHomeInEnglishAndInTheDark,
        ::consentOnSendsTheImpressionsTheHomeShowed,
        ::aMallsPageOpensFromItsCardTheSheetAndTheMallsTab,
        ::anOrderPlacedAtTheMallShowsInOrdersWithItsParcel,
        ::theSheetAsksTheMallOnItsOwnLines,
    ).filter { args.isEmpty() || it.name in args }
    var passed = 0
    var failed = 0
    for (test in tests) {
        try {
            test()
            passed++
            println("ok    ${test.name}")
        } catch (e: Throwable) {
            failed++
            println("FAIL  ${test.name}: $e")
            e.printStackTrace()
        }
    }
    println("ui: $passed passed, $failed failed")
    kotlin.system.exitProcess(if (failed == 0) 0 else 1)
}

// The view models over the real Kotlin bindings and a real moa-server on loopback
// (MOA_SERVER_URL, started by scripts/test.sh): what the screens will show, state by state.
package app.moa.presentation

import app.moa.core.Moa
import app.moa.core.MoaException
import app.moa.core.MoaClock
import app.moa.core.MoaConfig
import app.moa.core.SecretStore
import java.nio.file.Files
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.CopyOnWriteArrayList
import java.util.concurrent.atomic.AtomicLong
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout

private val serverUrl: String = System.getenv("MOA_SERVER_URL") ?: error("MOA_SERVER_URL is not set")

/** The core reads the time the test server's world was built at (never today's date), moved only by the tests. */
private class WorldClock : MoaClock {
    val ms = AtomicLong(System.getenv("MOA_NOW_MS")?.toLong() ?: error("MOA_NOW_MS is not set"))
    override fun nowMs(): Long = ms.get()
}

private fun open(
    dir: String = Files.createTempDirectory("moa-app").toString(),
    server: String = serverUrl,
    clock: MoaClock = WorldClock(),
) = Moa.open(
    MoaConfig(
        dataDir = dir, serverUrl = server, locale = "ko-KR", installId = "app-test", requestTimeoutMs = 3_000uL,
        clock = clock,
    )
)

/** A scope like a screen's: cancelled when the test ends. */
private fun <T> screen(block: suspend CoroutineScope.(CoroutineScope) -> T): T = runBlocking {
    val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)
    try {
        withTimeout(60_000) { block(scope) }
    } finally {
        scope.cancel()
    }
}

class Keychain : SecretStore {
    val secrets = ConcurrentHashMap<String, String>()
    override fun save(key: String, secret: String) { secrets[key] = secret }
    override fun load(key: String): String? = secrets[key]
    override fun delete(key: String) { secrets.remove(key) }
}

fun homeShowsTheCacheFirstAndTheFreshHomeAfterTheSync() {
    val dir = Files.createTempDirectory("moa-app").toString()
    // First launch, empty cache: loading until the sync brings the catalog.
    open(dir).use { moa ->
        screen { scope ->
            val home = HomeViewModel(moa, scope)
            assertTrue(home.state.value.loading && home.state.value.sections.isEmpty())
            home.start().join()
            val s = home.state.value
            assertFalse(s.loading || s.refreshing || s.offline, "$s")
            assertTrue(s.lastSync!!.upserted >= 1000uL)
            assertTrue(s.sections.sumOf { it.cards.size } >= 40, "a full home after the first sync")
        }
    }
    // Next launch: the cached home is on screen while the sync is still running.
    open(dir).use { moa ->
        screen { scope ->
            val home = HomeViewModel(moa, scope)
            val seen = CopyOnWriteArrayList<HomeViewModel.State>()
            val watcher = scope.launch { home.state.collect { seen.add(it) } }
            home.start().join()
            watcher.cancel()
            assertTrue(seen.any { it.refreshing && it.sections.isNotEmpty() }, "cache shown before the sync ended")
            assertNotNull(home.state.value.lastSync)
        }
    }
    // Offline: the cache stays, with a banner, and no error dialog.
    open(dir, server = "http://127.0.0.1:1").use { moa ->
        screen { scope ->
            val home = HomeViewModel(moa, scope)
            home.start().join()
            val s = home.state.value
            assertTrue(s.offline, "$s")
            assertNull(s.error)
            assertTrue(s.sections.sumOf { it.cards.size } >= 40, "the cached home, offline")
        }
    }
}

fun pagingNotInterestedAndWishlist() {
    open().use { moa ->
        screen { scope ->
            val home = HomeViewModel(moa, scope)
            home.start().join()
            fun forYou() = home.state.value.sections.first { it.id == "for_you" }.cards
            val before = forYou().size
            home.loadMore().join()
            home.loadMore().join()
            val ids = forYou().map { it.productId }
            assertEquals(before + 48, ids.size)
            assertEquals(ids.size, ids.toSet().size, "no card twice")

            val gone = forYou()[3].productId
            home.notInterested(gone).join()
            assertTrue(home.state.value.sections.none { s -> s.cards.any { it.productId == gone } })
            home.start().join()
            assertTrue(home.state.value.sections.none { s -> s.cards.any { it.productId == gone } }, "still gone on a new home")

            // The heart is the core's flag on the card, restamped after the tap.
            val liked = forYou()[0].productId
            home.toggleWishlist(forYou()[0]).join()
            assertTrue(forYou().first { it.productId == liked }.wishlisted)
            assertEquals(listOf(liked), moa.wishlist().map { it.productId })
            home.toggleWishlist(forYou().first { it.productId == liked }).join()
            assertFalse(forYou().first { it.productId == liked }.wishlisted)
            assertTrue(moa.wishlist().isEmpty())
        }
    }
}

fun signInWithWrongThenRightPasswordAndSignOut() {
    open().use { moa ->
        val keychain = Keychain()
        moa.setSecretStore(keychain)
        screen { scope ->
            val account = AccountViewModel(moa, scope)
            account.load().join()
            assertNull(account.state.value.account)
            assertFalse(account.state.value.eventConsent, "consent is off until the shopper agrees")
            account.signIn("minji", "wrong").join()
            assertEquals(UiError.WrongCredentials, account.state.value.error)
            account.signIn(" minji ", "moa-demo").join()
            assertEquals("minji", account.state.value.account?.username)
            assertNull(account.state.value.error)
            assertEquals(1, keychain.secrets.size, "the token is in the keychain")
            account.setEventConsent(true).join()
            assertTrue(moa.eventConsent())
            account.signOut(keepOnDevice = false).join()
            assertNull(account.state.value.account)
            assertTrue(keychain.secrets.isEmpty())
        }
    }
}

/** A lost phone: from the tablet, sign out everywhere; the phone is asked to sign in again. */
fun signOutEverywhereEndsTheOtherDevicesSession() {
    open().use { phone ->
        open().use { tablet ->
            phone.setSecretStore(Keychain())
            val tabletKeychain = Keychain()
            tablet.setSecretStore(tabletKeychain)
            screen { scope ->
                val onPhone = AccountViewModel(phone, scope)
                val onTablet = AccountViewModel(tablet, scope)
                onPhone.signIn("hana", "moa-demo").join()
                onTablet.signIn("hana", "moa-demo").join()
                assertEquals("hana", onPhone.state.value.account?.username)
                onTablet.signOutEverywhere().join()
                assertNull(onTablet.state.value.error)
                assertNull(onTablet.state.value.account)
                assertTrue(tabletKeychain.secrets.isEmpty())
                assertFailsWith<MoaException.Unauthorized> { runBlocking { phone.syncAccount() } }
                onPhone.load().join()
                assertFalse(onPhone.state.value.account!!.sessionValid, "the phone asks to sign in again")
            }
        }
    }
}

fun aQuickReturnFromTheMallOffersTheRescueSheetOnce() {
    val clock = WorldClock()
    val now = clock.ms
    open(clock = clock).use { moa ->
        screen { scope ->
            val home = HomeViewModel(moa, scope)
            home.start().join()
            val cards = home.state.value.sections.flatMap { it.cards }
            val product = ProductViewModel(moa, scope)

            product.open(cards[0].productId).join()
            assertEquals(cards[0].priceText, product.state.value.sheet?.priceText)
            product.goToMall("cover", 0u).join()
            val link = assertNotNull(product.state.value.openMall)
            assertTrue(link.url.startsWith("https://") && "moa_outlink=${link.outlinkId}" in link.url)
            product.mallOpened()
            assertNull(product.state.value.openMall, "opened once")
            now.addAndGet(20_000)
            product.returnedFromMall().join()
            val rescue = assertNotNull(product.state.value.rescue, "back within a minute: the rescue sheet")
            assertTrue(rescue.cards.isNotEmpty() && rescue.cards.none { it.productId == cards[0].productId })
            product.rescueDismissed().join()
            assertNull(product.state.value.rescue)

            // A slow return: no sheet.
            product.open(cards[1].productId).join()
            product.goToMall("for_you", 1u).join()
            product.mallOpened()
            now.addAndGet(90_000)
            product.returnedFromMall().join()
            assertNull(product.state.value.rescue, "after 90 s away")
            product.close().join()
            assertNull(product.state.value.sheet)

            // A product the catalog does not have: a typed error, not a crash.
            product.open("nobody-1").join()
            assertEquals(UiError.NotFound, product.state.value.error)
        }
    }
}

fun onboardingSearchWishlistAndMalls() {
    open().use { moa ->
        screen { scope ->
            val onboarding = OnboardingViewModel(moa, scope)
            onboarding.chooseGender("women")
            onboarding.chooseAgeBand("early_20s")
            onboarding.toggleStyle("lovely")
            onboarding.toggleStyle("street")
            onboarding.toggleStyle("street")
            onboarding.finish().join()
            assertTrue(onboarding.state.value.done)
            assertEquals(listOf("lovely"), moa.profile().styles)

            val home = HomeViewModel(moa, scope)
            home.start().join()
            val card = home.state.value.sections.flatMap { it.cards }.first()

            val search = SearchViewModel(moa, scope)
            search.search("원피스").join()
            val found = search.state.value
            assertTrue(found.cards.isNotEmpty() && found.cards.all { "원피스" in it.title }, "${found.cards.map { it.title }}")
            assertEquals(if (found.capped) "${found.total}+" else "${found.total}", found.countText)
            assertTrue(found.total >= found.cards.size.toULong())
            search.search("").join()
            assertTrue(search.state.value.cards.isEmpty())

            home.toggleWishlist(card).join()
            val wishlist = WishlistViewModel(moa, scope)
            wishlist.load().join()
            assertEquals(listOf(card.productId), wishlist.state.value.items.map { it.productId })
            wishlist.remove(card.productId).join()
            assertTrue(wishlist.state.value.items.isEmpty() && moa.wishlist().isEmpty())

            val malls = MallsViewModel(moa, scope)
            malls.setFollowed(card.mallId, follow = true).join()
            assertEquals(listOf(card.mallId), malls.state.value.followed.map { it.mallId })
            assertEquals(card.mallName, malls.state.value.followed.single().name, "the malls tab shows the name")
            malls.setFollowed(card.mallId, follow = false).join()
            assertTrue(malls.state.value.followed.isEmpty())
        }
    }
}

fun main() {
    val tests = listOf(
        ::homeShowsTheCacheFirstAndTheFreshHomeAfterTheSync,
        ::pagingNotInterestedAndWishlist,
        ::signInWithWrongThenRightPasswordAndSignOut,
        ::signOutEverywhereEndsTheOtherDevicesSession,
        ::aQuickReturnFromTheMallOffersTheRescueSheetOnce,
        ::onboardingSearchWishlistAndMalls,
    )
    var failed = 0
    for (test in tests) {
        try {
            test()
            println("ok    ${test.name}")
        } catch (e: Throwable) {
            failed++
            println("FAIL  ${test.name}: $e")
            e.printStackTrace()
        }
    }
    println("android presentation: ${tests.size - failed} passed, $failed failed")
    kotlin.system.exitProcess(if (failed == 0) 0 else 1)
}

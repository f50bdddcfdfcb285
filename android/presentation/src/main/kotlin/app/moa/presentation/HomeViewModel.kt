package app.moa.presentation

import app.moa.core.ChangeKind
import app.moa.core.FeedCard
import app.moa.core.FeedSection
import app.moa.core.Moa
import app.moa.core.MoaException
import app.moa.core.ShopperEvent
import app.moa.core.SyncReport
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.withLock
import kotlinx.coroutines.withContext

/**
 * The home magazine. Opens from the cache at once (no network needed), then syncs and shows the
 * fresh home when the core says the feed changed. Everything it shows comes from the core as is:
 * sections, cards, prices, reasons, and each card's heart (`FeedCard.wishlisted`) and mall's
 * follow (`MallCard.followed`), read again from the core (`currentHome`) when it reports a change.
 */
class HomeViewModel(
    private val moa: Moa,
    private val scope: CoroutineScope,
    private val io: CoroutineDispatcher = Dispatchers.IO,
) : AutoCloseable {
    data class State(
        val sections: List<FeedSection> = emptyList(),
        /** Nothing to show yet (first launch, empty cache). */
        val loading: Boolean = true,
        /** A sync is under way; the cache stays on screen. */
        val refreshing: Boolean = false,
        /** The last sync could not reach the server: show a banner over the cache. */
        val offline: Boolean = false,
        val error: UiError? = null,
        /** "For you" has no more cards. */
        val endReached: Boolean = false,
        val lastSync: SyncReport? = null,
        /** Behaviour events the last refresh sent (0 without the shopper's consent: the core sends none). */
        val eventsSent: ULong = 0uL,
    )

    private val _state = MutableStateFlow(State())
    val state: StateFlow<State> = _state.asStateFlow()

    // One core call that replaces the home at a time: paging must not interleave with a reload.
    private val feedLock = Mutex()
    /** Cards already counted as seen on this home (an impression is counted once). */
    private val seen = java.util.Collections.newSetFromMap(java.util.concurrent.ConcurrentHashMap<String, Boolean>())
    private var started: Job? = null

    // A 찜 or a follow anywhere (the sheet, search, a sync of the account): the same home, restamped.
    private val changes = CoreChanges(moa, setOf(ChangeKind.WISHLIST, ChangeKind.FOLLOWED_MALLS)) { restamp() }

    override fun close() = changes.close()

    /**
     * [start], once for this view model: the screen calls it whenever it is shown, so a new
     * process (after the system killed the old one) loads its home too.
     */
    @Synchronized
    fun ensureStarted(): Job = started ?: start().also { started = it }

    /** Show the cached home, then refresh it from the server. */
    fun start(): Job = scope.launch {
        loadFromCache()
        refresh().join()
    }

    private suspend fun loadFromCache() {
        try {
            val page = withContext(io) { feedLock.withLock { moa.homeFeed() } }
            seen.clear()
            _state.update {
                it.copy(
                    sections = page.sections,
                    loading = page.sections.all { s -> s.cards.isEmpty() && s.malls.isEmpty() },
                    endReached = false,
                )
            }
        } catch (e: MoaException) {
            _state.update { it.copy(error = e.toUiError()) }
        }
    }

    /** The home as it is on screen, with the core's hearts and follows as they are now. */
    fun restamp(): Job = scope.launch {
        if (_state.value.sections.isEmpty()) return@launch
        try {
            val page = withContext(io) { feedLock.withLock { moa.currentHome() } }
            _state.update { it.copy(sections = page.sections) }
        } catch (e: MoaException) {
            _state.update { it.copy(error = e.toUiError()) }
        }
    }

    /** Sync the catalog; a changed feed gives a new home, an unreachable server a banner. */
    fun refresh(): Job = scope.launch {
        _state.update { it.copy(refreshing = true) }
        try {
            val report = moa.sync(null, null)
            _state.update { it.copy(offline = false, error = null, lastSync = report) }
            if (report.feedChanged || _state.value.sections.isEmpty()) loadFromCache()
            // Online: what the shopper did leaves the device now, if they agreed (the core checks).
            val sent = runCatching { moa.uploadEvents() }.getOrDefault(0uL)
            _state.update { it.copy(eventsSent = sent) }
        } catch (e: MoaException) {
            val error = e.toUiError()
            _state.update {
                if (error == UiError.Offline) it.copy(offline = true) else it.copy(error = error)
            }
        } finally {
            // Tried: an empty home now means an empty catalog or no network, which the state says.
            _state.update { it.copy(refreshing = false, loading = false) }
        }
    }

    /** The next page of "for you", appended; never a card already on the home. */
    fun loadMore(count: UInt = 24u): Job = scope.launch {
        if (_state.value.endReached) return@launch
        try {
            // Past what the phone holds, online, the core brings the products ranked next.
            val more = feedLock.withLock { moa.moreForYouEverywhere(count) }
            _state.update { s ->
                s.copy(
                    sections = s.sections.map { if (it.id == more.id) it.copy(cards = it.cards + more.cards) else it },
                    endReached = more.cards.isEmpty(),
                )
            }
        } catch (e: MoaException) {
            _state.update { it.copy(error = e.toUiError()) }
        }
    }

    /**
     * A card came on screen: the core counts the impression (once per card per home), so that
     * what is shown often and never tapped sinks, and malls learn how often they were seen.
     */
    fun shown(section: String, position: Int, productId: String) {
        if (!seen.add(productId)) return
        scope.launch {
            withContext(io) { runCatching { moa.record(ShopperEvent.Impression(productId, section, position.toUInt())) } }
        }
    }

    /** "Not interested": the core remembers it; the card leaves the screen at once. */
    fun notInterested(productId: String): Job = scope.launch {
        try {
            withContext(io) { moa.record(ShopperEvent.NotInterested(productId)) }
            restamp().join()
        } catch (e: MoaException) {
            _state.update { it.copy(error = e.toUiError()) }
        }
    }

    /** The card's heart: 찜 on or off as the card says it is now; the home is restamped after. */
    fun toggleWishlist(card: FeedCard): Job = scope.launch {
        try {
            withContext(io) { moa.toggleHeart(card) }
            restamp().join()
        } catch (e: MoaException) {
            _state.update { it.copy(error = e.toUiError()) }
        }
    }

    fun errorShown() = _state.update { it.copy(error = null) }
}

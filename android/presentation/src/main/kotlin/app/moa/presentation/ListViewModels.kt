package app.moa.presentation

import app.moa.core.ChangeKind
import app.moa.core.FeedCard
import app.moa.core.FollowedMall
import app.moa.core.MallPage
import app.moa.core.Moa
import app.moa.core.MoaException
import app.moa.core.OrderCard
import app.moa.core.SearchRequest
import app.moa.core.SearchSort
import app.moa.core.ShopperProfile
import app.moa.core.Vocabulary
import app.moa.core.WishlistItem
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

/** Onboarding: gender, age band and styles — the core's words and labels — all skippable. */
class OnboardingViewModel(
    private val moa: Moa,
    private val scope: CoroutineScope,
    private val io: CoroutineDispatcher = Dispatchers.IO,
) {
    data class State(
        /** The choices and their labels, in the shopper's language (from the core). */
        val vocabulary: Vocabulary? = null,
        val gender: String? = null,
        val ageBand: String? = null,
        val styles: List<String> = emptyList(),
        val done: Boolean = false,
        val error: UiError? = null,
    )

    private val _state = MutableStateFlow(State())
    val state: StateFlow<State> = _state.asStateFlow()

    init {
        scope.launch { _state.update { it.copy(vocabulary = withContext(io) { moa.vocabulary() }) } }
    }

    fun chooseGender(gender: String?) = _state.update { it.copy(gender = gender) }
    fun chooseAgeBand(band: String?) = _state.update { it.copy(ageBand = band) }

    /** Styles in the order chosen (strongest first); choosing again removes. */
    fun toggleStyle(style: String) = _state.update {
        it.copy(styles = if (style in it.styles) it.styles - style else it.styles + style)
    }

    fun finish(): Job = scope.launch {
        val s = _state.value
        try {
            withContext(io) { moa.setProfile(ShopperProfile(s.gender, s.ageBand, s.styles)) }
            _state.update { it.copy(done = true) }
        } catch (e: MoaException) {
            _state.update { it.copy(error = e.toUiError()) }
        }
    }

    /** Skipping keeps the guest default; nothing is written. */
    fun skip() = _state.update { it.copy(done = true) }
}

/** The wishlist (찜): listed, sold-out and delisted items alike, from their snapshots. */
class WishlistViewModel(
    private val moa: Moa,
    private val scope: CoroutineScope,
    private val io: CoroutineDispatcher = Dispatchers.IO,
) : AutoCloseable {
    data class State(val items: List<WishlistItem> = emptyList(), val error: UiError? = null)

    private val _state = MutableStateFlow(State())
    val state: StateFlow<State> = _state.asStateFlow()

    // One read-and-show at a time: a slow older read must not replace a newer list.
    private val lock = Mutex()
    // A heart tapped anywhere, or the account's list synced: read again.
    private val changes = CoreChanges(moa, setOf(ChangeKind.WISHLIST)) { load() }

    override fun close() = changes.close()

    fun load(): Job = scope.launch {
        lock.withLock {
            try {
                val items = withContext(io) { moa.wishlist() }
                _state.update { it.copy(items = items) }
            } catch (e: MoaException) {
                _state.update { it.copy(error = e.toUiError()) }
            }
        }
    }

    fun remove(productId: String): Job = scope.launch {
        try {
            withContext(io) { moa.removeFromWishlist(productId) }
            load().join()
        } catch (e: MoaException) {
            _state.update { it.copy(error = e.toUiError()) }
        }
    }
}

/**
 * The followed malls (by name) for the malls tab, and following or unfollowing one; read again
 * whenever the core says the follows changed (from a mall card, the sheet or another device).
 */
class MallsViewModel(
    private val moa: Moa,
    private val scope: CoroutineScope,
    private val io: CoroutineDispatcher = Dispatchers.IO,
) : AutoCloseable {
    data class State(val followed: List<FollowedMall> = emptyList(), val error: UiError? = null)

    // Reads and their publication one at a time: never an older list last.
    private val lock = Mutex()
    private val _state = MutableStateFlow(State())
    val state: StateFlow<State> = _state.asStateFlow()
    private val changes = CoreChanges(moa, setOf(ChangeKind.FOLLOWED_MALLS)) { load() }

    init {
        load()
    }

    override fun close() = changes.close()

    fun load(): Job = scope.launch {
        lock.withLock {
            try {
                val followed = withContext(io) { moa.followedMalls() }
                _state.update { it.copy(followed = followed) }
            } catch (e: MoaException) {
                _state.update { it.copy(error = e.toUiError()) }
            }
        }
    }

    /** Follow (or unfollow) a mall, as the button showing the core's flag asks. */
    fun setFollowed(mallId: String, follow: Boolean): Job = scope.launch {
        try {
            withContext(io) { if (follow) moa.followMall(mallId) else moa.unfollowMall(mallId) }
            load().join()
        } catch (e: MoaException) {
            _state.update { it.copy(error = e.toUiError()) }
        }
    }
}

/** Search as the shopper types: each query replaces the last (the core interrupts it). */
class SearchViewModel(
    private val moa: Moa,
    private val scope: CoroutineScope,
    private val io: CoroutineDispatcher = Dispatchers.IO,
) : AutoCloseable {
    data class State(
        val text: String = "",
        val cards: List<FeedCard> = emptyList(),
        val total: ULong = 0uL,
        /** More matched than were ranked: show "500+". */
        val capped: Boolean = false,
        /** The words as typed found almost nothing; these forgive a typo ("혹시 이 상품?"). */
        val typoTolerant: Boolean = false,
        val sort: SearchSort = SearchSort.RELEVANCE,
        val error: UiError? = null,
    ) {
        /** How many matched, as shown: "500+" when capped. */
        val countText: String get() = if (capped) "$total+" else "$total"
    }

    private val _state = MutableStateFlow(State())
    val state: StateFlow<State> = _state.asStateFlow()
    private var running: Job? = null
    // A heart tapped anywhere: the same results again, with the core's hearts as they are now.
    private val changes = CoreChanges(moa, setOf(ChangeKind.WISHLIST)) { search(_state.value.text) }

    override fun close() = changes.close()

    fun search(text: String, sort: SearchSort = _state.value.sort): Job {
        running?.cancel()
        _state.update { it.copy(text = text, sort = sort) }
        val job = scope.launch {
            if (text.isBlank()) {
                _state.update { it.copy(cards = emptyList(), total = 0uL, capped = false, typoTolerant = false) }
                return@launch
            }
            try {
                val request = SearchRequest(text, null, null, null, null, null, null, null, sort, 0u, 40u)
                // The whole catalog when online (the core brings what the phone does not hold
                // and ranks it with the rest); the phone's own cache offline.
                val results = moa.searchEverywhere(request)
                if (_state.value.text == text) {
                    _state.update {
                        it.copy(cards = results.cards, total = results.total, capped = results.capped, typoTolerant = results.typoTolerant)
                    }
                }
            } catch (e: MoaException) {
                if (e !is MoaException.Cancelled) _state.update { it.copy(error = e.toUiError()) }
            }
        }
        running = job
        return job
    }

    /** A result's heart: 찜 on or off as the card says it is now; the results are read again. */
    fun toggleWishlist(card: FeedCard): Job = scope.launch {
        try {
            withContext(io) { moa.toggleHeart(card) }
            search(_state.value.text).join()
        } catch (e: MoaException) {
            _state.update { it.copy(error = e.toUiError()) }
        }
    }
}

/**
 * A mall's page, opened from a mall card, the sheet or the malls tab: the core's page (name,
 * concept, follow, its products in this shopper's order), read again when the follows or the
 * hearts change.
 */
class MallPageViewModel(
    private val moa: Moa,
    private val scope: CoroutineScope,
    private val io: CoroutineDispatcher = Dispatchers.IO,
) : AutoCloseable {
    data class State(val page: MallPage? = null, val error: UiError? = null)

    private val _state = MutableStateFlow(State())
    val state: StateFlow<State> = _state.asStateFlow()
    private var shown: String? = null
    private val changes = CoreChanges(moa, setOf(ChangeKind.FOLLOWED_MALLS, ChangeKind.WISHLIST)) { shown?.let { open(it) } }

    override fun close() = changes.close()

    fun open(mallId: String): Job = scope.launch {
        shown = mallId
        try {
            val page = withContext(io) { moa.mallPage(mallId, PAGE) }
            if (shown == mallId) _state.value = State(page = page)
        } catch (e: MoaException) {
            if (shown == mallId) _state.value = State(error = e.toUiError())
        }
    }

    fun dismiss() {
        shown = null
        _state.value = State()
    }

    /** Follow or unfollow, as the page's button (the core's flag) says. */
    fun toggleFollow(): Job = scope.launch {
        val page = _state.value.page ?: return@launch
        try {
            withContext(io) { if (page.followed) moa.unfollowMall(page.mallId) else moa.followMall(page.mallId) }
            open(page.mallId).join()
        } catch (e: MoaException) {
            _state.update { it.copy(error = e.toUiError()) }
        }
    }

    /** A product's heart on the page. */
    fun toggleWishlist(card: FeedCard): Job = scope.launch {
        try {
            withContext(io) { moa.toggleHeart(card) }
            shown?.let { open(it).join() }
        } catch (e: MoaException) {
            _state.update { it.copy(error = e.toUiError()) }
        }
    }

    companion object {
        /** Products a mall page shows (the shopper's first few screens of it). */
        const val PAGE = 60u
    }
}

/**
 * "주문·배송": the shopper's orders across malls, as the core words and links them. Shown from the
 * settings tab and from an order alert ([show]); refreshed by pulling ([refresh]: the core tells
 * the server about new click-outs and brings the orders), read again on the core's order notices.
 */
class OrdersViewModel(
    private val moa: Moa,
    private val scope: CoroutineScope,
    private val io: CoroutineDispatcher = Dispatchers.IO,
) : AutoCloseable {
    data class State(
        val visible: Boolean = false,
        val orders: List<OrderCard> = emptyList(),
        val refreshing: Boolean = false,
        val error: UiError? = null,
    )

    private val _state = MutableStateFlow(State())
    val state: StateFlow<State> = _state.asStateFlow()
    private val lock = Mutex()
    private val changes = CoreChanges(moa, setOf(ChangeKind.ORDERS)) { load() }

    override fun close() = changes.close()

    /** Open the list (from the settings tab, or an order alert), then bring what is new. */
    fun show(): Job {
        _state.update { it.copy(visible = true, error = null) }
        load()
        return refresh()
    }

    fun hide() = _state.update { it.copy(visible = false) }

    fun load(): Job = scope.launch {
        lock.withLock {
            try {
                val orders = withContext(io) { moa.orders() }
                _state.update { it.copy(orders = orders) }
            } catch (e: MoaException) {
                _state.update { it.copy(error = e.toUiError()) }
            }
        }
    }

    /** Ask the server for what the malls reported; offline the cached list stays, with the error. */
    fun refresh(): Job = scope.launch {
        _state.update { it.copy(refreshing = true) }
        try {
            withContext(io) { moa.syncOrders() }
            load().join()
        } catch (e: MoaException) {
            _state.update { it.copy(error = e.toUiError()) }
        } finally {
            _state.update { it.copy(refreshing = false) }
        }
    }

    /** Delete the order history on the server and this phone (offline: nothing deleted, an error). */
    fun deleteHistory(): Job = scope.launch {
        try {
            withContext(io) { moa.deleteOrderHistory() }
            load().join()
        } catch (e: MoaException) {
            _state.update { it.copy(error = e.toUiError()) }
        }
    }
}

package app.moa.presentation

import app.moa.core.LiveCheck
import app.moa.core.Moa
import app.moa.core.MoaException
import app.moa.core.Outlink
import app.moa.core.ProductSheet
import app.moa.core.RescueSheet
import app.moa.core.ShopperEvent
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext

/**
 * The product sheet and the hop to the mall: a live check of price and stock first, the link the
 * core built (the screen opens it in a Custom Tab / SFSafariViewController as it is), and on the
 * shopper's return the core's decision whether to offer the rescue sheet.
 */
class ProductViewModel(
    private val moa: Moa,
    private val scope: CoroutineScope,
    private val io: CoroutineDispatcher = Dispatchers.IO,
    /** Milliseconds since some fixed point; a parameter so tests can say how long they were away. */
    private val clock: () -> Long = System::currentTimeMillis,
) {
    data class State(
        val sheet: ProductSheet? = null,
        val wishlisted: Boolean = false,
        /** Checking price and stock before leaving for the mall. */
        val checking: Boolean = false,
        /** What changed since the card was drawn (the core's words), shown before leaving. */
        val notice: String? = null,
        /** Open this in the in-app browser; set once, cleared by [mallOpened]. */
        val openMall: Outlink? = null,
        /** Shown when the core decides the shopper came back too quickly. */
        val rescue: RescueSheet? = null,
        val error: UiError? = null,
    )

    private val _state = MutableStateFlow(State())
    val state: StateFlow<State> = _state.asStateFlow()
    private var openedAt = 0L
    private var leftAt = 0L
    private var away: Outlink? = null

    fun open(productId: String): Job = scope.launch {
        try {
            val (sheet, wishlisted) = withContext(io) {
                moa.product(productId) to moa.wishlist().any { it.productId == productId }
            }
            openedAt = clock()
            _state.value = State(sheet = sheet, wishlisted = wishlisted)
        } catch (e: MoaException) {
            _state.value = State(error = e.toUiError())
        }
    }

    /** The sheet closed: the view counts, with how long it was looked at. */
    fun close(): Job = scope.launch {
        val sheet = _state.value.sheet ?: return@launch
        val dwell = (clock() - openedAt).coerceAtLeast(0)
        withContext(io) { runCatching { moa.record(ShopperEvent.ProductView(sheet.productId, dwell.toULong())) } }
        _state.value = State()
    }

    fun toggleWishlist(variantId: String? = null): Job = scope.launch {
        val sheet = _state.value.sheet ?: return@launch
        try {
            val on = !_state.value.wishlisted
            withContext(io) { if (on) moa.addToWishlist(sheet.productId, variantId) else moa.removeFromWishlist(sheet.productId) }
            _state.update { it.copy(wishlisted = on) }
        } catch (e: MoaException) {
            _state.update { it.copy(error = e.toUiError()) }
        }
    }

    /**
     * "Go to mall": check price and stock live; if the product can still be bought, get the
     * attributed link and hand it to the screen. A sold-out or delisted product stays here with
     * the core's notice.
     */
    fun goToMall(section: String, position: UInt): Job = scope.launch {
        val sheet = _state.value.sheet ?: return@launch
        _state.update { it.copy(checking = true, notice = null) }
        try {
            val check: LiveCheck = moa.liveCheck(sheet.productId)
            if (check.delisted || !check.inStock) {
                _state.update { it.copy(checking = false, notice = check.notice) }
                return@launch
            }
            val link = withContext(io) { moa.clickOut(sheet.productId, section, position) }
            away = link
            _state.update { it.copy(checking = false, notice = check.notice, openMall = link) }
        } catch (e: MoaException) {
            _state.update { it.copy(checking = false, error = e.toUiError()) }
        }
    }

    /** The screen opened the mall. */
    fun mallOpened() {
        leftAt = clock()
        _state.update { it.copy(openMall = null) }
    }

    /** Back from the mall: the core decides whether a rescue sheet is worth showing. */
    fun returnedFromMall(): Job = scope.launch {
        val link = away ?: return@launch
        away = null
        val awayMs = (clock() - leftAt).coerceAtLeast(0)
        try {
            val rescue = withContext(io) { moa.returnedFromMall(link.outlinkId, awayMs.toULong()) }
            _state.update { it.copy(rescue = rescue) }
        } catch (e: MoaException) {
            _state.update { it.copy(error = e.toUiError()) }
        }
    }

    fun rescueTapped(productId: String): Job = scope.launch {
        withContext(io) { runCatching { moa.record(ShopperEvent.RescueTapped(productId)) } }
        _state.update { it.copy(rescue = null) }
        open(productId).join()
    }

    fun rescueDismissed(): Job = scope.launch {
        withContext(io) { runCatching { moa.record(ShopperEvent.RescueDismissed) } }
        _state.update { it.copy(rescue = null) }
    }
}

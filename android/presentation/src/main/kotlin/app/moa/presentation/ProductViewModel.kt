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
    /** The app's one set of hearts (shared with the home and search). */
    val hearts: WishlistHearts = WishlistHearts(moa, scope, io),
) {
    data class State(
        val sheet: ProductSheet? = null,
        val wishlisted: Boolean = false,
        /** The size/colour the shopper tapped; 찜 keeps it with the product. Never toggles 찜. */
        val selectedVariant: String? = null,
        /** Checking price and stock before leaving for the mall. */
        val checking: Boolean = false,
        /** What changed since the card was drawn (the core's words), shown before leaving. */
        val notice: String? = null,
        /**
         * The notice is on screen and the shopper has not yet seen it: the next "go to mall" is
         * their decision to go anyway. Leaving never happens in the step that shows a warning.
         */
        val awaitingConfirmation: Boolean = false,
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

    /** The product that was asked for, kept so that a failed open can be retried. */
    var requested: String? = null
        private set

    fun open(productId: String): Job = scope.launch {
        requested = productId
        try {
            val sheet = withContext(io) { moa.product(productId) }
            openedAt = clock()
            _state.value = State(sheet = sheet, wishlisted = productId in hearts.ids.value)
        } catch (e: MoaException) {
            // The sheet says what went wrong (and offers a retry); it is never left blank.
            _state.value = State(error = e.toUiError())
        }
    }

    /** Open the failed product again. */
    fun retry(): Job? = requested?.let { open(it) }

    /** A size/colour chip: selects it (again: deselects). Does not touch 찜. */
    fun selectVariant(variantId: String) = _state.update {
        it.copy(selectedVariant = variantId.takeIf { id -> id != it.selectedVariant })
    }

    /** The sheet shows an error only: close it without recording a view. */
    fun dismissError() = _state.update { if (it.sheet == null) State() else it.copy(error = null) }

    /** The sheet closed: the view counts, with how long it was looked at. */
    fun close(): Job = scope.launch {
        val sheet = _state.value.sheet ?: run { _state.value = State(); return@launch }
        val dwell = (clock() - openedAt).coerceAtLeast(0)
        withContext(io) { runCatching { moa.record(ShopperEvent.ProductView(sheet.productId, dwell.toULong())) } }
        _state.value = State()
    }

    /** 찜 on or off, with the selected size if one is selected. */
    fun toggleWishlist(): Job = scope.launch {
        val sheet = _state.value.sheet ?: return@launch
        hearts.toggle(sheet.productId, _state.value.selectedVariant).join()
        _state.update { it.copy(wishlisted = sheet.productId in hearts.ids.value) }
    }

    /**
     * "Go to mall": check price and stock live; if the product can still be bought and nothing
     * changed, get the attributed link and hand it to the screen. When the core reports a change
     * (a new price), the warning is shown and the shopper stays: the next tap goes anyway. A
     * sold-out or delisted product stays here with the core's notice.
     */
    fun goToMall(section: String, position: UInt): Job = scope.launch {
        val sheet = _state.value.sheet ?: return@launch
        if (_state.value.awaitingConfirmation) {
            leave(sheet, section, position)
            return@launch
        }
        _state.update { it.copy(checking = true, notice = null) }
        try {
            val check: LiveCheck = moa.liveCheck(sheet.productId)
            when {
                check.delisted || !check.inStock -> _state.update { it.copy(checking = false, notice = check.notice) }
                check.notice != null -> _state.update { it.copy(checking = false, notice = check.notice, awaitingConfirmation = true) }
                else -> leave(sheet, section, position)
            }
        } catch (e: MoaException) {
            _state.update { it.copy(checking = false, error = e.toUiError()) }
        }
    }

    private suspend fun leave(sheet: ProductSheet, section: String, position: UInt) {
        try {
            val link = withContext(io) { moa.clickOut(sheet.productId, section, position) }
            away = link
            _state.update { it.copy(checking = false, awaitingConfirmation = false, openMall = link) }
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

package app.moa.presentation

import app.moa.core.ChangeKind
import app.moa.core.LiveCheck
import app.moa.core.Moa
import app.moa.core.MoaException
import app.moa.core.Outlink
import app.moa.core.ProductSheet
import app.moa.core.RescueSheet
import app.moa.core.ShareLink
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
 * The product sheet and the hop to the mall: a live check of price and stock first (the core says
 * whether the shopper can go and whether they must see a change first), the link the core built
 * (the screen opens it in a Custom Tab / SFSafariViewController as it is), and on the shopper's
 * return the core's decision whether to offer the rescue sheet. The core times how long the sheet
 * was open and how long the shopper was away; the sheet's heart and follow are the core's flags.
 */
class ProductViewModel(
    private val moa: Moa,
    private val scope: CoroutineScope,
    private val io: CoroutineDispatcher = Dispatchers.IO,
) {
    data class State(
        val sheet: ProductSheet? = null,
        /** The size/colour the shopper tapped; 찜 keeps it with the product. Never toggles 찜. */
        val selectedVariant: String? = null,
        /** Checking price and stock before leaving for the mall. */
        val checking: Boolean = false,
        /** What changed since the card was drawn (the core's words), shown before leaving. */
        val notice: String? = null,
        /**
         * The core asked that the notice be seen first: the next "go to mall" is the shopper's
         * decision to go anyway. Leaving never happens in the step that shows a warning.
         */
        val awaitingConfirmation: Boolean = false,
        /** Open this in the in-app browser; set once, cleared by [mallOpened]. */
        val openMall: Outlink? = null,
        /** Hand this to the share sheet; set once, cleared by [shared]. */
        val share: ShareLink? = null,
        /** Shown when the core decides the shopper came back too quickly. */
        val rescue: RescueSheet? = null,
        val error: UiError? = null,
    ) {
        val wishlisted: Boolean get() = sheet?.wishlisted == true
    }

    private val _state = MutableStateFlow(State())
    val state: StateFlow<State> = _state.asStateFlow()
    private var away: Outlink? = null

    /** The product that was asked for, kept so that a failed open can be retried. */
    var requested: String? = null
        private set

    // A 찜 or follow changed anywhere: the open sheet's flags, read again.
    private val changes = CoreChanges(moa, setOf(ChangeKind.WISHLIST, ChangeKind.FOLLOWED_MALLS)) { reread() }

    /** Stop hearing the core's change notices (the screens are gone). */
    fun stopListening() = changes.close()

    fun open(productId: String): Job = scope.launch {
        requested = productId
        try {
            val sheet = withContext(io) { moa.product(productId) }
            _state.value = State(sheet = sheet)
        } catch (e: MoaException) {
            // The sheet says what went wrong (and offers a retry); it is never left blank.
            _state.value = State(error = e.toUiError())
        }
    }

    /** The open sheet again from the core (its hearts and follow as they are now). */
    private fun reread(): Job = scope.launch {
        val id = _state.value.sheet?.productId ?: return@launch
        val fresh = withContext(io) { runCatching { moa.product(id) }.getOrNull() } ?: return@launch
        _state.update { if (it.sheet?.productId == id) it.copy(sheet = fresh) else it }
    }

    /** Open the failed product again. */
    fun retry(): Job? = requested?.let { open(it) }

    /** A size/colour chip: selects it (again: deselects). Does not touch 찜. */
    fun selectVariant(variantId: String) = _state.update {
        it.copy(selectedVariant = variantId.takeIf { id -> id != it.selectedVariant })
    }

    /** The sheet shows an error only: close it. */
    fun dismissError() = _state.update { if (it.sheet == null) State() else it.copy(error = null) }

    /** The sheet closed: the core records the view with how long it was open. */
    fun close(): Job = scope.launch {
        val sheet = _state.value.sheet
        _state.value = State()
        if (sheet != null) withContext(io) { runCatching { moa.sheetClosed(sheet.productId) } }
    }

    /** 찜 on or off as the sheet says it is now, with the selected size if one is selected. */
    fun toggleWishlist(): Job = scope.launch {
        val sheet = _state.value.sheet ?: return@launch
        try {
            withContext(io) {
                if (sheet.wishlisted) moa.removeFromWishlist(sheet.productId)
                else moa.addToWishlist(sheet.productId, _state.value.selectedVariant)
            }
            reread().join()
        } catch (e: MoaException) {
            _state.update { it.copy(error = e.toUiError()) }
        }
    }

    /** Follow or unfollow the product's mall, as the sheet says it is now. */
    fun toggleFollow(): Job = scope.launch {
        val sheet = _state.value.sheet ?: return@launch
        try {
            withContext(io) { if (sheet.mallFollowed) moa.unfollowMall(sheet.mallId) else moa.followMall(sheet.mallId) }
            reread().join()
        } catch (e: MoaException) {
            _state.update { it.copy(error = e.toUiError()) }
        }
    }

    /**
     * "Go to mall": the core checks price and stock live and says whether the shopper can go
     * ([LiveCheck.canGo]) and whether they must see a change first ([LiveCheck.confirmFirst]):
     * then the warning is shown and they stay; the next tap goes anyway.
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
                !check.canGo -> _state.update { it.copy(checking = false, notice = check.notice) }
                check.confirmFirst -> _state.update { it.copy(checking = false, notice = check.notice, awaitingConfirmation = true) }
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

    /** Share the product: the core's attributed link and line, for the share sheet. */
    fun share(): Job = scope.launch {
        val sheet = _state.value.sheet ?: return@launch
        try {
            val link = withContext(io) { moa.shareLink(sheet.productId) }
            _state.update { it.copy(share = link) }
        } catch (e: MoaException) {
            _state.update { it.copy(error = e.toUiError()) }
        }
    }

    /** The screen handed the link to the share sheet. */
    fun shared() = _state.update { it.copy(share = null) }

    /** The screen opened the mall. */
    fun mallOpened() {
        _state.update { it.copy(openMall = null) }
    }

    /**
     * Back in the app: if the shopper went to a mall (in this process, or before the system killed
     * it), the core, which timed the trip, decides whether a rescue sheet is worth showing.
     */
    fun returnedFromMall(): Job = scope.launch {
        val outlink = away?.outlinkId ?: withContext(io) { runCatching { moa.pendingReturn() }.getOrNull() } ?: return@launch
        away = null
        try {
            val rescue = withContext(io) { moa.returnedFromMall(outlink) }
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

package app.moa.presentation

import app.moa.core.ChangeKind
import app.moa.core.ChangeListener
import app.moa.core.Moa
import app.moa.core.MoaException
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext

/**
 * The 찜 hearts that every screen draws, from one place: the core's wishlist, read again whenever
 * the core says it changed (a tap on any screen, a sync, an account merge). The home, search and
 * the product sheet all read this one set, so the same product's heart always agrees.
 */
class WishlistHearts(
    private val moa: Moa,
    private val scope: CoroutineScope,
    private val io: CoroutineDispatcher = Dispatchers.IO,
) : AutoCloseable {
    private val _ids = MutableStateFlow<Set<String>>(emptySet())
    val ids: StateFlow<Set<String>> = _ids.asStateFlow()
    private val _error = MutableStateFlow<UiError?>(null)
    val error: StateFlow<UiError?> = _error.asStateFlow()

    private val subscription = moa.subscribe(object : ChangeListener {
        override fun onChanges(changes: List<ChangeKind>) {
            if (ChangeKind.WISHLIST in changes) reload()
        }
    })

    init {
        reload()
    }

    fun reload(): Job = scope.launch {
        try {
            _ids.value = withContext(io) { moa.wishlist() }.map { it.productId }.toSet()
        } catch (e: MoaException) {
            _error.value = e.toUiError()
        }
    }

    /** 찜 on or off (with the size chosen on the sheet, if any). Local and instant in the core. */
    fun toggle(productId: String, variantId: String? = null): Job = scope.launch {
        try {
            val on = productId !in _ids.value
            withContext(io) { if (on) moa.addToWishlist(productId, variantId) else moa.removeFromWishlist(productId) }
            _ids.value = if (on) _ids.value + productId else _ids.value - productId
        } catch (e: MoaException) {
            _error.value = e.toUiError()
        }
    }

    override fun close() {
        subscription.cancel()
        subscription.close()
    }
}

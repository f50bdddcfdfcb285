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
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.withLock
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
    // A read of the wishlist and its publication happen together, one at a time: a reload that
    // read before a tap must not publish after it (the heart would show the old state).
    private val lock = Mutex()

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
        lock.withLock { publish() }
    }

    /** 찜 on or off (with the size chosen on the sheet, if any). Local and instant in the core. */
    fun toggle(productId: String, variantId: String? = null): Job = scope.launch {
        lock.withLock {
            try {
                withContext(io) {
                    val on = moa.wishlist().none { it.productId == productId }
                    if (on) moa.addToWishlist(productId, variantId) else moa.removeFromWishlist(productId)
                }
            } catch (e: MoaException) {
                _error.value = e.toUiError()
            }
            publish()
        }
    }

    private suspend fun publish() {
        try {
            _ids.value = withContext(io) { moa.wishlist() }.map { it.productId }.toSet()
        } catch (e: MoaException) {
            _error.value = e.toUiError()
        }
    }

    override fun close() {
        subscription.cancel()
        subscription.close()
    }
}

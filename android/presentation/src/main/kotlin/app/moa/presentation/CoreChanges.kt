package app.moa.presentation

import app.moa.core.ChangeKind
import app.moa.core.ChangeListener
import app.moa.core.FeedCard
import app.moa.core.ListenerHandle
import app.moa.core.Moa

/**
 * Hears the core's change notices (on a core thread) and calls [onChange] when one of [kinds]
 * changed: the view models re-read what the core says (hearts, follows) instead of keeping their
 * own copies. Closing stops the notices.
 */
class CoreChanges(moa: Moa, private val kinds: Set<ChangeKind>, private val onChange: () -> Unit) : AutoCloseable {
    private val handle: ListenerHandle = moa.subscribe(object : ChangeListener {
        override fun onChanges(changes: List<ChangeKind>) {
            if (changes.any { it in kinds }) onChange()
        }
    })

    override fun close() {
        handle.cancel()
        handle.close()
    }
}

/** A card's heart tapped: 찜 on or off as the card (the core's flag) says it is now. Blocking: call off the main thread. */
fun Moa.toggleHeart(card: FeedCard) {
    if (card.wishlisted) removeFromWishlist(card.productId) else addToWishlist(card.productId, null)
}

package app.moa.presentation

import app.moa.core.ChangeKind
import app.moa.core.ChangeListener
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

package app.moa.presentation

import app.moa.core.ErrorGroup
import app.moa.core.MoaException
import app.moa.core.errorGroup

/**
 * What went wrong, as a screen needs to know it — the core's [ErrorGroup] of the error: a banner
 * over the cache (offline), "try again", sign in again, gone, update the app, or a failure. The
 * words the shopper reads come from the app's string resources, keyed by the kind.
 */
sealed interface UiError {
    /** No network, or the server did not answer in time: the cache is still shown. */
    data object Offline : UiError

    /** Busy or briefly unable: offer to try again. */
    data object RetryLater : UiError

    /** Not signed in, or the session ended: offer sign-in. */
    data object SignInNeeded : UiError

    /** Username or password refused (the sign-in screen's own reading of "sign in again"). */
    data object WrongCredentials : UiError

    /** The product is gone from the catalog. */
    data object NotFound : UiError

    /** The cache is from a newer app: ask to update. */
    data object UpdateNeeded : UiError

    /** Moa's own mistake; `detail` is for logs, never shown as is. */
    data class Failed(val detail: String) : UiError
}

fun Throwable.toUiError(): UiError = when (this) {
    is MoaException -> when (errorGroup(this)) {
        ErrorGroup.OFFLINE -> UiError.Offline
        ErrorGroup.RETRY_LATER -> UiError.RetryLater
        ErrorGroup.SIGN_IN_AGAIN -> UiError.SignInNeeded
        ErrorGroup.NOT_FOUND -> UiError.NotFound
        ErrorGroup.UPDATE_APP -> UiError.UpdateNeeded
        ErrorGroup.BUG -> UiError.Failed(message ?: toString())
    }
    else -> UiError.Failed(message ?: toString())
}

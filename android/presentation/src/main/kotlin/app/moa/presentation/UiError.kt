package app.moa.presentation

import app.moa.core.MoaException

/**
 * What went wrong, as a screen needs to know it: whether to show a banner over the cache
 * (offline), to ask the shopper to sign in, or to say something failed. The words the shopper
 * reads come from the app's string resources, keyed by the kind.
 */
sealed interface UiError {
    /** No network, or the server did not answer in time: the cache is still shown. */
    data object Offline : UiError

    /** Not signed in, or the session ended: offer sign-in. */
    data class SignInNeeded(val reason: String) : UiError

    /** Username or password refused. */
    data object WrongCredentials : UiError

    /** The product is gone from the catalog. */
    data object NotFound : UiError

    /** The cache is from a newer app: ask to update. */
    data object UpdateNeeded : UiError

    /** Anything else; `detail` is for logs, never shown as is. */
    data class Failed(val detail: String) : UiError
}

fun Throwable.toUiError(): UiError = when (this) {
    is MoaException.Offline, is MoaException.Timeout, is MoaException.Network -> UiError.Offline
    is MoaException.Server -> if (status.toInt() >= 500) UiError.Offline else UiError.Failed(message ?: "server")
    is MoaException.Unauthorized -> UiError.SignInNeeded(reason)
    is MoaException.NotFound -> UiError.NotFound
    is MoaException.NewerDatabase -> UiError.UpdateNeeded
    else -> UiError.Failed(message ?: toString())
}

package app.moa.presentation

import app.moa.core.Account
import app.moa.core.AlertSettings
import app.moa.core.Moa
import app.moa.core.MoaException
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

/** Settings: sign in (the guest's 찜 joins the account), sign out, consent, the nudges' switches. */
class AccountViewModel(
    private val moa: Moa,
    private val scope: CoroutineScope,
    private val io: CoroutineDispatcher = Dispatchers.IO,
) {
    data class State(
        val account: Account? = null,
        val busy: Boolean = false,
        val eventConsent: Boolean = false,
        /** The alert settings, the nudges' switches among them (the core's). */
        val alerts: AlertSettings? = null,
        val error: UiError? = null,
    )

    private val _state = MutableStateFlow(State())
    val state: StateFlow<State> = _state.asStateFlow()

    fun load(): Job = scope.launch {
        try {
            val (account, consent) = withContext(io) { moa.account() to moa.eventConsent() }
            val alerts = withContext(io) { moa.alertSettings() }
            _state.update { it.copy(account = account, eventConsent = consent, alerts = alerts) }
        } catch (e: MoaException) {
            _state.update { it.copy(error = e.toUiError()) }
        }
    }

    fun signIn(username: String, password: String): Job = scope.launch {
        _state.update { it.copy(busy = true, error = null) }
        try {
            val account = moa.signIn(username.trim(), password)
            _state.update { it.copy(account = account, busy = false) }
        } catch (e: MoaException) {
            val error = if (e is MoaException.Unauthorized) UiError.WrongCredentials else e.toUiError()
            _state.update { it.copy(busy = false, error = error) }
        }
    }

    /** Sign out; `keepOnDevice` keeps the 찜 and follows here as a guest's. */
    fun signOut(keepOnDevice: Boolean): Job = scope.launch {
        _state.update { it.copy(busy = true) }
        try {
            moa.signOut(keepOnDevice)
            _state.update { it.copy(account = null, busy = false) }
        } catch (e: MoaException) {
            _state.update { it.copy(busy = false, error = e.toUiError()) }
        }
    }

    /**
     * Sign out on every device of the account (a lost phone). It needs the server: offline, the
     * error shows and this device stays signed in.
     */
    fun signOutEverywhere(): Job = scope.launch {
        _state.update { it.copy(busy = true, error = null) }
        try {
            moa.signOutEverywhere()
            _state.update { it.copy(account = null, busy = false) }
        } catch (e: MoaException) {
            _state.update { it.copy(busy = false, error = e.toUiError()) }
        }
    }

    /** A nudge on or off: "viewed_cheaper", "last_size" or "cart" (the core keeps the settings). */
    fun setNudge(nudge: String, on: Boolean): Job = scope.launch {
        val current = _state.value.alerts ?: return@launch
        val changed = when (nudge) {
            "viewed_cheaper" -> current.copy(nudgeViewedCheaper = on)
            "last_size" -> current.copy(nudgeLastSize = on)
            "cart" -> current.copy(nudgeCart = on)
            else -> return@launch
        }
        try {
            withContext(io) { moa.setAlertSettings(changed) }
            _state.update { it.copy(alerts = changed) }
        } catch (e: MoaException) {
            _state.update { it.copy(error = e.toUiError()) }
        }
    }

    fun setEventConsent(granted: Boolean): Job = scope.launch {
        try {
            withContext(io) { moa.setEventConsent(granted) }
            _state.update { it.copy(eventConsent = granted) }
        } catch (e: MoaException) {
            _state.update { it.copy(error = e.toUiError()) }
        }
    }
}

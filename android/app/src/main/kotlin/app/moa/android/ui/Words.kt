package app.moa.android.ui

import androidx.annotation.StringRes
import app.moa.android.R
import app.moa.presentation.UiError

/** The core's vocabulary words and the presentation's errors, in the shopper's language. */
@StringRes
fun wordRes(word: String): Int = when (word) {
    "women" -> R.string.gender_women
    "men" -> R.string.gender_men
    "teens" -> R.string.age_teens
    "early_20s" -> R.string.age_early_20s
    "mid_20s" -> R.string.age_mid_20s
    "late_20s" -> R.string.age_late_20s
    "early_30s" -> R.string.age_early_30s
    "mid_30s" -> R.string.age_mid_30s
    "late_30s" -> R.string.age_late_30s
    "forties" -> R.string.age_forties
    "lovely" -> R.string.style_lovely
    "simple_basic" -> R.string.style_simple_basic
    "office_look" -> R.string.style_office_look
    "casual" -> R.string.style_casual
    "street" -> R.string.style_street
    "minimal" -> R.string.style_minimal
    "vintage" -> R.string.style_vintage
    "feminine" -> R.string.style_feminine
    else -> R.string.style_modern_chic
}

@StringRes
fun errorRes(error: UiError): Int = when (error) {
    UiError.Offline -> R.string.offline_banner
    is UiError.SignInNeeded -> R.string.error_sign_in
    UiError.WrongCredentials -> R.string.error_wrong_credentials
    UiError.NotFound -> R.string.error_not_found
    UiError.UpdateNeeded -> R.string.error_update
    is UiError.Failed -> R.string.error_failed
}

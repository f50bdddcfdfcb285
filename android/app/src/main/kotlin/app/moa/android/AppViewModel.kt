package app.moa.android

import android.app.Application
import androidx.lifecycle.AndroidViewModel
import androidx.lifecycle.viewModelScope
import app.moa.presentation.AccountViewModel
import app.moa.presentation.HomeViewModel
import app.moa.presentation.MallsViewModel
import app.moa.presentation.OnboardingViewModel
import app.moa.presentation.ProductViewModel
import app.moa.presentation.SearchViewModel
import app.moa.presentation.WishlistViewModel

/** The presentation layer's view models, living as long as the activity's navigation graph. */
class AppViewModel(app: Application) : AndroidViewModel(app) {
    private val moa = (app as MoaApplication).moa
    val onboarding = OnboardingViewModel(moa, viewModelScope)
    val home = HomeViewModel(moa, viewModelScope)
    val product = ProductViewModel(moa, viewModelScope)
    val search = SearchViewModel(moa, viewModelScope)
    val wishlist = WishlistViewModel(moa, viewModelScope)
    val malls = MallsViewModel(moa, viewModelScope)
    val account = AccountViewModel(moa, viewModelScope)

    /** Onboarding is offered until answered or skipped once. */
    val needsOnboarding: Boolean
        get() = getApplication<Application>().getSharedPreferences("moa", 0).getBoolean("onboarded", false).not()

    fun onboarded() = getApplication<Application>().getSharedPreferences("moa", 0).edit().putBoolean("onboarded", true).apply()
}

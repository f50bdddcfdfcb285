package app.moa.android

import android.app.Application
import androidx.lifecycle.AndroidViewModel
import androidx.lifecycle.viewModelScope
import app.moa.ui.MoaScreens

/** The app's screens' view models (android/ui's MoaScreens), kept across configuration changes. */
class AppViewModel(app: Application) : AndroidViewModel(app) {
    val screens = MoaScreens((app as MoaApplication).moa, viewModelScope)

    override fun onCleared() = screens.close()
}

package app.moa.android

import android.os.Bundle
import androidx.activity.ComponentActivity
import androidx.activity.compose.setContent
import androidx.activity.enableEdgeToEdge
import androidx.activity.viewModels
import app.moa.ui.MoaApp
import app.moa.ui.MoaTheme

/** The one Activity: android/ui's MoaApp over this process's core, with Android's platform pieces. */
class MainActivity : ComponentActivity() {
    private val app: AppViewModel by viewModels()
    private var awayAtMall = false

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        enableEdgeToEdge()
        val platform = AndroidPlatform(this, (application as MoaApplication).moa) { awayAtMall = true }
        // The home starts itself when shown (MoaApp), after a process death too.
        setContent { MoaTheme { MoaApp(app.screens, platform) } }
    }

    override fun onResume() {
        super.onResume()
        // Back from the Custom Tab: the core decides whether the rescue sheet is worth showing.
        if (awayAtMall) {
            awayAtMall = false
            app.screens.product.returnedFromMall()
        }
    }
}

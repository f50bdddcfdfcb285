package app.moa.android

import android.net.Uri
import android.os.Bundle
import androidx.activity.ComponentActivity
import androidx.activity.compose.setContent
import androidx.activity.enableEdgeToEdge
import androidx.activity.viewModels
import androidx.browser.customtabs.CustomTabsIntent
import app.moa.android.ui.MoaRoot
import app.moa.android.ui.MoaTheme

class MainActivity : ComponentActivity() {
    private val app: AppViewModel by viewModels()
    private var awayAtMall = false

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        enableEdgeToEdge()
        if (savedInstanceState == null) app.home.start()
        setContent {
            MoaTheme {
                MoaRoot(app = app, openMall = ::openMall)
            }
        }
    }

    /** The mall in a Custom Tab; the link is the core's, opened as it is. */
    private fun openMall(url: String) {
        CustomTabsIntent.Builder().setShowTitle(true).build().launchUrl(this, Uri.parse(url))
        app.product.mallOpened()
        awayAtMall = true
    }

    override fun onResume() {
        super.onResume()
        // Back from the Custom Tab: the core decides whether the rescue sheet is worth showing.
        if (awayAtMall) {
            awayAtMall = false
            app.product.returnedFromMall()
        }
    }
}

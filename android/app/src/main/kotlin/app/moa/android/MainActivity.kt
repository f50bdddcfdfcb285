package app.moa.android

import android.Manifest
import android.content.Intent
import android.content.pm.PackageManager
import android.os.Build
import android.os.Bundle
import androidx.activity.ComponentActivity
import androidx.activity.compose.setContent
import androidx.activity.enableEdgeToEdge
import androidx.activity.result.contract.ActivityResultContracts
import androidx.activity.viewModels
import androidx.core.content.ContextCompat
import app.moa.ui.MoaApp
import app.moa.ui.MoaTheme

/** The one Activity: android/ui's MoaApp over this process's core, with Android's platform pieces. */
class MainActivity : ComponentActivity() {
    private val app: AppViewModel by viewModels()
    // Android 13+: alerts need the shopper's yes. Asked while the app is in front, never from the
    // background work that finds the alerts.
    private val askNotifications = registerForActivityResult(ActivityResultContracts.RequestPermission()) { }

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        enableEdgeToEdge()
        val platform = AndroidPlatform(this, (application as MoaApplication).moa)
        // The home starts itself when shown (MoaApp), after a process death too.
        setContent { MoaTheme { MoaApp(app.screens, platform) } }
        if (savedInstanceState == null) openLink(intent)
        if (Build.VERSION.SDK_INT >= 33 &&
            ContextCompat.checkSelfPermission(this, Manifest.permission.POST_NOTIFICATIONS) != PackageManager.PERMISSION_GRANTED
        ) {
            askNotifications.launch(Manifest.permission.POST_NOTIFICATIONS)
        }
    }

    override fun onNewIntent(intent: Intent) {
        super.onNewIntent(intent)
        openLink(intent)
    }

    /**
     * A tapped alert or a moa://product/{id} link opens that product's sheet over the home; an
     * order alert (or moa://orders) opens "주문·배송".
     */
    private fun openLink(intent: Intent?) {
        // A tapped alert: the core counts a nudge's opening (for its mall, with consent).
        intent?.getLongExtra(EXTRA_ALERT, -1L)?.takeIf { it >= 0 }?.let { id ->
            runCatching { (application as MoaApplication).moa.alertOpened(id) }
        }
        if (intent?.getBooleanExtra(EXTRA_ORDERS, false) == true || (intent?.data?.scheme == "moa" && intent.data?.host == "orders")) {
            app.screens.orders.show()
            return
        }
        val productId = intent?.getStringExtra(EXTRA_PRODUCT)
            ?: intent?.data?.takeIf { it.scheme == "moa" && it.host == "product" }?.lastPathSegment
        productId?.let { app.screens.product.open(it) }
    }

    override fun onResume() {
        super.onResume()
        // Back from the Custom Tab (even in a new process, if the system killed this one while
        // the shopper was at the mall): the core knows the trip and decides about the rescue sheet.
        app.screens.product.returnedFromMall()
    }

    companion object {
        const val EXTRA_PRODUCT = "app.moa.product"
        const val EXTRA_ORDERS = "app.moa.orders"
        const val EXTRA_ALERT = "app.moa.alert"
    }
}

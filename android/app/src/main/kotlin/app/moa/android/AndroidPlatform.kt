package app.moa.android

import android.app.Activity
import android.content.Context
import android.content.Intent
import android.graphics.BitmapFactory
import android.net.Uri
import androidx.browser.customtabs.CustomTabsIntent
import androidx.compose.ui.graphics.ImageBitmap
import androidx.compose.ui.graphics.asImageBitmap
import app.moa.core.Moa
import app.moa.core.MoaException
import app.moa.ui.Platform
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext

/**
 * android/ui's [Platform] on Android: string resources (the module's res/, merged into the app),
 * the core's thumbnails decoded off the main thread, the mall in a Custom Tab, and onboarding
 * remembered in SharedPreferences.
 */
class AndroidPlatform(private val activity: Activity, private val moa: Moa) : Platform {
    private val prefs = activity.getSharedPreferences("moa", Context.MODE_PRIVATE)

    override fun text(key: String, vararg args: Any): String {
        // The screens name their strings by resource name (the same names on the desktop).
        val id = activity.resources.getIdentifier(key, "string", activity.packageName)
        require(id != 0) { "no string resource \"$key\"" }
        return if (args.isEmpty()) activity.getString(id) else activity.getString(id, *args)
    }

    override suspend fun thumbnail(url: String, widthPx: Int): ImageBitmap? = withContext(Dispatchers.IO) {
        try {
            BitmapFactory.decodeFile(moa.thumbnail(url, widthPx.toUInt()).path)?.asImageBitmap()
        } catch (e: MoaException) {
            null // offline or a bad image: the card keeps its colour
        }
    }

    /** The core's link, as it is, in a Custom Tab. */
    override fun openMall(url: String) {
        // The core remembers the trip (across a process death too); onResume reports the return.
        CustomTabsIntent.Builder().setShowTitle(true).build().launchUrl(activity, Uri.parse(url))
    }

    /** A chat or tracking page in a Custom Tab; a call or an email in the app that handles it. */
    override fun openLink(url: String) {
        val uri = Uri.parse(url)
        if (uri.scheme == "https") {
            CustomTabsIntent.Builder().setShowTitle(true).build().launchUrl(activity, uri)
        } else {
            runCatching { activity.startActivity(Intent(Intent.ACTION_VIEW, uri)) }
        }
    }

    /** Android's share sheet, with the core's line and attributed link. */
    override fun share(text: String, url: String) {
        val send = Intent(Intent.ACTION_SEND).setType("text/plain").putExtra(Intent.EXTRA_TEXT, "$text\n$url")
        activity.startActivity(Intent.createChooser(send, null))
    }

    override var onboarded: Boolean
        get() = prefs.getBoolean("onboarded", false)
        set(value) = prefs.edit().putBoolean("onboarded", value).apply()
}

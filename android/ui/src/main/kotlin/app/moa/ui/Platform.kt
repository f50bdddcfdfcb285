package app.moa.ui

import androidx.compose.runtime.Composable
import androidx.compose.runtime.staticCompositionLocalOf
import androidx.compose.ui.graphics.ImageBitmap

/**
 * What the screens need from the platform they run on, and nothing else. The Android app backs it
 * with its string resources, a decoded Bitmap, a Custom Tab and SharedPreferences; the desktop
 * (QA window and the UI tests) with the same strings.xml files, Skia and a recorded URL. The
 * screens themselves use only the common Compose APIs, so they are the same code on both.
 */
interface Platform {
    /** The text of a string resource (this module's `res/values` files), formatted. */
    fun text(key: String, vararg args: Any): String

    /** A product photo's thumbnail about `widthPx` wide (the core's thumbnail cache), or null. */
    suspend fun thumbnail(url: String, widthPx: Int): ImageBitmap?

    /** Open the mall's page (the core's checked link, as it is) in the in-app browser. */
    fun openMall(url: String)

    /**
     * Open a link the core checked that is not a trip to a mall: a mall's chat (https), a call
     * (tel:), an email (mailto:), a carrier's tracking page.
     */
    fun openLink(url: String)

    /** Hand a link and its line to the platform's share sheet. */
    fun share(text: String, url: String)

    /** Whether onboarding was answered or skipped on this device. */
    var onboarded: Boolean
}

val LocalPlatform = staticCompositionLocalOf<Platform> { error("no Platform provided: wrap the screens in MoaApp") }

/** A string resource in the shopper's language. */
@Composable
fun text(key: String, vararg args: Any): String = LocalPlatform.current.text(key, *args)

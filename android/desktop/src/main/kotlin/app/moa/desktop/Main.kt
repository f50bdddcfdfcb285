package app.moa.desktop

import androidx.compose.runtime.DisposableEffect
import androidx.compose.ui.unit.dp
import androidx.compose.ui.window.Window
import androidx.compose.ui.window.application
import androidx.compose.ui.window.rememberWindowState
import app.moa.core.Moa
import app.moa.core.MoaConfig
import app.moa.ui.MoaApp
import app.moa.ui.MoaScreens
import app.moa.ui.MoaTheme
import java.awt.Desktop
import java.net.URI
import java.nio.file.Files
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob

/**
 * QA on the desktop: the Android app's screens in a phone-sized window over a Moa server
 * (scripts/android-desktop.sh starts a demo one). Taps do what they do on a phone; "go to mall"
 * opens the link in the desktop browser, and coming back to the window counts as the return.
 *
 *   moa-android-desktop --server URL [--locale ko|en] [--dark] [--data-dir DIR]
 */
fun main(args: Array<String>) {
    fun arg(name: String) = args.indexOf(name).takeIf { it >= 0 }?.let { args.getOrNull(it + 1) }
    val server = arg("--server") ?: error("usage: --server URL [--locale ko|en] [--dark] [--data-dir DIR]")
    val locale = arg("--locale") ?: "ko"
    val dir = arg("--data-dir") ?: Files.createTempDirectory("moa-desktop").toString()
    val moa = Moa.open(
        MoaConfig(dataDir = dir, serverUrl = server, locale = if (locale == "en") "en-US" else "ko-KR", installId = "desktop-qa",
            requestTimeoutMs = 15_000uL),
    )
    val scope = CoroutineScope(SupervisorJob() + Dispatchers.Main)
    val screens = MoaScreens(moa, scope)
    val platform = DesktopPlatform(moa, locale)
    var away = false
    platform.onOpenMall = { url ->
        println("go to mall: $url")
        if (Desktop.isDesktopSupported()) runCatching { Desktop.getDesktop().browse(URI(url)) }
        away = true
    }
    application {
        Window(
            onCloseRequest = { screens.close(); exitApplication() },
            title = "Moa (Android screens)",
            state = rememberWindowState(width = 412.dp, height = 892.dp),
        ) {
            // Back in the window after the mall: the core decides about the rescue sheet.
            DisposableEffect(window) {
                val listener = object : java.awt.event.WindowAdapter() {
                    override fun windowGainedFocus(e: java.awt.event.WindowEvent?) {
                        if (away) {
                            away = false
                            screens.product.returnedFromMall()
                        }
                    }
                }
                window.addWindowFocusListener(listener)
                onDispose { window.removeWindowFocusListener(listener) }
            }
            MoaTheme(dark = "--dark" in args) { MoaApp(screens, platform) }
        }
    }
}

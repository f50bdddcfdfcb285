package app.moa.desktop

import androidx.compose.ui.graphics.ImageBitmap
import androidx.compose.ui.graphics.toComposeImageBitmap
import app.moa.core.Moa
import app.moa.core.MoaException
import app.moa.ui.Platform
import java.io.File
import java.util.concurrent.CopyOnWriteArrayList
import javax.xml.parsers.DocumentBuilderFactory
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext
import org.jetbrains.skia.Image

/**
 * The Android app's platform pieces, as the desktop has them: the same strings.xml files (read
 * from the classpath, where scripts/lib/compose-desktop.sh puts android/ui's res/ folder), the
 * core's thumbnails decoded by Skia, and mall links recorded (and handed to `onOpenMall`).
 */
class DesktopPlatform(private val moa: Moa, locale: String = "ko") : Platform {
    private val strings: Map<String, String> = AndroidStrings.load(locale)

    /** Every mall link the screens opened, in order. */
    val openedMalls = CopyOnWriteArrayList<String>()
    var onOpenMall: (String) -> Unit = {}

    override var onboarded: Boolean = false

    override fun text(key: String, vararg args: Any): String {
        val template = strings[key] ?: throw IllegalArgumentException("no string resource \"$key\"")
        return if (args.isEmpty()) template else String.format(template, *args)
    }

    /** Every photo the screens asked for, in order. */
    val thumbnailsAsked = CopyOnWriteArrayList<String>()

    override suspend fun thumbnail(url: String, widthPx: Int): ImageBitmap? = withContext(Dispatchers.IO) {
        thumbnailsAsked += url
        try {
            val path = moa.thumbnail(url, widthPx.toUInt()).path
            Image.makeFromEncoded(File(path).readBytes()).toComposeImageBitmap()
        } catch (e: MoaException) {
            null // offline or a bad image: the card keeps its colour
        }
    }

    override fun openMall(url: String) {
        openedMalls += url
        onOpenMall(url)
    }

    /** Every other link the screens opened (chats, calls, emails, tracking pages), in order. */
    val openedLinks = CopyOnWriteArrayList<String>()

    override fun openLink(url: String) {
        openedLinks += url
    }

    /** Every (line, link) the screens shared, in order (the desktop has no share sheet). */
    val shared = CopyOnWriteArrayList<Pair<String, String>>()

    override fun share(text: String, url: String) {
        shared += text to url
        println("share: $text $url")
    }
}

/** Android's `res/values[-xx]/strings.xml`, read as Android does: the locale's file over the default. */
object AndroidStrings {
    fun load(locale: String): Map<String, String> {
        val default = read("/values/strings.xml") ?: error("android/ui's res/ is not on the classpath")
        val localized = if (locale.startsWith("en")) emptyMap() else read("/values-${locale.take(2)}/strings.xml") ?: emptyMap()
        return default + localized
    }

    private fun read(resource: String): Map<String, String>? {
        val stream = AndroidStrings::class.java.getResourceAsStream(resource) ?: return null
        val doc = stream.use { DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(it) }
        val nodes = doc.getElementsByTagName("string")
        return (0 until nodes.length).associate { i ->
            val node = nodes.item(i)
            node.attributes.getNamedItem("name").nodeValue to unescape(node.textContent)
        }
    }

    /** Android's escapes in string resources. */
    private fun unescape(s: String) = s.replace("\\'", "'").replace("\\\"", "\"").replace("\\n", "\n")
}

package app.moa.android.ui

import androidx.compose.foundation.background
import androidx.compose.foundation.clickable
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.aspectRatio
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.material3.Icon
import androidx.compose.material3.IconButton
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.Favorite
import androidx.compose.material.icons.outlined.FavoriteBorder
import androidx.compose.runtime.Composable
import androidx.compose.runtime.compositionLocalOf
import androidx.compose.runtime.getValue
import androidx.compose.runtime.produceState
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.layout.ContentScale
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.text.style.TextDecoration
import androidx.compose.ui.text.style.TextOverflow
import androidx.compose.ui.unit.dp
import app.moa.android.R
import app.moa.core.FeedCard
import coil.compose.AsyncImage
import java.io.File

/** The core's thumbnail cache: a file path for a photo URL at a width, or null while it fails. */
val LocalThumbnails = compositionLocalOf<suspend (String, Int) -> String?> { { _, _ -> null } }

/** "#RRGGBB" from the core, as a colour. */
fun parseColour(hex: String?): Color =
    hex?.removePrefix("#")?.toLongOrNull(16)?.let { Color(0xFF000000 or it) } ?: Color(0xFFEDEBE8)

/** A photo that holds its card's shape and colour (from the core) before the pixels arrive. */
@Composable
fun Photo(url: String, aspectRatio: Float?, placeholder: String?, width: Int, description: String, modifier: Modifier = Modifier) {
    val thumbnails = LocalThumbnails.current
    val path by produceState<String?>(null, url, width) { value = thumbnails(url, width) }
    Box(modifier.fillMaxWidth().aspectRatio(aspectRatio ?: 0.8f).background(parseColour(placeholder))) {
        path?.let {
            AsyncImage(model = File(it), contentDescription = description, contentScale = ContentScale.Crop, modifier = Modifier.matchParentSize())
        }
    }
}

@Composable
fun ProductCard(card: FeedCard, wishlisted: Boolean, width: Int, onOpen: () -> Unit, onWish: () -> Unit, modifier: Modifier = Modifier) {
    Column(modifier.clickable(onClick = onOpen).padding(4.dp)) {
        Box {
            Photo(card.imageUrl, card.aspectRatio, card.placeholderColor, width, card.title)
            IconButton(onClick = onWish, modifier = Modifier.align(Alignment.BottomEnd)) {
                Icon(
                    if (wishlisted) Icons.Filled.Favorite else Icons.Outlined.FavoriteBorder,
                    contentDescription = stringResource(if (wishlisted) R.string.wishlist_remove else R.string.wishlist_add),
                    tint = if (wishlisted) MaterialTheme.colorScheme.secondary else Color.White,
                )
            }
        }
        Text(card.mallName, style = MaterialTheme.typography.labelSmall, color = MaterialTheme.colorScheme.outline)
        Text(card.title, style = MaterialTheme.typography.bodySmall, maxLines = 2, overflow = TextOverflow.Ellipsis)
        Row(verticalAlignment = Alignment.CenterVertically) {
            card.discountPercent?.let {
                Text("$it% ", color = MaterialTheme.colorScheme.secondary, style = MaterialTheme.typography.titleSmall)
            }
            Text(card.priceText, style = MaterialTheme.typography.titleSmall)
            card.originalPriceText?.let {
                Text(" $it", style = MaterialTheme.typography.labelSmall, textDecoration = TextDecoration.LineThrough,
                    color = MaterialTheme.colorScheme.outline)
            }
        }
        card.alsoAtText?.let { Text(it, style = MaterialTheme.typography.labelSmall, color = MaterialTheme.colorScheme.tertiary) }
        Text(card.reason, style = MaterialTheme.typography.labelSmall, color = MaterialTheme.colorScheme.outline,
            modifier = Modifier.semantics { contentDescription = card.reason })
    }
}

package app.moa.ui

import androidx.compose.foundation.Image
import androidx.compose.foundation.background
import androidx.compose.foundation.clickable
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.aspectRatio
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.Favorite
import androidx.compose.material.icons.outlined.FavoriteBorder
import androidx.compose.material3.Icon
import androidx.compose.material3.IconButton
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.produceState
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.graphics.ImageBitmap
import androidx.compose.ui.layout.ContentScale
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.semantics.stateDescription
import androidx.compose.ui.text.style.TextDecoration
import androidx.compose.ui.text.style.TextOverflow
import androidx.compose.ui.unit.dp
import app.moa.core.FeedCard
import app.moa.presentation.UiError

/** "#RRGGBB" from the core, as a colour. */
fun parseColour(hex: String?): Color =
    hex?.removePrefix("#")?.toLongOrNull(16)?.let { Color(0xFF000000 or it) } ?: Color(0xFFEDEBE8)

/** Tags the tests (and accessibility tools) find things by. */
object Tags {
    fun card(productId: String) = "card:$productId"
    fun heart(productId: String) = "heart:$productId"
    fun mall(mallId: String) = "mall:$mallId"
    /** A home section's horizontal row of cards. */
    fun carousel(sectionId: String) = "carousel:$sectionId"
    fun follow(mallId: String) = "follow:$mallId"
    fun variant(variantId: String) = "variant:$variantId"
    const val PHOTO = "photo"
    /** The sheet's photo gallery; its state description is the photo shown, from 1. */
    const val GALLERY = "gallery"
    const val SHEET = "sheet"
    const val SHEET_HEART = "sheet-heart"
    const val SHEET_FOLLOW = "sheet-follow"
    const val GO_TO_MALL = "go-to-mall"
    const val NOTICE = "notice"
    const val RESCUE = "rescue"
    const val OFFLINE = "offline-banner"
    const val ERROR = "error"
    const val HOME_GRID = "home-grid"
    const val SEARCH_FIELD = "search-field"
    const val CONSENT = "consent-switch"
    const val MALL_PAGE = "mall-page"
    const val MALL_FOLLOW = "mall-page-follow"
    const val SHEET_MALL = "sheet-mall"
    const val SHARE = "share"
    fun offer(productId: String) = "offer:$productId"
    fun contact(kind: String) = "contact:$kind"
    fun nudge(name: String) = "nudge:$name"
    const val ORDERS = "orders"
    const val OPEN_ORDERS = "open-orders"
    const val DELETE_ORDERS = "delete-orders"
    const val CONFIRM_DELETE_ORDERS = "confirm-delete-orders"
    fun order(orderId: String) = "order:$orderId"
    fun orderStatus(orderId: String) = "order-status:$orderId"
    fun track(orderId: String) = "track:$orderId"
}

/** A photo that holds its card's shape and colour (from the core) before the pixels arrive. */
@Composable
fun Photo(url: String, aspectRatio: Float?, placeholder: String?, width: Int, description: String, modifier: Modifier = Modifier) {
    val platform = LocalPlatform.current
    val bitmap by produceState<ImageBitmap?>(null, url, width) { value = platform.thumbnail(url, width) }
    Box(
        modifier.fillMaxWidth().aspectRatio(aspectRatio ?: 0.8f).background(parseColour(placeholder))
            // "loaded" once the pixels are on screen: the screenshot check waits for it.
            .semantics { stateDescription = if (bitmap != null) "loaded" else "loading" }.testTag(Tags.PHOTO),
    ) {
        bitmap?.let {
            Image(it, contentDescription = description, contentScale = ContentScale.Crop, modifier = Modifier.matchParentSize())
        }
    }
}

/** A feed card: photo with its 찜 heart (the core's flag), mall, title, sale and price, "also at N malls", why. */
@Composable
fun ProductCard(
    card: FeedCard,
    width: Int,
    onOpen: () -> Unit,
    onWish: () -> Unit,
    modifier: Modifier = Modifier,
    /** The photo's shape when the card's own would be too tall (the cover: a square crop). */
    photoAspect: Float? = card.aspectRatio,
    /** Called once when the card is first on screen (lazy lists compose only what is shown). */
    onShown: () -> Unit = {},
) {
    LaunchedEffect(card.productId) { onShown() }
    Column(modifier.testTag(Tags.card(card.productId)).clickable(onClick = onOpen).padding(4.dp)) {
        Box {
            Photo(card.imageUrl, photoAspect, card.placeholderColor, width, card.title)
            Heart(card.wishlisted, onWish, Modifier.align(Alignment.BottomEnd).testTag(Tags.heart(card.productId)))
        }
        Text(card.mallName, style = MaterialTheme.typography.labelSmall, color = MaterialTheme.colorScheme.outline, maxLines = 1,
            overflow = TextOverflow.Ellipsis)
        Text(card.title, style = MaterialTheme.typography.bodySmall, maxLines = 2, overflow = TextOverflow.Ellipsis)
        Price(card.priceText, card.originalPriceText, card.discountPercent)
        card.alsoAtText?.let {
            Text(it, style = MaterialTheme.typography.labelSmall, color = MaterialTheme.colorScheme.tertiary, maxLines = 1)
        }
        Text(card.reason, style = MaterialTheme.typography.labelSmall, color = MaterialTheme.colorScheme.outline, maxLines = 1,
            overflow = TextOverflow.Ellipsis)
    }
}

/** The 찜 heart: filled when wishlisted; says what a tap will do. */
@Composable
fun Heart(wishlisted: Boolean, onClick: () -> Unit, modifier: Modifier = Modifier, onPhoto: Boolean = true) {
    val label = text(if (wishlisted) "wishlist_remove" else "wishlist_add")
    IconButton(onClick = onClick, modifier = modifier.semantics {
        contentDescription = label
        stateDescription = if (wishlisted) "on" else "off"
    }) {
        Icon(
            if (wishlisted) Icons.Filled.Favorite else Icons.Outlined.FavoriteBorder,
            contentDescription = null,
            tint = when {
                wishlisted -> MaterialTheme.colorScheme.secondary
                onPhoto -> Color.White
                else -> MaterialTheme.colorScheme.onSurface
            },
        )
    }
}

/** Sale percentage, price, and the struck-through price: all as the core wrote them. */
@Composable
fun Price(priceText: String, originalPriceText: String?, discountPercent: UByte?, large: Boolean = false) {
    val style = if (large) MaterialTheme.typography.titleLarge else MaterialTheme.typography.titleSmall
    Row(verticalAlignment = Alignment.CenterVertically) {
        discountPercent?.let { Text("$it% ", color = MaterialTheme.colorScheme.secondary, style = style) }
        Text(priceText, style = style)
        originalPriceText?.let {
            Text(" $it", style = MaterialTheme.typography.labelSmall, textDecoration = TextDecoration.LineThrough,
                color = MaterialTheme.colorScheme.outline)
        }
    }
}

/** The words for an error, keyed by what the shopper can do about it. */
fun errorKey(error: UiError): String = when (error) {
    UiError.Offline -> "offline_banner"
    UiError.RetryLater -> "error_retry"
    UiError.SignInNeeded -> "error_sign_in"
    UiError.WrongCredentials -> "error_wrong_credentials"
    UiError.NotFound -> "error_not_found"
    UiError.UpdateNeeded -> "error_update"
    is UiError.Failed -> "error_failed"
}

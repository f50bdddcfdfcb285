package app.moa.ui

import androidx.compose.foundation.background
import androidx.compose.foundation.clickable
import androidx.compose.foundation.gestures.detectTapGestures
import androidx.compose.foundation.interaction.MutableInteractionSource
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.BoxScope
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.ExperimentalLayoutApi
import androidx.compose.foundation.layout.FlowRow
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxHeight
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.width
import androidx.compose.foundation.pager.HorizontalPager
import androidx.compose.foundation.pager.rememberPagerState
import androidx.compose.foundation.shape.RoundedCornerShape
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.Button
import androidx.compose.material3.FilterChip
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Surface
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.collectAsState
import androidx.compose.runtime.getValue
import androidx.compose.runtime.key
import androidx.compose.runtime.remember
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.input.pointer.pointerInput
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.semantics.stateDescription
import androidx.compose.ui.unit.dp
import app.moa.presentation.ProductViewModel

/**
 * The product sheet over the current tab: photos (swiped), mall (with follow), title, sale and price,
 * sizes (a tap selects one), the same item at other malls, and a bar that stays at the bottom
 * with 찜 and "go to mall". A failed open shows the error and a retry, never an empty sheet.
 */
@OptIn(ExperimentalLayoutApi::class)
@Composable
fun BoxScope.ProductSheetScreen(product: ProductViewModel, section: String, position: Int, onOpenMall: (String) -> Unit) {
    val state by product.state.collectAsState()
    val platform = LocalPlatform.current
    // The core's link, opened once as it is.
    LaunchedEffect(state.openMall) {
        state.openMall?.let {
            platform.openMall(it.url)
            product.mallOpened()
        }
    }
    LaunchedEffect(state.share) {
        state.share?.let {
            platform.share(it.text, it.url)
            product.shared()
        }
    }

    state.rescue?.let { rescue ->
        Sheet(onDismiss = { product.rescueDismissed() }, modifier = Modifier.testTag(Tags.RESCUE), fraction = 0.6f) {
            Column(Modifier.verticalScroll(rememberScrollState()).padding(16.dp)) {
                Text(rescue.title, style = MaterialTheme.typography.titleMedium)
                rescue.cards.forEach { card ->
                    TextButton(onClick = { product.rescueTapped(card.productId) }, modifier = Modifier.testTag(Tags.card(card.productId))) {
                        Text("${card.mallName} · ${card.title} · ${card.priceText}", maxLines = 2)
                    }
                }
                TextButton(onClick = { product.rescueDismissed() }) { Text(text("rescue_close")) }
            }
        }
        return
    }

    val sheet = state.sheet
    if (sheet == null) {
        // Asked for a product and it failed: say so, with what the shopper can do.
        state.error?.let { error ->
            Sheet(onDismiss = { product.dismissError() }, modifier = Modifier.testTag(Tags.SHEET), fraction = 0.35f) {
                Column(Modifier.padding(24.dp).testTag(Tags.ERROR), verticalArrangement = Arrangement.spacedBy(12.dp)) {
                    Text(text(errorKey(error)), style = MaterialTheme.typography.titleMedium)
                    Button(onClick = { product.retry() }) { Text(text("retry")) }
                }
            }
        }
        return
    }
    Sheet(onDismiss = { product.close() }, modifier = Modifier.testTag(Tags.SHEET)) {
        Column(Modifier.fillMaxSize()) {
            Column(Modifier.weight(1f).verticalScroll(rememberScrollState()).padding(16.dp)) {
                // A new product starts at its first photo.
                key(sheet.productId) { Gallery(sheet.photos, sheet.title) }
                Row(verticalAlignment = Alignment.CenterVertically, modifier = Modifier.padding(top = 8.dp)) {
                    // The mall's name opens its page (the sheet closes to show it).
                    TextButton(onClick = { product.close(); onOpenMall(sheet.mallId) }, modifier = Modifier.weight(1f).testTag(Tags.SHEET_MALL)) {
                        Text(sheet.mallName, style = MaterialTheme.typography.labelLarge, color = MaterialTheme.colorScheme.outline,
                            modifier = Modifier.fillMaxWidth())
                    }
                    TextButton(onClick = { product.share() }, modifier = Modifier.testTag(Tags.SHARE)) { Text(text("share")) }
                    FollowButton(sheet.mallFollowed, Modifier.testTag(Tags.SHEET_FOLLOW)) { product.toggleFollow() }
                }
                Text(sheet.title, style = MaterialTheme.typography.titleMedium)
                Price(sheet.priceText, sheet.originalPriceText, sheet.discountPercent, large = true)
                if (!sheet.inStock) Text(text("sold_out"), color = MaterialTheme.colorScheme.error)
                Text(text("sizes"), style = MaterialTheme.typography.labelLarge, modifier = Modifier.padding(top = 12.dp))
                FlowRow(horizontalArrangement = Arrangement.spacedBy(6.dp)) {
                    sheet.variants.forEach { v ->
                        FilterChip(
                            selected = state.selectedVariant == v.id,
                            onClick = { product.selectVariant(v.id) },
                            enabled = v.available,
                            label = { Text(listOfNotNull(v.color, v.size).joinToString(" / ")) },
                            modifier = Modifier.testTag(Tags.variant(v.id)),
                        )
                    }
                }
                ContactRow(sheet.contact, sheet.contactHours)
                if (sheet.elsewhere.isNotEmpty()) {
                    Text(text("also_elsewhere"), style = MaterialTheme.typography.labelLarge, modifier = Modifier.padding(top = 12.dp))
                    sheet.elsewhere.forEach { offer ->
                        // Each mall's own photo and price; a tap opens that listing's sheet.
                        Row(
                            verticalAlignment = Alignment.CenterVertically,
                            modifier = Modifier.fillMaxWidth().clickable { product.open(offer.productId) }.padding(vertical = 4.dp)
                                .testTag(Tags.offer(offer.productId)),
                        ) {
                            Photo(offer.imageUrl, null, null, 160, offer.title, Modifier.width(56.dp))
                            Text(offer.mallName, Modifier.weight(1f).padding(horizontal = 12.dp))
                            Text(offer.priceText + if (offer.lowest) " · ${text("lowest")}" else "", style = MaterialTheme.typography.titleSmall)
                        }
                    }
                    HorizontalDivider()
                }
            }
            // The bar stays put while the sheet scrolls: the warning, 찜 and "go to mall".
            Surface(tonalElevation = 3.dp) {
                Column(Modifier.padding(12.dp)) {
                    state.notice?.let {
                        Text(it, color = MaterialTheme.colorScheme.error, modifier = Modifier.padding(bottom = 8.dp).testTag(Tags.NOTICE))
                    }
                    state.error?.let { Text(text(errorKey(it)), color = MaterialTheme.colorScheme.error, modifier = Modifier.testTag(Tags.ERROR)) }
                    Row(verticalAlignment = Alignment.CenterVertically, horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                        Heart(sheet.wishlisted, { product.toggleWishlist() }, Modifier.testTag(Tags.SHEET_HEART), onPhoto = false)
                        val label = when {
                            state.checking -> "checking"
                            state.awaitingConfirmation -> "go_anyway"
                            else -> "go_to_mall"
                        }
                        Button(
                            onClick = { product.goToMall(section, position.toUInt()) },
                            enabled = !state.checking && sheet.inStock,
                            modifier = Modifier.weight(1f).testTag(Tags.GO_TO_MALL),
                        ) { Text(text(label)) }
                    }
                }
            }
        }
    }
}

/** A bottom sheet drawn in the screen's own tree (no popup window): a scrim, then the panel. */
@Composable
fun BoxScope.Sheet(onDismiss: () -> Unit, modifier: Modifier = Modifier, fraction: Float = 0.92f, content: @Composable () -> Unit) {
    val scrim = remember { MutableInteractionSource() }
    Box(Modifier.matchParentSize().background(Color.Black.copy(alpha = 0.45f)).clickable(scrim, null, onClick = onDismiss))
    Surface(
        modifier = modifier.align(Alignment.BottomCenter).fillMaxWidth().fillMaxHeight(fraction)
            // Taps inside the panel stay in it (without making the panel one big button).
            .pointerInput(Unit) { detectTapGestures { } },
        shape = MaterialTheme.shapes.large,
        tonalElevation = 1.dp,
    ) {
        Column {
            TextButton(onClick = onDismiss, modifier = Modifier.align(Alignment.End)) { Text(text("close")) }
            content()
        }
    }
}

/**
 * The sheet's photos, swiped sideways: the main one first, then the product's others (from the
 * core's `photos`). Only the photo on screen is drawn; "2 / 4" says where the shopper is.
 */
@Composable
private fun Gallery(photos: List<String>, description: String) {
    val pager = rememberPagerState(pageCount = { photos.size })
    Box(Modifier.testTag(Tags.GALLERY).semantics { stateDescription = "${pager.currentPage + 1}" }) {
        HorizontalPager(state = pager, modifier = Modifier.fillMaxWidth()) { page ->
            Photo(photos[page], null, null, 800, description)
        }
        if (photos.size > 1) {
            Text(
                "${pager.currentPage + 1} / ${photos.size}",
                style = MaterialTheme.typography.labelMedium,
                color = Color.White,
                modifier = Modifier.align(Alignment.BottomEnd).padding(8.dp)
                    .background(Color(0x99000000), RoundedCornerShape(12.dp)).padding(horizontal = 8.dp, vertical = 2.dp),
            )
        }
    }
}

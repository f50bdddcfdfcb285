package app.moa.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.BoxScope
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.grid.GridCells
import androidx.compose.foundation.lazy.grid.GridItemSpan
import androidx.compose.foundation.lazy.grid.LazyVerticalGrid
import androidx.compose.foundation.lazy.grid.itemsIndexed
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.collectAsState
import androidx.compose.runtime.getValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.unit.dp
import app.moa.presentation.MallPageViewModel

/**
 * A mall's page over the current tab: its name, concept and audience, follow, and its products
 * in this shopper's order (the core's). A product opens its sheet on top.
 */
@Composable
fun BoxScope.MallScreen(mall: MallPageViewModel, onOpen: OpenProduct) {
    val state by mall.state.collectAsState()
    val page = state.page
    if (page == null) {
        state.error?.let { error ->
            Sheet(onDismiss = { mall.dismiss() }, modifier = Modifier.testTag(Tags.MALL_PAGE), fraction = 0.35f) {
                Text(text(errorKey(error)), Modifier.padding(24.dp).testTag(Tags.ERROR))
            }
        }
        return
    }
    Sheet(onDismiss = { mall.dismiss() }, modifier = Modifier.testTag(Tags.MALL_PAGE)) {
        LazyVerticalGrid(columns = GridCells.Fixed(2), modifier = Modifier.fillMaxSize().padding(horizontal = 8.dp)) {
            item(key = "header", span = { GridItemSpan(maxLineSpan) }) {
                Row(verticalAlignment = Alignment.CenterVertically, modifier = Modifier.padding(8.dp)) {
                    Column(Modifier.weight(1f), verticalArrangement = Arrangement.spacedBy(2.dp)) {
                        Text(page.name, style = MaterialTheme.typography.titleLarge)
                        Text(page.styles.joinToString(" · "), style = MaterialTheme.typography.labelMedium)
                        Text(page.audience, style = MaterialTheme.typography.labelSmall, color = MaterialTheme.colorScheme.outline)
                        ContactRow(page.contact, page.contactHours)
                    }
                    FollowButton(page.followed, Modifier.testTag(Tags.MALL_FOLLOW)) { mall.toggleFollow() }
                }
            }
            itemsIndexed(page.cards, key = { _, card -> card.productId }) { position, card ->
                ProductCard(card, 400, onOpen = { onOpen(card.productId, "mall:${page.mallId}", position) },
                    onWish = { mall.toggleWishlist(card) })
            }
        }
    }
}

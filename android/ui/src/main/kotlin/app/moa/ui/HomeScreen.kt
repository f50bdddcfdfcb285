package app.moa.ui

import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.PaddingValues
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.width
import androidx.compose.foundation.lazy.LazyRow
import androidx.compose.foundation.lazy.items
import androidx.compose.foundation.lazy.staggeredgrid.LazyStaggeredGridState
import androidx.compose.foundation.lazy.staggeredgrid.LazyVerticalStaggeredGrid
import androidx.compose.foundation.lazy.staggeredgrid.StaggeredGridCells
import androidx.compose.foundation.lazy.staggeredgrid.StaggeredGridItemSpan
import androidx.compose.foundation.lazy.staggeredgrid.itemsIndexed
import androidx.compose.material3.Card
import androidx.compose.material3.ExperimentalMaterial3Api
import androidx.compose.material3.LinearProgressIndicator
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Surface
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.material3.pulltorefresh.PullToRefreshBox
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.collectAsState
import androidx.compose.runtime.derivedStateOf
import androidx.compose.runtime.getValue
import androidx.compose.runtime.remember
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.text.style.TextOverflow
import androidx.compose.ui.unit.dp
import app.moa.core.FeedSection
import app.moa.core.MallCard
import app.moa.core.SectionLayout
import app.moa.presentation.HomeViewModel
import app.moa.presentation.MallsViewModel

/** Opens a product's sheet, saying where it was tapped (the click-out's attribution). */
typealias OpenProduct = (productId: String, section: String, position: Int) -> Unit

/**
 * The home magazine: cover, carousels, malls to follow, and the staggered "for you" grid that
 * pages on as the shopper nears its end. `grid` is the caller's, so the scroll position survives
 * a trip to another tab.
 */
@OptIn(ExperimentalMaterial3Api::class)
@Composable
fun HomeScreen(home: HomeViewModel, malls: MallsViewModel, grid: LazyStaggeredGridState, onOpen: OpenProduct, onOpenMall: (String) -> Unit) {
    val state by home.state.collectAsState()
    // Near the end of the grid, ask the core for the next page.
    val nearEnd by remember(grid) {
        derivedStateOf {
            val last = grid.layoutInfo.visibleItemsInfo.lastOrNull()?.index ?: -1
            last >= 0 && last > grid.layoutInfo.totalItemsCount - 8
        }
    }
    LaunchedEffect(nearEnd, state.loading, state.endReached) {
        if (nearEnd && !state.loading && !state.endReached) home.loadMore()
    }

    PullToRefreshBox(isRefreshing = state.refreshing, onRefresh = { home.refresh() }, modifier = Modifier.fillMaxSize()) {
        LazyVerticalStaggeredGrid(
            columns = StaggeredGridCells.Fixed(2),
            state = grid,
            contentPadding = PaddingValues(8.dp),
            modifier = Modifier.fillMaxSize().testTag(Tags.HOME_GRID),
        ) {
            if (state.offline) {
                item(key = "offline", span = StaggeredGridItemSpan.FullLine) {
                    Surface(color = MaterialTheme.colorScheme.surfaceVariant, modifier = Modifier.testTag(Tags.OFFLINE)) {
                        Text(text("offline_banner"), Modifier.padding(12.dp).fillMaxWidth())
                    }
                }
            }
            state.error?.let { error ->
                item(key = "error", span = StaggeredGridItemSpan.FullLine) {
                    Row(Modifier.testTag(Tags.ERROR).padding(8.dp)) {
                        Text(text(errorKey(error)), color = MaterialTheme.colorScheme.error, modifier = Modifier.weight(1f))
                        TextButton(onClick = { home.errorShown(); home.refresh() }) { Text(text("retry")) }
                    }
                }
            }
            if (state.loading) {
                item(key = "loading", span = StaggeredGridItemSpan.FullLine) { LinearProgressIndicator(Modifier.fillMaxWidth()) }
            } else if (state.sections.all { it.cards.isEmpty() && it.malls.isEmpty() }) {
                item(key = "empty", span = StaggeredGridItemSpan.FullLine) { Text(text("empty_home"), Modifier.padding(24.dp)) }
            }
            for (section in state.sections) {
                if (section.cards.isEmpty() && section.malls.isEmpty()) continue
                item(key = "title-${section.id}", span = StaggeredGridItemSpan.FullLine) {
                    Text(section.title, style = MaterialTheme.typography.titleMedium, modifier = Modifier.padding(8.dp, 16.dp, 8.dp, 8.dp))
                }
                when (section.layout) {
                    SectionLayout.COVER -> section.cards.firstOrNull()?.let { card ->
                        item(key = "cover-${section.id}", span = StaggeredGridItemSpan.FullLine) {
                            ProductCard(card, 800, photoAspect = 1f,
                                onOpen = { onOpen(card.productId, section.id, 0) }, onWish = { home.toggleWishlist(card) },
                                onShown = { home.shown(section.id, 0, card.productId) })
                        }
                    }
                    SectionLayout.CAROUSEL -> item(key = "row-${section.id}", span = StaggeredGridItemSpan.FullLine) {
                        Carousel(section, onOpen, home)
                    }
                    SectionLayout.MALL_CAROUSEL -> item(key = "malls-${section.id}", span = StaggeredGridItemSpan.FullLine) {
                        MallCarousel(section.malls, onOpenMall) { mall -> malls.setFollowed(mall.mallId, !mall.followed) }
                    }
                    SectionLayout.GRID -> itemsIndexed(section.cards, key = { _, card -> "${section.id}-${card.productId}" }) { position, card ->
                        Column {
                            ProductCard(card, 400,
                                onOpen = { onOpen(card.productId, section.id, position) }, onWish = { home.toggleWishlist(card) },
                                onShown = { home.shown(section.id, position, card.productId) })
                            TextButton(onClick = { home.notInterested(card.productId) }) { Text(text("not_interested")) }
                        }
                    }
                }
            }
        }
    }
}

@Composable
private fun Carousel(section: FeedSection, onOpen: OpenProduct, home: HomeViewModel) {
    LazyRow(contentPadding = PaddingValues(horizontal = 4.dp), modifier = Modifier.testTag(Tags.carousel(section.id))) {
        items(section.cards.size, key = { section.cards[it].productId }) { position ->
            val card = section.cards[position]
            ProductCard(card, 400, modifier = Modifier.width(150.dp),
                onOpen = { onOpen(card.productId, section.id, position) }, onWish = { home.toggleWishlist(card) },
                onShown = { home.shown(section.id, position, card.productId) })
        }
    }
}

/** Malls worth following: name, concept, a few photos, why; follow from the card itself. */
@Composable
fun MallCarousel(malls: List<MallCard>, onOpen: (String) -> Unit, onFollow: (MallCard) -> Unit) {
    LazyRow(contentPadding = PaddingValues(horizontal = 4.dp)) {
        items(malls, key = { it.mallId }) { mall ->
            Card(onClick = { onOpen(mall.mallId) }, modifier = Modifier.width(260.dp).padding(4.dp).testTag(Tags.mall(mall.mallId))) {
                Column(Modifier.padding(8.dp)) {
                    Row {
                        Column(Modifier.weight(1f)) {
                            Text(mall.name, style = MaterialTheme.typography.titleSmall, maxLines = 1, overflow = TextOverflow.Ellipsis)
                            Text(mall.styles.joinToString(" · "), style = MaterialTheme.typography.labelSmall, maxLines = 1)
                        }
                        FollowButton(mall.followed, Modifier.testTag(Tags.follow(mall.mallId))) { onFollow(mall) }
                    }
                    Row {
                        mall.imageUrls.take(3).forEach { url ->
                            Photo(url, null, null, 160, mall.name, Modifier.weight(1f).padding(2.dp))
                        }
                    }
                    Text(mall.reason, style = MaterialTheme.typography.labelSmall, color = MaterialTheme.colorScheme.outline, maxLines = 1,
                        overflow = TextOverflow.Ellipsis)
                }
            }
        }
    }
}

@Composable
fun FollowButton(following: Boolean, modifier: Modifier = Modifier, onClick: () -> Unit) {
    OutlinedButton(onClick = onClick, modifier = modifier, contentPadding = PaddingValues(horizontal = 10.dp)) {
        Text(text(if (following) "unfollow" else "follow"), maxLines = 1)
    }
}

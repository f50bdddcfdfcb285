package app.moa.android.ui

import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.PaddingValues
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.width
import androidx.compose.foundation.lazy.LazyRow
import androidx.compose.foundation.lazy.items
import androidx.compose.foundation.lazy.staggeredgrid.LazyVerticalStaggeredGrid
import androidx.compose.foundation.lazy.staggeredgrid.StaggeredGridCells
import androidx.compose.foundation.lazy.staggeredgrid.StaggeredGridItemSpan
import androidx.compose.foundation.lazy.staggeredgrid.items
import androidx.compose.foundation.lazy.staggeredgrid.rememberLazyStaggeredGridState
import androidx.compose.material3.Card
import androidx.compose.material3.ExperimentalMaterial3Api
import androidx.compose.material3.LinearProgressIndicator
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Surface
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.material3.pulltorefresh.PullToRefreshBox
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.derivedStateOf
import androidx.compose.runtime.getValue
import androidx.compose.runtime.remember
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import app.moa.android.R
import app.moa.core.FeedSection
import app.moa.core.SectionLayout
import app.moa.presentation.HomeViewModel

/** The home magazine: cover, carousels, malls to follow, and the staggered "for you" grid. */
@OptIn(ExperimentalMaterial3Api::class)
@Composable
fun HomeScreen(home: HomeViewModel, onOpen: (productId: String, section: String, position: Int) -> Unit) {
    val state by home.state.collectAsStateWithLifecycle()
    val grid = rememberLazyStaggeredGridState()
    // Near the end of the grid, ask the core for the next page.
    val nearEnd by remember { derivedStateOf { grid.layoutInfo.visibleItemsInfo.lastOrNull()?.index?.let { it > grid.layoutInfo.totalItemsCount - 8 } == true } }
    LaunchedEffect(nearEnd) { if (nearEnd && !state.loading) home.loadMore() }

    PullToRefreshBox(isRefreshing = state.refreshing, onRefresh = { home.refresh() }, modifier = Modifier.fillMaxSize()) {
        LazyVerticalStaggeredGrid(columns = StaggeredGridCells.Fixed(2), state = grid, contentPadding = PaddingValues(8.dp)) {
            if (state.offline) {
                item(span = StaggeredGridItemSpan.FullLine) {
                    Surface(color = MaterialTheme.colorScheme.surfaceVariant) {
                        Text(stringResource(R.string.offline_banner), Modifier.padding(12.dp).fillMaxWidth())
                    }
                }
            }
            if (state.loading) {
                item(span = StaggeredGridItemSpan.FullLine) { LinearProgressIndicator(Modifier.fillMaxWidth()) }
            } else if (state.sections.all { it.cards.isEmpty() && it.malls.isEmpty() }) {
                item(span = StaggeredGridItemSpan.FullLine) { Text(stringResource(R.string.empty_home), Modifier.padding(24.dp)) }
            }
            for (section in state.sections) {
                if (section.cards.isEmpty() && section.malls.isEmpty()) continue
                item(key = "title-${section.id}", span = StaggeredGridItemSpan.FullLine) {
                    Text(section.title, style = MaterialTheme.typography.titleMedium, modifier = Modifier.padding(8.dp, 16.dp, 8.dp, 8.dp))
                }
                when (section.layout) {
                    SectionLayout.COVER -> item(key = "cover-${section.id}", span = StaggeredGridItemSpan.FullLine) {
                        val card = section.cards.first()
                        ProductCard(card, card.productId in state.wishlisted, 800,
                            onOpen = { onOpen(card.productId, section.id, 0) }, onWish = { home.toggleWishlist(card.productId) })
                    }
                    SectionLayout.CAROUSEL -> item(key = "row-${section.id}", span = StaggeredGridItemSpan.FullLine) {
                        Carousel(section, state.wishlisted, onOpen, home)
                    }
                    SectionLayout.MALL_CAROUSEL -> item(key = "malls-${section.id}", span = StaggeredGridItemSpan.FullLine) {
                        MallCarousel(section)
                    }
                    SectionLayout.GRID -> items(section.cards, key = { "${section.id}-${it.productId}" }) { card ->
                        val position = section.cards.indexOf(card)
                        Column {
                            ProductCard(card, card.productId in state.wishlisted, 400,
                                onOpen = { onOpen(card.productId, section.id, position) }, onWish = { home.toggleWishlist(card.productId) })
                            TextButton(onClick = { home.notInterested(card.productId) }) { Text(stringResource(R.string.not_interested)) }
                        }
                    }
                }
            }
        }
    }
}

@Composable
private fun Carousel(section: FeedSection, wishlisted: Set<String>, onOpen: (String, String, Int) -> Unit, home: HomeViewModel) {
    LazyRow(contentPadding = PaddingValues(horizontal = 4.dp)) {
        items(section.cards, key = { it.productId }) { card ->
            ProductCard(card, card.productId in wishlisted, 400, modifier = Modifier.width(160.dp),
                onOpen = { onOpen(card.productId, section.id, section.cards.indexOf(card)) }, onWish = { home.toggleWishlist(card.productId) })
        }
    }
}

@Composable
private fun MallCarousel(section: FeedSection) {
    LazyRow(contentPadding = PaddingValues(horizontal = 4.dp)) {
        items(section.malls, key = { it.mallId }) { mall ->
            Card(Modifier.width(240.dp).padding(4.dp)) {
                Column(Modifier.padding(8.dp)) {
                    Text(mall.name, style = MaterialTheme.typography.titleSmall)
                    Text(mall.styles.joinToString(" · "), style = MaterialTheme.typography.labelSmall)
                    Row {
                        mall.imageUrls.take(3).forEach { url ->
                            Photo(url, null, null, 160, mall.name, Modifier.weight(1f).padding(2.dp))
                        }
                    }
                    Text(mall.reason, style = MaterialTheme.typography.labelSmall, color = MaterialTheme.colorScheme.outline)
                }
            }
        }
    }
}

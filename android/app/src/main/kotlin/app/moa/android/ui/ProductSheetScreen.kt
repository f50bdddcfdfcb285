package app.moa.android.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.FlowRow
import androidx.compose.foundation.layout.ExperimentalLayoutApi
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.AssistChip
import androidx.compose.material3.Button
import androidx.compose.material3.ExperimentalMaterial3Api
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.ModalBottomSheet
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.text.style.TextDecoration
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import app.moa.android.R
import app.moa.presentation.ProductViewModel

/** The product sheet: photo, price and sale, sizes, the same item elsewhere, 찜 and "go to mall". */
@OptIn(ExperimentalMaterial3Api::class, ExperimentalLayoutApi::class)
@Composable
fun ProductSheetScreen(product: ProductViewModel, section: String, position: Int, openMall: (String) -> Unit) {
    val state by product.state.collectAsStateWithLifecycle()
    // The core's link, opened once as it is.
    LaunchedEffect(state.openMall) { state.openMall?.let { openMall(it.url) } }

    state.rescue?.let { rescue ->
        ModalBottomSheet(onDismissRequest = { product.rescueDismissed() }) {
            Column(Modifier.padding(16.dp)) {
                Text(rescue.title, style = MaterialTheme.typography.titleMedium)
                rescue.cards.forEach { card ->
                    TextButton(onClick = { product.rescueTapped(card.productId) }) {
                        Text("${card.mallName} · ${card.title} · ${card.priceText}")
                    }
                }
                TextButton(onClick = { product.rescueDismissed() }) { Text(stringResource(R.string.rescue_close)) }
            }
        }
    }

    val sheet = state.sheet ?: return
    ModalBottomSheet(onDismissRequest = { product.close() }) {
        Column(Modifier.verticalScroll(rememberScrollState()).padding(16.dp)) {
            Photo(sheet.imageUrl, null, null, 800, sheet.title)
            Text(sheet.mallName, style = MaterialTheme.typography.labelMedium, color = MaterialTheme.colorScheme.outline)
            Text(sheet.title, style = MaterialTheme.typography.titleMedium)
            Row {
                sheet.discountPercent?.let { Text("$it% ", color = MaterialTheme.colorScheme.secondary, style = MaterialTheme.typography.titleLarge) }
                Text(sheet.priceText, style = MaterialTheme.typography.titleLarge)
                sheet.originalPriceText?.let { Text(" $it", textDecoration = TextDecoration.LineThrough, color = MaterialTheme.colorScheme.outline) }
            }
            if (!sheet.inStock) Text(stringResource(R.string.sold_out), color = MaterialTheme.colorScheme.error)
            Text(stringResource(R.string.sizes), style = MaterialTheme.typography.labelLarge, modifier = Modifier.padding(top = 12.dp))
            FlowRow(horizontalArrangement = Arrangement.spacedBy(6.dp)) {
                sheet.variants.forEach { v ->
                    AssistChip(onClick = { product.toggleWishlist(v.id) }, enabled = v.available,
                        label = { Text(listOfNotNull(v.color, v.size).joinToString(" / ")) })
                }
            }
            if (sheet.elsewhere.isNotEmpty()) {
                Text(stringResource(R.string.also_elsewhere), style = MaterialTheme.typography.labelLarge, modifier = Modifier.padding(top = 12.dp))
                sheet.elsewhere.forEach { offer ->
                    TextButton(onClick = { product.open(offer.productId) }) {
                        Text("${offer.mallName} · ${offer.priceText}" + if (offer.lowest) " · ${stringResource(R.string.lowest)}" else "")
                    }
                }
                HorizontalDivider()
            }
            state.notice?.let { Text(it, color = MaterialTheme.colorScheme.error, modifier = Modifier.padding(vertical = 8.dp)) }
            state.error?.let { Text(stringResource(errorRes(it)), color = MaterialTheme.colorScheme.error) }
            Row(Modifier.fillMaxWidth().padding(top = 12.dp), horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                OutlinedButton(onClick = { product.toggleWishlist() }) {
                    Text(stringResource(if (state.wishlisted) R.string.wishlist_remove else R.string.wishlist_add))
                }
                Button(onClick = { product.goToMall(section, position.toUInt()) }, enabled = !state.checking && sheet.inStock,
                    modifier = Modifier.weight(1f)) {
                    Text(stringResource(if (state.checking) R.string.checking else R.string.go_to_mall))
                }
            }
        }
    }
}

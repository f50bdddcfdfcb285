package app.moa.ui

import androidx.compose.foundation.clickable
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.BoxScope
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.width
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.itemsIndexed
import androidx.compose.material3.ListItem
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.collectAsState
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.unit.dp
import app.moa.presentation.OrdersViewModel

/**
 * "주문·배송" over the current tab: every order Moa referred, across malls, the latest moved first
 * — photo, mall, what was bought, the status and the amount, in the core's words, and the
 * parcel's tracking page when the core knows the carrier. A row opens the product's sheet.
 */
@Composable
fun BoxScope.OrdersScreen(orders: OrdersViewModel, onOpen: OpenProduct) {
    val state by orders.state.collectAsState()
    if (!state.visible) return
    val platform = LocalPlatform.current
    Sheet(onDismiss = { orders.hide() }, modifier = Modifier.testTag(Tags.ORDERS)) {
        Column {
            Row(Modifier.fillMaxWidth().padding(16.dp), verticalAlignment = Alignment.CenterVertically) {
                Text(text("orders"), style = MaterialTheme.typography.titleLarge, modifier = Modifier.weight(1f))
                if (state.refreshing) Text(text("refreshing"), style = MaterialTheme.typography.labelSmall)
            }
            state.error?.let { Text(text(errorKey(it)), Modifier.padding(horizontal = 16.dp).testTag(Tags.ERROR), color = MaterialTheme.colorScheme.error) }
            if (state.orders.isEmpty() && !state.refreshing) Text(text("orders_empty"), Modifier.padding(24.dp))
            LazyColumn(Modifier.weight(1f, fill = false)) {
                itemsIndexed(state.orders, key = { _, o -> "${o.mallId}/${o.orderId}" }) { position, order ->
                    ListItem(
                        leadingContent = {
                            if (order.imageUrl.isNotEmpty()) Photo(order.imageUrl, null, null, 160, order.title, Modifier.width(64.dp))
                        },
                        overlineContent = { Text(order.mallName) },
                        headlineContent = { Text(order.title, maxLines = 2) },
                        supportingContent = {
                            Column(verticalArrangement = Arrangement.spacedBy(2.dp)) {
                                Text("${order.statusLabel} · ${order.total}", modifier = Modifier.testTag(Tags.orderStatus(order.orderId)))
                                val number = order.trackingNumber
                                if (number != null) Text("${order.carrier.orEmpty()} $number", style = MaterialTheme.typography.labelSmall)
                            }
                        },
                        trailingContent = {
                            order.trackingUrl?.let { url ->
                                TextButton(onClick = { platform.openLink(url) }, modifier = Modifier.testTag(Tags.track(order.orderId))) {
                                    Text(text("track_parcel"))
                                }
                            }
                        },
                        modifier = Modifier.testTag(Tags.order(order.orderId))
                            .clickable(enabled = order.productId.isNotEmpty()) { onOpen(order.productId, "orders", position) },
                    )
                }
            }
            if (state.orders.isNotEmpty()) {
                // Deleting cannot be undone (the server forgets too): a second tap confirms.
                var confirming by remember { mutableStateOf(false) }
                Row(Modifier.padding(8.dp), verticalAlignment = Alignment.CenterVertically) {
                    TextButton(onClick = { confirming = !confirming }, modifier = Modifier.testTag(Tags.DELETE_ORDERS)) {
                        Text(text("delete_order_history"))
                    }
                    if (confirming) {
                        TextButton(onClick = { confirming = false; orders.deleteHistory() }, modifier = Modifier.testTag(Tags.CONFIRM_DELETE_ORDERS)) {
                            Text(text("delete_order_history_confirm"), color = MaterialTheme.colorScheme.error)
                        }
                    }
                }
            }
        }
    }
}

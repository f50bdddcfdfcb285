package app.moa.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.ExperimentalLayoutApi
import androidx.compose.foundation.layout.FlowRow
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.width
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.grid.GridCells
import androidx.compose.foundation.lazy.grid.LazyVerticalGrid
import androidx.compose.foundation.lazy.grid.itemsIndexed
import androidx.compose.foundation.lazy.itemsIndexed
import androidx.compose.foundation.lazy.items
import androidx.compose.foundation.clickable
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.Button
import androidx.compose.material3.FilterChip
import androidx.compose.material3.ListItem
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Switch
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.collectAsState
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.saveable.rememberSaveable
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.text.input.PasswordVisualTransformation
import androidx.compose.ui.unit.dp
import app.moa.presentation.AccountViewModel
import app.moa.presentation.MallsViewModel
import app.moa.presentation.OnboardingViewModel
import app.moa.presentation.SearchViewModel
import app.moa.presentation.WishlistViewModel

@OptIn(ExperimentalLayoutApi::class)
@Composable
fun OnboardingScreen(onboarding: OnboardingViewModel, finished: () -> Unit) {
    val state by onboarding.state.collectAsState()
    LaunchedEffect(state.done) { if (state.done) finished() }
    Column(Modifier.verticalScroll(rememberScrollState()).padding(24.dp), verticalArrangement = Arrangement.spacedBy(12.dp)) {
        Text(text("onboarding_title"), style = MaterialTheme.typography.headlineSmall)
        // The core's words with the core's labels, in the shopper's language.
        val words = state.vocabulary
        FlowRow(horizontalArrangement = Arrangement.spacedBy(6.dp)) {
            words?.genders?.forEach { g ->
                FilterChip(selected = state.gender == g.word, onClick = { onboarding.chooseGender(g.word.takeIf { state.gender != it }) },
                    label = { Text(g.label) })
            }
        }
        Text(text("onboarding_age"), style = MaterialTheme.typography.titleSmall)
        FlowRow(horizontalArrangement = Arrangement.spacedBy(6.dp)) {
            words?.ageBands?.forEach { a ->
                FilterChip(selected = state.ageBand == a.word, onClick = { onboarding.chooseAgeBand(a.word.takeIf { state.ageBand != it }) },
                    label = { Text(a.label) })
            }
        }
        Text(text("onboarding_styles"), style = MaterialTheme.typography.titleSmall)
        FlowRow(horizontalArrangement = Arrangement.spacedBy(6.dp)) {
            words?.styles?.forEach { s ->
                FilterChip(selected = s.word in state.styles, onClick = { onboarding.toggleStyle(s.word) }, label = { Text(s.label) })
            }
        }
        Button(onClick = { onboarding.finish() }, modifier = Modifier.fillMaxWidth()) { Text(text("onboarding_done")) }
        TextButton(onClick = { onboarding.skip() }, modifier = Modifier.fillMaxWidth()) { Text(text("onboarding_skip")) }
    }
}

@Composable
fun SearchScreen(search: SearchViewModel, onOpen: OpenProduct) {
    val state by search.state.collectAsState()
    // The field keeps its own text (an IME composing Hangul must not wait on a round trip through
    // a StateFlow); each change is forwarded to the search.
    var query by rememberSaveable { mutableStateOf(state.text) }
    Column {
        OutlinedTextField(value = query, onValueChange = { query = it; search.search(it) }, singleLine = true,
            placeholder = { Text(text("search_hint")) }, modifier = Modifier.fillMaxWidth().padding(8.dp).testTag(Tags.SEARCH_FIELD))
        if (state.text.isNotBlank()) {
            Text(if (state.typoTolerant) text("search_typo") else text("search_count", state.countText), Modifier.padding(horizontal = 12.dp))
        }
        LazyVerticalGrid(columns = GridCells.Fixed(2)) {
            itemsIndexed(state.cards, key = { _, card -> card.productId }) { position, card ->
                ProductCard(card, 400, onOpen = { onOpen(card.productId, "search", position) },
                    onWish = { search.toggleWishlist(card) })
            }
        }
    }
}

@Composable
fun WishlistScreen(wishlist: WishlistViewModel, onOpen: OpenProduct) {
    val state by wishlist.state.collectAsState()
    // Read when shown; the view model reads again on every wishlist change the core reports.
    LaunchedEffect(Unit) { wishlist.load() }
    if (state.items.isEmpty()) Text(text("wishlist_empty"), Modifier.padding(24.dp))
    LazyColumn {
        itemsIndexed(state.items, key = { _, item -> item.productId }) { position, item ->
            ListItem(
                leadingContent = { Photo(item.imageUrl, null, null, 160, item.title, Modifier.width(72.dp)) },
                overlineContent = { Text(item.mallName) },
                headlineContent = { Text(item.title, maxLines = 2) },
                supportingContent = {
                    Text(if (!item.listed) text("delisted") else if (!item.inStock) text("sold_out") else item.priceText)
                },
                trailingContent = { TextButton(onClick = { wishlist.remove(item.productId) }) { Text(text("wishlist_remove")) } },
                modifier = Modifier.testTag(Tags.card(item.productId))
                    .clickable(enabled = item.listed) { onOpen(item.productId, "wishlist", position) },
            )
        }
    }
}

@Composable
fun MallsScreen(malls: MallsViewModel, onOpenMall: (String) -> Unit) {
    val state by malls.state.collectAsState()
    LaunchedEffect(Unit) { malls.load() }
    if (state.followed.isEmpty()) Text(text("malls_empty"), Modifier.padding(24.dp))
    LazyColumn {
        items(state.followed, key = { it.mallId }) { mall ->
            ListItem(
                // One of its popular products' photos (from the core), so the list is not just names.
                leadingContent = { mall.imageUrls.firstOrNull()?.let { Photo(it, 1f, null, 160, mall.name, Modifier.width(48.dp)) } },
                headlineContent = { Text(mall.name) },
                trailingContent = { OutlinedButton(onClick = { malls.setFollowed(mall.mallId, follow = false) }) { Text(text("unfollow")) } },
                modifier = Modifier.testTag(Tags.mall(mall.mallId)).clickable { onOpenMall(mall.mallId) },
            )
        }
    }
}

@Composable
fun SettingsScreen(account: AccountViewModel, onOrders: () -> Unit) {
    val state by account.state.collectAsState()
    LaunchedEffect(Unit) { account.load() }
    var username by rememberSaveable { mutableStateOf("") }
    var password by rememberSaveable { mutableStateOf("") }
    Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(12.dp)) {
        OutlinedButton(onClick = onOrders, modifier = Modifier.testTag(Tags.OPEN_ORDERS)) { Text(text("orders")) }
        Row {
            Text(text("consent"), Modifier.weight(1f))
            Switch(checked = state.eventConsent, onCheckedChange = { account.setEventConsent(it) },
                modifier = Modifier.testTag(Tags.CONSENT))
        }
        state.alerts?.let { alerts ->
            Text(text("nudges"), style = MaterialTheme.typography.labelLarge)
            listOf(
                Triple("viewed_cheaper", "nudge_viewed_cheaper", alerts.nudgeViewedCheaper),
                Triple("last_size", "nudge_last_size", alerts.nudgeLastSize),
                Triple("cart", "nudge_cart", alerts.nudgeCart),
            ).forEach { (nudge, label, on) ->
                Row {
                    Text(text(label), Modifier.weight(1f))
                    Switch(checked = on, onCheckedChange = { account.setNudge(nudge, it) }, modifier = Modifier.testTag(Tags.nudge(nudge)))
                }
            }
        }
        val signedIn = state.account
        if (signedIn != null) {
            Text(text("signed_in_as", signedIn.username))
            OutlinedButton(onClick = { account.signOut(keepOnDevice = false) }) { Text(text("sign_out")) }
            TextButton(onClick = { account.signOut(keepOnDevice = true) }) { Text(text("sign_out_keep")) }
            TextButton(onClick = { account.signOutEverywhere() }, enabled = !state.busy) { Text(text("sign_out_everywhere")) }
        } else {
            OutlinedTextField(username, { username = it }, label = { Text(text("username")) }, singleLine = true)
            OutlinedTextField(password, { password = it }, label = { Text(text("password")) }, singleLine = true,
                visualTransformation = PasswordVisualTransformation(), keyboardOptions = KeyboardOptions(keyboardType = KeyboardType.Password))
            Button(onClick = { account.signIn(username, password) }, enabled = !state.busy) { Text(text("sign_in")) }
        }
        state.error?.let { Text(text(errorKey(it)), color = MaterialTheme.colorScheme.error, modifier = Modifier.testTag(Tags.ERROR)) }
    }
}

package app.moa.android.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.ExperimentalLayoutApi
import androidx.compose.foundation.layout.FlowRow
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.grid.GridCells
import androidx.compose.foundation.lazy.grid.LazyVerticalGrid
import androidx.compose.foundation.lazy.grid.items
import androidx.compose.foundation.lazy.items
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
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.saveable.rememberSaveable
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.text.input.PasswordVisualTransformation
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import app.moa.android.R
import app.moa.presentation.AccountViewModel
import app.moa.presentation.MallsViewModel
import app.moa.presentation.OnboardingViewModel
import app.moa.presentation.SearchViewModel
import app.moa.presentation.WishlistViewModel

@OptIn(ExperimentalLayoutApi::class)
@Composable
fun OnboardingScreen(onboarding: OnboardingViewModel, finished: () -> Unit) {
    val state by onboarding.state.collectAsStateWithLifecycle()
    LaunchedEffect(state.done) { if (state.done) finished() }
    Column(Modifier.verticalScroll(rememberScrollState()).padding(24.dp), verticalArrangement = Arrangement.spacedBy(12.dp)) {
        Text(stringResource(R.string.onboarding_title), style = MaterialTheme.typography.headlineSmall)
        FlowRow(horizontalArrangement = Arrangement.spacedBy(6.dp)) {
            OnboardingViewModel.GENDERS.forEach { g ->
                FilterChip(selected = state.gender == g, onClick = { onboarding.chooseGender(g.takeIf { state.gender != it }) },
                    label = { Text(stringResource(wordRes(g))) })
            }
        }
        Text(stringResource(R.string.onboarding_age), style = MaterialTheme.typography.titleSmall)
        FlowRow(horizontalArrangement = Arrangement.spacedBy(6.dp)) {
            OnboardingViewModel.AGE_BANDS.forEach { a ->
                FilterChip(selected = state.ageBand == a, onClick = { onboarding.chooseAgeBand(a.takeIf { state.ageBand != it }) },
                    label = { Text(stringResource(wordRes(a))) })
            }
        }
        Text(stringResource(R.string.onboarding_styles), style = MaterialTheme.typography.titleSmall)
        FlowRow(horizontalArrangement = Arrangement.spacedBy(6.dp)) {
            OnboardingViewModel.STYLES.forEach { s ->
                FilterChip(selected = s in state.styles, onClick = { onboarding.toggleStyle(s) }, label = { Text(stringResource(wordRes(s))) })
            }
        }
        Button(onClick = { onboarding.finish() }, modifier = Modifier.fillMaxWidth()) { Text(stringResource(R.string.onboarding_done)) }
        TextButton(onClick = { onboarding.skip() }, modifier = Modifier.fillMaxWidth()) { Text(stringResource(R.string.onboarding_skip)) }
    }
}

@Composable
fun SearchScreen(search: SearchViewModel, onOpen: (String, String, Int) -> Unit) {
    val state by search.state.collectAsStateWithLifecycle()
    Column {
        OutlinedTextField(value = state.text, onValueChange = { search.search(it) }, singleLine = true,
            placeholder = { Text(stringResource(R.string.search_hint)) }, modifier = Modifier.fillMaxWidth().padding(8.dp))
        if (state.text.isNotBlank()) {
            Text(stringResource(if (state.typoTolerant) R.string.search_typo else R.string.search_count, state.countText), Modifier.padding(horizontal = 12.dp))
        }
        LazyVerticalGrid(columns = GridCells.Fixed(2)) {
            items(state.cards, key = { it.productId }) { card ->
                ProductCard(card, false, 400, onOpen = { onOpen(card.productId, "search", state.cards.indexOf(card)) }, onWish = {})
            }
        }
    }
}

@Composable
fun WishlistScreen(wishlist: WishlistViewModel, onOpen: (String, String, Int) -> Unit) {
    val state by wishlist.state.collectAsStateWithLifecycle()
    LaunchedEffect(Unit) { wishlist.load() }
    if (state.items.isEmpty()) Text(stringResource(R.string.wishlist_empty), Modifier.padding(24.dp))
    LazyColumn {
        items(state.items, key = { it.productId }) { item ->
            ListItem(
                leadingContent = { Photo(item.imageUrl, null, null, 160, item.title, Modifier.padding(2.dp).fillMaxWidth(0.25f)) },
                overlineContent = { Text(item.mallName) },
                headlineContent = { Text(item.title) },
                supportingContent = {
                    Text(if (!item.listed) stringResource(R.string.delisted) else if (!item.inStock) stringResource(R.string.sold_out) else item.priceText)
                },
                trailingContent = { TextButton(onClick = { wishlist.remove(item.productId) }) { Text(stringResource(R.string.wishlist_remove)) } },
                modifier = Modifier.padding(4.dp),
            )
            if (item.listed) TextButton(onClick = { onOpen(item.productId, "wishlist", state.items.indexOf(item)) }) { Text(item.title) }
        }
    }
}

@Composable
fun MallsScreen(malls: MallsViewModel) {
    val state by malls.state.collectAsStateWithLifecycle()
    LaunchedEffect(Unit) { malls.load() }
    LazyColumn {
        items(state.followed, key = { it.mallId }) { mall ->
            ListItem(headlineContent = { Text(mall.mallId) },
                trailingContent = { OutlinedButton(onClick = { malls.toggleFollow(mall.mallId) }) { Text(stringResource(R.string.unfollow)) } })
        }
    }
}

@Composable
fun SettingsScreen(account: AccountViewModel) {
    val state by account.state.collectAsStateWithLifecycle()
    LaunchedEffect(Unit) { account.load() }
    var username by rememberSaveable { mutableStateOf("") }
    var password by rememberSaveable { mutableStateOf("") }
    Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(12.dp)) {
        Row {
            Text(stringResource(R.string.consent), Modifier.weight(1f))
            Switch(checked = state.eventConsent, onCheckedChange = { account.setEventConsent(it) })
        }
        val signedIn = state.account
        if (signedIn != null) {
            Text(stringResource(R.string.signed_in_as, signedIn.username))
            OutlinedButton(onClick = { account.signOut(keepOnDevice = false) }) { Text(stringResource(R.string.sign_out)) }
            TextButton(onClick = { account.signOut(keepOnDevice = true) }) { Text(stringResource(R.string.sign_out_keep)) }
        } else {
            OutlinedTextField(username, { username = it }, label = { Text(stringResource(R.string.username)) }, singleLine = true)
            OutlinedTextField(password, { password = it }, label = { Text(stringResource(R.string.password)) }, singleLine = true,
                visualTransformation = PasswordVisualTransformation(), keyboardOptions = KeyboardOptions(keyboardType = KeyboardType.Password))
            Button(onClick = { account.signIn(username, password) }, enabled = !state.busy) { Text(stringResource(R.string.sign_in)) }
        }
        state.error?.let { Text(stringResource(errorRes(it)), color = MaterialTheme.colorScheme.error) }
    }
}

package app.moa.ui

import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.staggeredgrid.rememberLazyStaggeredGridState
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.Favorite
import androidx.compose.material.icons.filled.Home
import androidx.compose.material.icons.filled.Search
import androidx.compose.material.icons.filled.Settings
import androidx.compose.material.icons.filled.ShoppingCart
import androidx.compose.material3.Icon
import androidx.compose.material3.NavigationBar
import androidx.compose.material3.NavigationBarItem
import androidx.compose.material3.Scaffold
import androidx.compose.material3.Surface
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.CompositionLocalProvider
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableIntStateOf
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.saveable.rememberSaveable
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.vector.ImageVector
import androidx.compose.ui.platform.testTag
import app.moa.core.Moa
import app.moa.presentation.AccountViewModel
import app.moa.presentation.OrdersViewModel
import app.moa.presentation.HomeViewModel
import app.moa.presentation.MallPageViewModel
import app.moa.presentation.MallsViewModel
import app.moa.presentation.OnboardingViewModel
import app.moa.presentation.ProductViewModel
import app.moa.presentation.SearchViewModel
import app.moa.presentation.WishlistViewModel
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers

/**
 * The app's view models over one core, living as long as the app's screens (the Android app
 * keeps them in a ViewModel; the desktop window and the tests for the window's life). Hearts and
 * follows are the core's flags on what each screen shows, read again on the core's change notices.
 */
class MoaScreens(
    val moa: Moa,
    scope: CoroutineScope,
    io: kotlinx.coroutines.CoroutineDispatcher = Dispatchers.IO,
) : AutoCloseable {
    val onboarding = OnboardingViewModel(moa, scope, io)
    val home = HomeViewModel(moa, scope, io)
    val product = ProductViewModel(moa, scope, io)
    val search = SearchViewModel(moa, scope, io)
    val wishlist = WishlistViewModel(moa, scope, io)
    val malls = MallsViewModel(moa, scope, io)
    val mallPage = MallPageViewModel(moa, scope, io)
    val account = AccountViewModel(moa, scope, io)
    val orders = OrdersViewModel(moa, scope, io)

    /** Stops the view models' change notices. */
    override fun close() {
        listOf(home, search, wishlist, malls, mallPage, orders).forEach { it.close() }
        product.stopListening()
    }
}

enum class Tab(val label: String, val icon: ImageVector) {
    HOME("tab_home", Icons.Filled.Home),
    SEARCH("tab_search", Icons.Filled.Search),
    WISHLIST("tab_wishlist", Icons.Filled.Favorite),
    MALLS("tab_malls", Icons.Filled.ShoppingCart),
    SETTINGS("tab_settings", Icons.Filled.Settings),
}

/**
 * The whole app: onboarding on first launch, then five tabs with the product sheet over them.
 * Android's Activity and the desktop window both show exactly this.
 */
@Composable
fun MoaApp(screens: MoaScreens, platform: Platform) {
    CompositionLocalProvider(LocalPlatform provides platform) {
        Surface(Modifier.fillMaxSize()) { Screens(screens, platform) }
    }
}

@Composable
private fun Screens(screens: MoaScreens, platform: Platform) {
    var onboarding by remember { mutableStateOf(!platform.onboarded) }
    if (onboarding) {
        OnboardingScreen(screens.onboarding) {
            platform.onboarded = true
            onboarding = false
        }
        return
    }
    LaunchedEffect(Unit) { screens.home.ensureStarted() }
    var tab by rememberSaveable { mutableStateOf(Tab.HOME) }
    // Here, not in the home: the grid keeps its place while another tab is shown.
    val grid = rememberLazyStaggeredGridState()
    // Where the open sheet was opened from, for the click-out's attribution.
    var from by remember { mutableStateOf("home") }
    var position by remember { mutableIntStateOf(0) }
    val open: OpenProduct = { id, section, at ->
        from = section
        position = at
        screens.product.open(id)
    }
    val openMall: (String) -> Unit = { mallId -> screens.mallPage.open(mallId) }
    Box(Modifier.fillMaxSize()) {
        Scaffold(bottomBar = {
            NavigationBar {
                Tab.entries.forEach { t ->
                    NavigationBarItem(
                        selected = tab == t,
                        onClick = { tab = t },
                        icon = { Icon(t.icon, contentDescription = null) },
                        label = { Text(text(t.label)) },
                        modifier = Modifier.testTag("tab:${t.name.lowercase()}"),
                    )
                }
            }
        }) { padding ->
            Box(Modifier.padding(padding)) {
                when (tab) {
                    Tab.HOME -> HomeScreen(screens.home, screens.malls, grid, open, openMall)
                    Tab.SEARCH -> SearchScreen(screens.search, open)
                    Tab.WISHLIST -> WishlistScreen(screens.wishlist, open)
                    Tab.MALLS -> MallsScreen(screens.malls, openMall)
                    Tab.SETTINGS -> SettingsScreen(screens.account, onOrders = { screens.orders.show() })
                }
            }
        }
        // The mall page and the orders over the tabs, the product sheet over all.
        MallScreen(screens.mallPage, open)
        OrdersScreen(screens.orders, open)
        ProductSheetScreen(screens.product, from, position, openMall)
    }
}

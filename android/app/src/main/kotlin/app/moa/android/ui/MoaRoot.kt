package app.moa.android.ui

import androidx.compose.foundation.layout.padding
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
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.CompositionLocalProvider
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableIntStateOf
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.saveable.rememberSaveable
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.vector.ImageVector
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.res.stringResource
import androidx.navigation.compose.NavHost
import androidx.navigation.compose.composable
import androidx.navigation.compose.currentBackStackEntryAsState
import androidx.navigation.compose.rememberNavController
import app.moa.android.AppViewModel
import app.moa.android.MoaApplication
import app.moa.android.R

private data class Tab(val route: String, val label: Int, val icon: ImageVector)

private val TABS = listOf(
    Tab("home", R.string.tab_home, Icons.Filled.Home),
    Tab("search", R.string.tab_search, Icons.Filled.Search),
    Tab("wishlist", R.string.tab_wishlist, Icons.Filled.Favorite),
    Tab("malls", R.string.tab_malls, Icons.Filled.ShoppingCart),
    Tab("settings", R.string.tab_settings, Icons.Filled.Settings),
)

@Composable
fun MoaRoot(app: AppViewModel, openMall: (String) -> Unit) {
    val moa = (LocalContext.current.applicationContext as MoaApplication).moa
    val thumbnails: suspend (String, Int) -> String? = { url, width -> runCatching { moa.thumbnail(url, width.toUInt()).path }.getOrNull() }
    val nav = rememberNavController()
    val current by nav.currentBackStackEntryAsState()
    // Where the open sheet was opened from, for the click-out's attribution.
    var from by remember { mutableStateOf("home") }
    var position by remember { mutableIntStateOf(0) }
    var onboarding by rememberSaveable { mutableStateOf(app.needsOnboarding) }
    val open: (String, String, Int) -> Unit = { id, section, at ->
        from = section
        position = at
        app.product.open(id)
    }

    CompositionLocalProvider(LocalThumbnails provides thumbnails) {
        if (onboarding) {
            OnboardingScreen(app.onboarding) {
                app.onboarded()
                onboarding = false
                app.home.start()
            }
            return@CompositionLocalProvider
        }
        Scaffold(bottomBar = {
            NavigationBar {
                TABS.forEach { tab ->
                    NavigationBarItem(
                        selected = current?.destination?.route == tab.route,
                        onClick = { nav.navigate(tab.route) { launchSingleTop = true; popUpTo("home") } },
                        icon = { Icon(tab.icon, contentDescription = null) },
                        label = { Text(stringResource(tab.label)) },
                    )
                }
            }
        }) { padding ->
            NavHost(nav, startDestination = "home", modifier = Modifier.padding(padding)) {
                composable("home") { HomeScreen(app.home, open) }
                composable("search") { SearchScreen(app.search, open) }
                composable("wishlist") { WishlistScreen(app.wishlist, open) }
                composable("malls") { MallsScreen(app.malls) }
                composable("settings") { SettingsScreen(app.account) }
            }
            ProductSheetScreen(app.product, from, position, openMall)
        }
    }
}

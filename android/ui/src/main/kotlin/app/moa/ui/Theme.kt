package app.moa.ui

import androidx.compose.foundation.isSystemInDarkTheme
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.darkColorScheme
import androidx.compose.material3.lightColorScheme
import androidx.compose.runtime.Composable
import androidx.compose.ui.graphics.Color

private val Light = lightColorScheme(primary = Color(0xFF111111), secondary = Color(0xFFE0245E), tertiary = Color(0xFF0A7C59))
private val Dark = darkColorScheme(primary = Color(0xFFF2F2F2), secondary = Color(0xFFFF5C8A), tertiary = Color(0xFF4CC9A0))

@Composable
fun MoaTheme(dark: Boolean = isSystemInDarkTheme(), content: @Composable () -> Unit) {
    MaterialTheme(colorScheme = if (dark) Dark else Light, content = content)
}

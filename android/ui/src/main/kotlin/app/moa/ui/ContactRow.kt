package app.moa.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.ExperimentalLayoutApi
import androidx.compose.foundation.layout.FlowRow
import androidx.compose.foundation.layout.padding
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.unit.dp
import app.moa.core.ContactOption

/**
 * "문의하기": the core's ways to ask the mall (a KakaoTalk chat, Channel Talk, a call, an email
 * with the product written in), each opened as the core gave it, and when the mall answers.
 */
@OptIn(ExperimentalLayoutApi::class)
@Composable
fun ContactRow(options: List<ContactOption>, hours: String?) {
    if (options.isEmpty()) return
    val platform = LocalPlatform.current
    Column(Modifier.padding(top = 12.dp)) {
        Text(text("ask_the_mall"), style = MaterialTheme.typography.labelLarge)
        FlowRow(horizontalArrangement = Arrangement.spacedBy(6.dp)) {
            options.forEach { option ->
                OutlinedButton(onClick = { platform.openLink(option.url) }, modifier = Modifier.testTag(Tags.contact(option.kind.name.lowercase()))) {
                    Text(option.label)
                }
            }
        }
        hours?.let { Text(it, style = MaterialTheme.typography.labelSmall, color = MaterialTheme.colorScheme.outline) }
    }
}

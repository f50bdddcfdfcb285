package app.moa.android

import android.app.Application
import android.app.NotificationChannel
import android.app.NotificationManager
import android.app.PendingIntent
import android.content.Context
import android.content.Intent
import androidx.core.app.NotificationCompat
import androidx.core.app.NotificationManagerCompat
import androidx.work.Constraints
import androidx.work.ExistingPeriodicWorkPolicy
import androidx.work.NetworkType
import androidx.work.PeriodicWorkRequestBuilder
import androidx.work.WorkManager
import app.moa.core.Alert
import app.moa.core.AlertKind
import app.moa.core.AlertListener
import app.moa.core.Moa
import app.moa.core.MoaConfig
import java.util.Locale
import java.util.UUID
import java.util.concurrent.TimeUnit

/** Opens the one core for the process, and wires the platform's parts into it. */
class MoaApplication : Application() {
    lateinit var moa: Moa
        private set

    override fun onCreate() {
        super.onCreate()
        moa = Moa.open(
            MoaConfig(
                dataDir = filesDir.resolve("moa").path,
                serverUrl = BuildConfig.MOA_SERVER_URL,
                locale = Locale.getDefault().toLanguageTag(),
                installId = installId(),
                requestTimeoutMs = 15_000uL,
                // The phone holds its segment's working set, within a budget; search reaches
                // the whole catalog when online.
                workingSet = true,
                cacheBudgetBytes = 64uL * 1024uL * 1024uL,
            ),
        )
        moa.setSecretStore(KeystoreSecretStore(this))
        createNotificationChannel()
        // The core decides which alerts are due (digest, quiet hours, daily cap); this only shows them.
        moa.setAlertListener(object : AlertListener {
            override fun onAlerts(alerts: List<Alert>) = alerts.forEach(::notify)
        })
        WorkManager.getInstance(this).enqueueUniquePeriodicWork(
            "catalog-sync",
            ExistingPeriodicWorkPolicy.KEEP,
            PeriodicWorkRequestBuilder<SyncWorker>(6, TimeUnit.HOURS)
                .setConstraints(Constraints.Builder().setRequiredNetworkType(NetworkType.CONNECTED).build())
                .build(),
        )
    }

    /** A random id for this install (no device identifiers). */
    private fun installId(): String {
        val prefs = getSharedPreferences("moa", Context.MODE_PRIVATE)
        return prefs.getString("install_id", null) ?: UUID.randomUUID().toString().also {
            prefs.edit().putString("install_id", it).apply()
        }
    }

    private fun createNotificationChannel() {
        val channel = NotificationChannel(ALERTS, getString(R.string.notification_channel), NotificationManager.IMPORTANCE_DEFAULT)
        getSystemService(NotificationManager::class.java).createNotificationChannel(channel)
    }

    private fun notify(alert: Alert) {
        // A tap opens the product the alert is about, or the orders for an order's news.
        val open = Intent(this, MainActivity::class.java)
            .putExtra(MainActivity.EXTRA_PRODUCT, alert.productId)
            .putExtra(MainActivity.EXTRA_ORDERS, alert.kind == AlertKind.ORDER_UPDATE)
            .putExtra(MainActivity.EXTRA_ALERT, alert.alertId)
            .addFlags(Intent.FLAG_ACTIVITY_SINGLE_TOP or Intent.FLAG_ACTIVITY_CLEAR_TOP)
        val tap = PendingIntent.getActivity(
            this, alert.alertId.toInt(), open, PendingIntent.FLAG_UPDATE_CURRENT or PendingIntent.FLAG_IMMUTABLE,
        )
        val notification = NotificationCompat.Builder(this, ALERTS)
            .setSmallIcon(android.R.drawable.star_on)
            .setContentTitle(alert.title)
            .setContentText(alert.body)
            .setContentIntent(tap)
            .setAutoCancel(true)
            .build()
        runCatching { NotificationManagerCompat.from(this).notify(alert.alertId.toInt(), notification) }
    }

    companion object {
        const val ALERTS = "alerts"
    }
}

package app.moa.android

import android.content.Context
import androidx.work.CoroutineWorker
import androidx.work.WorkerParameters
import app.moa.core.MoaException

/** Periodic background sync: the catalog, the account's lists, and the alerts that are due. */
class SyncWorker(context: Context, params: WorkerParameters) : CoroutineWorker(context, params) {
    override suspend fun doWork(): Result {
        val moa = (applicationContext as MoaApplication).moa
        return try {
            moa.sync(null, null)
            if (moa.account() != null) runCatching { moa.syncAccount() }
            // Behaviour events leave the device only with consent; the core checks it.
            runCatching { moa.uploadEvents() }
            moa.deliverAlerts()
            Result.success()
        } catch (e: MoaException) {
            if (e is MoaException.Offline || e is MoaException.Timeout || e is MoaException.Network) Result.retry()
            else Result.failure()
        }
    }
}

package app.moa.android

import android.content.Context
import androidx.security.crypto.EncryptedSharedPreferences
import androidx.security.crypto.MasterKey
import app.moa.core.SecretStore

/**
 * The session token lives here, encrypted with a key the Android Keystore holds; the core never
 * writes it to its database or logs.
 */
class KeystoreSecretStore(context: Context) : SecretStore {
    private val prefs = EncryptedSharedPreferences.create(
        context,
        "moa-secrets",
        MasterKey.Builder(context).setKeyScheme(MasterKey.KeyScheme.AES256_GCM).build(),
        EncryptedSharedPreferences.PrefKeyEncryptionScheme.AES256_SIV,
        EncryptedSharedPreferences.PrefValueEncryptionScheme.AES256_GCM,
    )

    override fun save(key: String, secret: String) = prefs.edit().putString(key, secret).apply()
    override fun load(key: String): String? = prefs.getString(key, null)
    override fun delete(key: String) = prefs.edit().remove(key).apply()
}

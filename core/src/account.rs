//! Accounts: signing in and out, the secret store that alone holds the session token, and the
//! account sync that sends the outbox of list operations and brings the account's lists back.
//!
//! The token lives in the platform's secret store (Android Keystore, iOS Keychain) behind the
//! [`SecretStore`] callback. The core keeps it in memory only for the call that needs it: never in
//! SQLite, never in an error message or a log line.

use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

use crate::changes::ChangeKind;
use crate::error::{Error, Result};
use crate::parts::Parts;
use crate::store::{blocking, Store};
use moa_protocol::wire::{ListKind, ListOpBatch, SignIn, MAX_LIST_OP_BATCH};

/// Where the apps keep secrets: the Android Keystore, the iOS Keychain.
pub trait SecretStore: Send + Sync {
    fn save(&self, key: String, secret: String);
    fn load(&self, key: String) -> Option<String>;
    fn delete(&self, key: String);
}

/// The secret store's key for the session token.
pub const TOKEN_KEY: &str = "moa.session-token";
/// The settings key of the signed-in account (its id and name; not secret).
const ACCOUNT_SETTING: &str = "account";

/// The account this device is signed in to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub account_id: String,
    pub username: String,
    /// False when the session ended (expired, revoked): the app asks the shopper to sign in again.
    #[serde(skip)]
    pub session_valid: bool,
}

/// What an account sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AccountSyncReport {
    /// Operations sent (duplicates and superseded ones included).
    pub sent: u64,
    /// Operations the server already had (a retry after a lost answer).
    pub duplicates: u64,
    /// Operations another device (or the guest's past) had already overtaken.
    pub superseded: u64,
    /// False when the shopper kept changing the lists during the sync: the device's lists are
    /// theirs and the next sync brings the account's back.
    pub pulled: bool,
    pub wishlist: u64,
    pub followed_malls: u64,
}

/// What signing out did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SignOutReport {
    /// Changes that could not reach the account before signing out (offline); with
    /// `keep_on_device` they stay as the guest's.
    pub unsent: u64,
}

/// The shopper's account on this device: the platform's secret store (the session token lives
/// there and only there) and the one account sync that may run at a time.
#[derive(Default)]
pub(crate) struct Accounts {
    secrets: Mutex<Option<Arc<dyn SecretStore>>>,
    one_sync_at_a_time: tokio::sync::Mutex<()>,
}

impl Accounts {
    /// Give the core the platform's secret store. Without one, signing in is refused.
    pub fn set_secret_store(&self, store: Arc<dyn SecretStore>) {
        *self.secrets.lock().unwrap_or_else(|e| e.into_inner()) = Some(store);
    }

    fn secret_store(&self) -> Result<Arc<dyn SecretStore>> {
        self.secrets
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
            .ok_or_else(|| Error::InvalidInput("no secret store: the app must provide one before signing in".into()))
    }

    /// The signed-in account, if any.
    pub fn account(&self, store: &Store) -> Result<Option<Account>> {
        let Some(json) = store.guard(store.setting(ACCOUNT_SETTING))? else { return Ok(None) };
        let Ok(mut account) = serde_json::from_str::<Account>(&json) else { return Ok(None) };
        account.session_valid = self.secret_store().ok().and_then(|s| s.load(TOKEN_KEY.into())).is_some();
        Ok(Some(account))
    }

    /// Sign in. The guest's wishlist and follows join the account (a later remove wins over an
    /// earlier add of the same item), and the device then shows the account's lists. If that
    /// first account sync fails (the network went), sign-in still holds and the next sync does it.
    pub async fn sign_in(&self, parts: &Parts, username: &str, password: &str) -> Result<Account> {
        let api = parts.api()?;
        let secrets = self.secret_store()?;
        let stored = parts.guard(blocking(&parts.store, |s| s.setting(ACCOUNT_SETTING)).await)?;
        if let Some(current) = stored.and_then(|json: String| serde_json::from_str::<Account>(&json).ok()) {
            // Re-entering the password after a session ended is fine; another account is not:
            // the outbox holds this account's changes, which must not land in the other.
            if current.username != username {
                return Err(Error::InvalidInput(format!(
                    "signed in as {}; sign out before signing in to another account",
                    current.username
                )));
            }
        }
        let session = api
            .sign_in(&SignIn { username: username.into(), password: password.into() }, &CancellationToken::new())
            .await?;
        secrets.save(TOKEN_KEY.into(), session.token);
        let account = Account { account_id: session.account_id, username: session.username, session_valid: true };
        let json = serde_json::to_string(&account).map_err(|e| Error::Internal(e.to_string()))?;
        parts.guard(blocking(&parts.store, move |s| s.set_setting(ACCOUNT_SETTING, &json)).await)?;
        match self.sync(parts).await {
            Ok(_) | Err(Error::Offline(_) | Error::Timeout | Error::Network(_) | Error::Server { .. }) => Ok(account),
            Err(e) => Err(e),
        }
    }

    /// Send the outbox (in order, in batches; the server ignores what it already has), then make
    /// the device's lists the account's. Safe to call any time, and after any crash.
    pub async fn sync(&self, parts: &Parts) -> Result<AccountSyncReport> {
        let api = parts.api()?;
        let _one_at_a_time = self.one_sync_at_a_time.lock().await;
        let signed_in = parts.guard(blocking(&parts.store, |s| s.setting(ACCOUNT_SETTING)).await)?.is_some();
        let token = self.token(signed_in)?;
        let cancel = CancellationToken::new();
        let mut report = AccountSyncReport::default();
        let store = Arc::clone(&parts.store);
        // A shopper tapping 찜 during the sync adds to the outbox; send again, a few times at most.
        for _ in 0..3 {
            for list in [ListKind::Wishlist, ListKind::Follows] {
                loop {
                    let pending =
                        store.guard(blocking(&store, move |s| s.pending_list_ops(list, MAX_LIST_OP_BATCH)).await)?;
                    if pending.is_empty() {
                        break;
                    }
                    let (ids, ops): (Vec<i64>, Vec<_>) = pending.into_iter().unzip();
                    let batch = ListOpBatch { ops };
                    let result = self.session(api.post_list_ops(list, &batch, &token, &cancel).await)?;
                    store.guard(blocking(&store, move |s| s.ack_list_ops(&ids)).await)?;
                    report.sent += batch.ops.len() as u64;
                    report.duplicates += result.duplicates;
                    report.superseded += result.superseded;
                }
            }
            let wishlist = self.session(api.account_list(ListKind::Wishlist, &token, &cancel).await)?;
            let follows = self.session(api.account_list(ListKind::Follows, &token, &cancel).await)?;
            let (w, f) = (wishlist.items.len() as u64, follows.items.len() as u64);
            if store.guard(blocking(&store, move |s| s.replace_lists(&wishlist, &follows)).await)? {
                report.pulled = true;
                report.wishlist = w;
                report.followed_malls = f;
                parts.changes.notify(ChangeKind::Wishlist);
                parts.changes.notify(ChangeKind::FollowedMalls);
                parts.forget_feed_session();
                break;
            }
        }
        Ok(report)
    }

    /// Sign out. What could still be sent is sent first; the token is revoked and forgotten.
    /// With `keep_on_device` the wishlist and follows stay as the guest's own (and join the
    /// next account signed in to); without, they leave the device.
    pub async fn sign_out(&self, parts: &Parts, keep_on_device: bool) -> Result<SignOutReport> {
        let secrets = self.secret_store()?;
        if let (Ok(api), Some(token)) = (parts.api(), secrets.load(TOKEN_KEY.into())) {
            // Best effort: offline, the changes stay unsent and the report says how many.
            let _ = self.sync(parts).await;
            let _ = api.sign_out(&token, &CancellationToken::new()).await;
        }
        self.forget_here(parts, keep_on_device).await
    }

    /// Sign out on every device of the account (a lost phone): the server ends all its
    /// sessions, then this device signs out keeping the wishlist and follows as the guest's —
    /// the shopper is holding it; it is the other devices that must lose the account. Unlike a
    /// plain sign out it needs the server: offline, nothing changes and the error says so.
    pub async fn sign_out_everywhere(&self, parts: &Parts) -> Result<SignOutReport> {
        let api = parts.api()?;
        let signed_in = parts.guard(blocking(&parts.store, |s| s.setting(ACCOUNT_SETTING)).await)?.is_some();
        let token = self.token(signed_in)?;
        // This device's changes reach the account before its sessions end.
        let _ = self.sync(parts).await;
        self.session(api.sign_out_everywhere(&token, &CancellationToken::new()).await)?;
        self.forget_here(parts, true).await
    }

    /// The device's part of signing out: the token goes, the lists stay only if asked.
    async fn forget_here(&self, parts: &Parts, keep_on_device: bool) -> Result<SignOutReport> {
        let secrets = self.secret_store()?;
        let unsent = parts.guard(blocking(&parts.store, |s| s.unsent_list_ops()).await)?;
        let report = SignOutReport { unsent };
        secrets.delete(TOKEN_KEY.into());
        parts.guard(
            blocking(&parts.store, move |s| {
                s.forget_account(keep_on_device)?;
                s.delete_setting(ACCOUNT_SETTING)
            })
            .await,
        )?;
        parts.changes.notify(ChangeKind::Wishlist);
        parts.changes.notify(ChangeKind::FollowedMalls);
        parts.changes.notify(ChangeKind::Feed);
        Ok(report)
    }

    fn token(&self, signed_in: bool) -> Result<String> {
        if !signed_in {
            return Err(Error::Unauthorized("not signed in".into()));
        }
        self.secret_store()?
            .load(TOKEN_KEY.into())
            .ok_or_else(|| Error::Unauthorized("the session ended; sign in again".into()))
    }

    /// A session the server no longer knows is forgotten, so the app asks to sign in again;
    /// the lists and the outbox stay.
    fn session<T>(&self, result: Result<T>) -> Result<T> {
        if let Err(Error::Unauthorized(_)) = &result {
            if let Ok(secrets) = self.secret_store() {
                secrets.delete(TOKEN_KEY.into());
            }
        }
        result
    }
}

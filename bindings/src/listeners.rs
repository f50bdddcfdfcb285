//! What the apps implement for the core to call (sync progress, changes, the secret store,
//! alerts, the clock), the bridges that adapt them to the core's traits, and the handles that
//! stop a listener or a sync.

use std::sync::{Arc, Mutex};

use moa_ffi_macros::export;

use crate::records::*;

/// Implemented by the app: hears sync progress after each committed page, on a core thread.
#[uniffi::export(with_foreign)]
pub trait SyncProgressListener: Send + Sync {
    fn on_progress(&self, progress: SyncProgress);
}

/// Implemented by the app: hears batches of changes (feed, wishlist, followed malls) on a core
/// thread; re-read the named parts on the UI thread.
#[uniffi::export(with_foreign)]
pub trait ChangeListener: Send + Sync {
    fn on_changes(&self, changes: Vec<ChangeKind>);
}

/// Implemented by the app with the Android Keystore / iOS Keychain: the only place the session
/// token is kept. Called on core threads.
#[uniffi::export(with_foreign)]
pub trait SecretStore: Send + Sync {
    fn save(&self, key: String, secret: String);
    fn load(&self, key: String) -> Option<String>;
    fn delete(&self, key: String);
}

/// Implemented by the app: turns due alerts into notifications (called on a core thread).
#[uniffi::export(with_foreign)]
pub trait AlertListener: Send + Sync {
    fn on_alerts(&self, alerts: Vec<Alert>);
}

pub(crate) struct ClockBridge(pub(crate) Arc<dyn MoaClock>);

impl moa_core::Clock for ClockBridge {
    fn now_ms(&self) -> i64 {
        self.0.now_ms()
    }
}

pub(crate) struct SecretBridge(pub(crate) Arc<dyn SecretStore>);

impl moa_core::SecretStore for SecretBridge {
    fn save(&self, key: String, secret: String) {
        self.0.save(key, secret)
    }
    fn load(&self, key: String) -> Option<String> {
        self.0.load(key)
    }
    fn delete(&self, key: String) {
        self.0.delete(key)
    }
}

pub(crate) struct AlertBridge(pub(crate) Arc<dyn AlertListener>);

impl moa_core::AlertListener for AlertBridge {
    fn on_alerts(&self, alerts: Vec<moa_core::Alert>) {
        self.0.on_alerts(alerts.into_iter().map(alert).collect());
    }
}

pub(crate) fn alert(a: moa_core::Alert) -> Alert {
    Alert {
        alert_id: a.alert_id,
        kind: match a.kind {
            moa_core::AlertKind::PriceDrop => AlertKind::PriceDrop,
            moa_core::AlertKind::BackInStock => AlertKind::BackInStock,
            moa_core::AlertKind::SaleEnding => AlertKind::SaleEnding,
            moa_core::AlertKind::OrderUpdate => AlertKind::OrderUpdate,
            moa_core::AlertKind::ViewedCheaper => AlertKind::ViewedCheaper,
            moa_core::AlertKind::LastSize => AlertKind::LastSize,
            moa_core::AlertKind::CartReminder => AlertKind::CartReminder,
        },
        product_id: a.product_id,
        variant_id: a.variant_id,
        title: a.title,
        body: a.body,
        image_url: a.image_url,
        created_ms: a.created_ms,
    }
}

/// A live listener registration. Deliveries stop when it is cancelled or released.
#[derive(uniffi::Object)]
pub struct ListenerHandle {
    pub(crate) subscription: Mutex<Option<moa_core::Subscription>>,
}

#[export]
impl ListenerHandle {
    pub fn cancel(&self) {
        self.subscription.lock().unwrap_or_else(|e| e.into_inner()).take();
    }
}

/// Lets the app stop a running sync between pages (a "stop" button, leaving the screen).
#[derive(uniffi::Object)]
pub struct SyncCancellation {
    pub(crate) token: moa_core::CancellationToken,
}

#[export]
impl SyncCancellation {
    #[uniffi::constructor]
    pub fn new() -> Arc<Self> {
        Arc::new(SyncCancellation { token: moa_core::CancellationToken::new() })
    }

    pub fn cancel(&self) {
        self.token.cancel();
    }

    pub fn is_cancelled(&self) -> bool {
        self.token.is_cancelled()
    }
}

pub(crate) struct ProgressBridge(pub(crate) Arc<dyn SyncProgressListener>);

impl moa_core::SyncListener for ProgressBridge {
    fn on_progress(&self, p: moa_core::SyncProgress) {
        self.0.on_progress(SyncProgress {
            pages: p.pages,
            products: p.products,
            skipped: p.skipped,
            bytes: p.bytes,
            cursor: p.cursor,
        });
    }
}

pub(crate) struct ChangeBridge(pub(crate) Arc<dyn ChangeListener>);

impl moa_core::ChangeListener for ChangeBridge {
    fn on_changes(&self, changes: Vec<moa_core::ChangeKind>) {
        self.0.on_changes(
            changes
                .into_iter()
                .map(|c| match c {
                    moa_core::ChangeKind::Feed => ChangeKind::Feed,
                    moa_core::ChangeKind::Wishlist => ChangeKind::Wishlist,
                    moa_core::ChangeKind::FollowedMalls => ChangeKind::FollowedMalls,
                    moa_core::ChangeKind::Orders => ChangeKind::Orders,
                })
                .collect(),
        );
    }
}

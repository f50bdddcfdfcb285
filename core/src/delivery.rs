//! Alerts handed to the app's listener when they are due (the store decides which are, by the
//! shopper's policy). The listener is app code: from async code it is called on a blocking
//! thread, never on the runtime's workers.

use std::sync::{Arc, Mutex};

use crate::alerts::{Alert, AlertListener};
use crate::error::Result;
use crate::parts::Parts;
use crate::store::blocking;

#[derive(Default)]
pub(crate) struct AlertDelivery {
    listener: Mutex<Option<Arc<dyn AlertListener>>>,
}

impl AlertDelivery {
    pub fn set_listener(&self, listener: Option<Arc<dyn AlertListener>>) {
        *self.listener.lock().unwrap_or_else(|e| e.into_inner()) = listener;
    }

    fn listener(&self) -> Option<Arc<dyn AlertListener>> {
        self.listener.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The alerts due at `now_ms`, marked delivered and handed to the listener (on this thread:
    /// the caller is the app's own background work).
    pub fn deliver_at(&self, parts: &Parts, now_ms: i64) -> Result<Vec<Alert>> {
        let due = parts.guard(parts.store.take_due_alerts(now_ms, parts.locale))?;
        if let (Some(listener), false) = (self.listener(), due.is_empty()) {
            listener.on_alerts(due.clone());
        }
        Ok(due)
    }

    /// After a sync: the alerts it found go out now if the shopper's settings say so (otherwise
    /// they wait for the digest). The store and the listener run off the async workers.
    pub async fn deliver_after_sync(&self, parts: &Parts) -> Result<()> {
        let Some(listener) = self.listener() else { return Ok(()) };
        let (now_ms, locale) = (parts.now_ms(), parts.locale);
        let due = parts.guard(blocking(&parts.store, move |s| s.take_due_alerts(now_ms, locale)).await)?;
        if !due.is_empty() {
            let _ = tokio::task::spawn_blocking(move || listener.on_alerts(due)).await;
        }
        Ok(())
    }
}

//! Telling the apps what changed, so screens refresh without polling: the feed after a sync,
//! the wishlist and followed malls after an edit. A listener gets batches: a burst of changes
//! (a sync of many pages, a merge of many wishlist items) arrives as one call.

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use tokio::sync::broadcast::{self, error::RecvError, error::TryRecvError};
use tokio::task::JoinHandle;

use crate::runtime::runtime;

/// What changed; the app re-reads that part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum ChangeKind {
    /// The catalog or the shopper's signals changed: the home feed should be read again.
    Feed,
    Wishlist,
    FollowedMalls,
    /// The shopper's orders across malls changed (issue #21).
    Orders,
}

const ALL: [ChangeKind; 4] = [ChangeKind::Feed, ChangeKind::Wishlist, ChangeKind::FollowedMalls, ChangeKind::Orders];

/// How long a batch collects changes after the first one: short enough to feel instant, long
/// enough that a burst costs the app one refresh.
const BATCH_WINDOW: Duration = Duration::from_millis(30);

/// Receives batches of changes, on a core thread (never the app's main thread): hand the work
/// to the UI thread and return.
pub trait ChangeListener: Send + Sync {
    fn on_changes(&self, changes: Vec<ChangeKind>);
}

pub(crate) struct ChangeHub {
    tx: broadcast::Sender<ChangeKind>,
}

/// A live subscription; dropping it stops the deliveries.
pub struct Subscription {
    task: JoinHandle<()>,
}

impl Subscription {
    pub fn cancel(&self) {
        self.task.abort();
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl ChangeHub {
    pub(crate) fn new() -> Self {
        ChangeHub { tx: broadcast::channel(256).0 }
    }

    pub(crate) fn notify(&self, kind: ChangeKind) {
        // No subscriber is not an error: nobody is looking.
        let _ = self.tx.send(kind);
    }

    pub(crate) fn subscribe(&self, listener: Arc<dyn ChangeListener>) -> Subscription {
        let mut rx = self.tx.subscribe();
        let task = runtime().spawn(async move {
            loop {
                let mut batch = match rx.recv().await {
                    Ok(kind) => vec![kind],
                    // Missed some: say everything changed rather than guess.
                    Err(RecvError::Lagged(_)) => ALL.to_vec(),
                    Err(RecvError::Closed) => return,
                };
                tokio::time::sleep(BATCH_WINDOW).await;
                loop {
                    match rx.try_recv() {
                        Ok(kind) => batch.push(kind),
                        Err(TryRecvError::Lagged(_)) => batch.extend(ALL),
                        Err(TryRecvError::Empty) | Err(TryRecvError::Closed) => break,
                    }
                }
                batch.sort();
                batch.dedup();
                let listener = Arc::clone(&listener);
                // The app's callback may be slow (Kotlin, Swift): never on the runtime's workers.
                let _ = tokio::task::spawn_blocking(move || listener.on_changes(batch)).await;
            }
        });
        Subscription { task }
    }
}

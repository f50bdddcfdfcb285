//! Behaviour events leave the device only with the shopper's consent, in batches, idempotent
//! by event id (the server counts each once).

use std::sync::Arc;

use moa_protocol::wire::{EventBatch, UploadedEvent, MAX_EVENT_BATCH};
use tokio_util::sync::CancellationToken;

use crate::error::Result;
use crate::parts::Parts;
use crate::store::blocking;

/// What an event upload did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct UploadReport {
    /// False: the shopper has not consented, and nothing was sent.
    pub consent: bool,
    pub sent: u64,
    /// Events the server already had (a retried batch).
    pub duplicates: u64,
}

/// Send the events not yet sent (without consent: nothing, and the report says so).
pub(crate) async fn upload_events(parts: &Parts) -> Result<UploadReport> {
    let api = parts.api()?;
    let consent = parts.guard(blocking(&parts.store, |s| s.event_consent()).await)?;
    let mut report = UploadReport { consent, ..Default::default() };
    if !report.consent {
        return Ok(report);
    }
    let cancel = CancellationToken::new();
    loop {
        let store = Arc::clone(&parts.store);
        let pending = parts.guard(blocking(&store, |s| s.pending_events(MAX_EVENT_BATCH)).await)?;
        if pending.is_empty() {
            return Ok(report);
        }
        let (ids, events): (Vec<i64>, Vec<UploadedEvent>) = pending.into_iter().unzip();
        let batch = EventBatch { install_id: parts.config.install_id.clone(), events };
        let result = api.post_events(&batch, &cancel).await?;
        parts.guard(blocking(&store, move |s| s.mark_uploaded(&ids)).await)?;
        report.sent += batch.events.len() as u64;
        report.duplicates += result.duplicates;
    }
}

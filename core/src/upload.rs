//! Behaviour events leave the device only with the shopper's consent, in batches, idempotent
//! by event id (the server counts each once), under the install id and key the server gave this
//! install (kept with the shopper's settings, so they survive a recovered store).

use std::sync::Arc;

use moa_protocol::wire::{EventBatch, InstallCredential, UploadedEvent, MAX_EVENT_BATCH};
use tokio_util::sync::CancellationToken;

use crate::api::ApiClient;
use crate::error::{Error, Result};
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
    let mut credential = None;
    loop {
        let store = Arc::clone(&parts.store);
        let pending = parts.guard(blocking(&store, |s| s.pending_events(MAX_EVENT_BATCH)).await)?;
        if pending.is_empty() {
            return Ok(report);
        }
        if credential.is_none() {
            credential = Some(install_credential(parts, api, &cancel).await?);
        }
        let install = credential.as_ref().expect("set above");
        let (ids, events): (Vec<i64>, Vec<UploadedEvent>) = pending.into_iter().unzip();
        let mut batch = EventBatch { install_id: install.install_id.clone(), events, sent_at_ms: Some(parts.now_ms()) };
        let result = match api.post_events(&batch, &install.key, &cancel).await {
            // The server does not know this install (its database was replaced, or the key is
            // from another server): register again, and send the same batch under the new one.
            Err(Error::Server { status: 401, .. }) => {
                parts.guard(blocking(&store, |s| s.delete_setting(INSTALL_CREDENTIAL)).await)?;
                let fresh = install_credential(parts, api, &cancel).await?;
                batch.install_id = fresh.install_id.clone();
                let result = api.post_events(&batch, &fresh.key, &cancel).await?;
                credential = Some(fresh);
                result
            }
            other => other?,
        };
        parts.guard(blocking(&store, move |s| s.mark_uploaded(&ids)).await)?;
        report.sent += batch.events.len() as u64;
        report.duplicates += result.duplicates;
    }
}

/// The settings key of this install's credential (JSON [`InstallCredential`]).
const INSTALL_CREDENTIAL: &str = "install_credential";

/// The install's credential: the one kept, or a new one from the server (then kept).
pub(crate) async fn install_credential(
    parts: &Parts,
    api: &ApiClient,
    cancel: &CancellationToken,
) -> Result<InstallCredential> {
    let kept = parts.guard(blocking(&parts.store, |s| s.setting(INSTALL_CREDENTIAL)).await)?;
    if let Some(credential) = kept.and_then(|json| serde_json::from_str(&json).ok()) {
        return Ok(credential);
    }
    let credential = api.register_install(cancel).await?;
    let json = serde_json::to_string(&credential).expect("two strings make JSON");
    parts.guard(blocking(&parts.store, move |s| s.set_setting(INSTALL_CREDENTIAL, &json)).await)?;
    Ok(credential)
}

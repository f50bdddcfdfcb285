//! The HTTP client for the app protocol (docs/PROTOCOL.md): timeouts, retries of idempotent
//! requests with exponential backoff and jitter, `Retry-After`, conditional requests, problem
//! documents, and a typed error for each way a request can fail. It knows nothing of SQLite;
//! `sync` puts what it fetches into the store.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use rand::Rng;
use reqwest::{header, StatusCode};
use tokio_util::sync::CancellationToken;
use url::Url;

use crate::error::{Error, Result, REFUSED_REDIRECT};
use moa_protocol::orders::{OrderList, OutlinkBatch};
use moa_protocol::wire::{
    AccountList, ChangePage, EventBatch, EventBatchResult, InstallCredential, ListKind, ListOpBatch, ListOpResult,
    LiveProduct, MallList, PopulationStats, Problem, Session, SignIn, INSTALL_ID_HEADER, INSTALL_KEY_HEADER,
    PROBLEM_CONTENT_TYPE,
};

/// How hard the client tries before it reports a failure.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    /// The pause before the first retry; it doubles each time, with jitter.
    pub base_delay: Duration,
    pub max_delay: Duration,
    /// A `Retry-After` longer than this is not waited for: the failure is reported instead.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_millis(300),
            max_delay: Duration::from_secs(10),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// "Full jitter" backoff: a random pause up to base·2^retry, so that many phones coming back
    /// after an outage do not retry in lockstep.
    fn backoff(&self, retry: u32) -> Duration {
        let cap = self.base_delay.saturating_mul(1u32 << retry.min(16)).min(self.max_delay);
        let millis = cap.as_millis() as u64;
        Duration::from_millis(rand::rng().random_range(millis / 2..=millis.max(1)))
    }
}

/// Network settings of the client.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    pub connect_timeout: Duration,
    /// The whole request, body included: a stalled server is given up on after this.
    pub request_timeout: Duration,
    pub retry: RetryPolicy,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            retry: RetryPolicy::default(),
        }
    }
}

pub struct ApiClient {
    http: reqwest::Client,
    base: Url,
    retry: RetryPolicy,
    /// Body bytes received (decoded), for progress reports.
    bytes_received: AtomicU64,
    /// Retries made, for the sync report.
    retries: AtomicU64,
}

/// A page of the change feed as it arrived: each change still raw JSON text, so that the sync
/// can read them one by one and skip a malformed one without losing the rest.
pub type RawChangePage = ChangePage<Box<serde_json::value::RawValue>>;

/// A document fetched conditionally: new content with its ETag, or word that the one we hold
/// (by its ETag) is still current.
pub enum Conditional<T> {
    Changed { body: T, etag: Option<String> },
    NotModified,
}

impl ApiClient {
    pub fn new(server_url: &str, options: &ClientOptions) -> Result<Self> {
        let mut base =
            Url::parse(server_url).map_err(|e| Error::InvalidInput(format!("server URL {server_url:?}: {e}")))?;
        if !may_fetch(&base) {
            return Err(Error::InvalidInput(format!(
                "server URL {server_url:?} is not https (plain http only to this device)"
            )));
        }
        // A base without a trailing slash would make `join("v1/…")` replace its last segment.
        if !base.path().ends_with('/') {
            base.set_path(&format!("{}/", base.path()));
        }
        let http = reqwest::Client::builder()
            // A redirect may not leave https either: the session token and the shopper's lists
            // would travel in clear on the next hop.
            .redirect(reqwest::redirect::Policy::custom(|attempt| {
                if attempt.previous().len() >= MAX_REDIRECTS {
                    attempt.error(format!("{REFUSED_REDIRECT}: too many"))
                } else if may_fetch(attempt.url()) {
                    attempt.follow()
                } else {
                    attempt.error(format!("{REFUSED_REDIRECT} to plain http"))
                }
            }))
            .connect_timeout(options.connect_timeout)
            .timeout(options.request_timeout)
            .user_agent(concat!("moa-core/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Internal(format!("HTTP client: {e}")))?;
        Ok(ApiClient {
            http,
            base,
            retry: options.retry.clone(),
            bytes_received: AtomicU64::new(0),
            retries: AtomicU64::new(0),
        })
    }

    pub fn bytes_received(&self) -> u64 {
        self.bytes_received.load(Ordering::Relaxed)
    }

    pub fn retries(&self) -> u64 {
        self.retries.load(Ordering::Relaxed)
    }

    /// Count a retry made above this client (a page refused after it arrived).
    pub(crate) fn note_retry(&self) {
        self.retries.fetch_add(1, Ordering::Relaxed);
    }

    /// Resolve a URL the server may have given relative to itself (e.g. demo images).
    pub fn resolve(&self, maybe_relative: &str) -> String {
        match self.base.join(maybe_relative) {
            Ok(url) => url.to_string(),
            Err(_) => maybe_relative.to_string(),
        }
    }

    /// `GET /v1/malls`, conditional on the ETag of the list we hold.
    pub async fn malls(&self, etag: Option<&str>, cancel: &CancellationToken) -> Result<Conditional<MallList>> {
        self.get_conditional("v1/malls", etag, cancel).await
    }

    /// `GET /v1/stats`, conditional on the ETag of the statistics we hold.
    pub async fn stats(&self, etag: Option<&str>, cancel: &CancellationToken) -> Result<Conditional<PopulationStats>> {
        self.get_conditional("v1/stats", etag, cancel).await
    }

    async fn get_conditional<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        etag: Option<&str>,
        cancel: &CancellationToken,
    ) -> Result<Conditional<T>> {
        let url = self.url(path)?;
        self.get_with_retry(cancel, || {
            let mut request = self.http.get(url.clone());
            if let Some(etag) = etag {
                request = request.header(header::IF_NONE_MATCH, etag);
            }
            async move {
                let response = request.send().await?;
                if response.status() == StatusCode::NOT_MODIFIED {
                    return Ok(Conditional::NotModified);
                }
                let response = check(response).await?;
                let etag = response.headers().get(header::ETAG).and_then(|v| v.to_str().ok()).map(str::to_string);
                let body = self.read_json(response).await?;
                Ok(Conditional::Changed { body, etag })
            }
        })
        .await
    }

    /// `POST /v1/installs`: this install's id and key for its event uploads. Retried like a GET:
    /// a second registration only leaves an install that never sends anything.
    pub async fn register_install(&self, cancel: &CancellationToken) -> Result<InstallCredential> {
        let url = self.url("v1/installs")?;
        self.get_with_retry(cancel, || {
            let request = self.http.post(url.clone());
            async move { self.read_json(check(request.send().await?).await?).await }
        })
        .await
    }

    /// `POST /v1/events` with the install's key: idempotent by event id, so it is retried like a
    /// GET.
    pub async fn post_events(
        &self,
        batch: &EventBatch,
        install_key: &str,
        cancel: &CancellationToken,
    ) -> Result<EventBatchResult> {
        let url = self.url("v1/events")?;
        self.get_with_retry(cancel, || {
            let request = self.http.post(url.clone()).header(INSTALL_KEY_HEADER, install_key).json(batch);
            async move { self.read_json(check(request.send().await?).await?).await }
        })
        .await
    }

    /// `POST /v1/outlinks` with the install's key: registering a click-out twice is harmless,
    /// so it is retried like a GET.
    pub async fn post_outlinks(
        &self,
        batch: &OutlinkBatch,
        install_key: &str,
        cancel: &CancellationToken,
    ) -> Result<()> {
        let url = self.url("v1/outlinks")?;
        self.get_with_retry(cancel, || {
            let request = self.http.post(url.clone()).header(INSTALL_KEY_HEADER, install_key).json(batch);
            async move { check(request.send().await?).await.map(drop) }
        })
        .await
    }

    /// `GET /v1/me/orders` (or `DELETE`, `forget`): the install's orders.
    pub async fn my_orders(
        &self,
        install: &InstallCredential,
        forget: bool,
        cancel: &CancellationToken,
    ) -> Result<OrderList> {
        let url = self.url("v1/me/orders")?;
        self.get_with_retry(cancel, || {
            let method = if forget { reqwest::Method::DELETE } else { reqwest::Method::GET };
            let request = self
                .http
                .request(method, url.clone())
                .header(INSTALL_ID_HEADER, &install.install_id)
                .header(INSTALL_KEY_HEADER, &install.key);
            async move {
                let response = check(request.send().await?).await?;
                if forget {
                    return Ok(OrderList::default());
                }
                self.read_json(response).await
            }
        })
        .await
    }

    /// `POST /v1/session`: one attempt (a retried sign-in would open a second session). Wrong
    /// credentials are [`Error::Unauthorized`].
    pub async fn sign_in(&self, request: &SignIn, cancel: &CancellationToken) -> Result<Session> {
        let url = self.url("v1/session")?;
        let attempt = async {
            match check(self.http.post(url).json(request).send().await?).await {
                Ok(response) => self.read_json(response).await,
                Err(Error::Server { status: 401, .. }) => Err(Error::Unauthorized("wrong username or password".into())),
                Err(e) => Err(e),
            }
        };
        tokio::select! {
            biased;
            _ = cancel.cancelled() => Err(Error::Cancelled),
            outcome = attempt => outcome,
        }
    }

    /// `DELETE /v1/session`: the token stops working.
    pub async fn sign_out(&self, token: &str, cancel: &CancellationToken) -> Result<()> {
        self.delete_signed_in("v1/session", token, cancel).await
    }

    /// `DELETE /v1/me/sessions`: every session of the account stops working, this one too.
    pub async fn sign_out_everywhere(&self, token: &str, cancel: &CancellationToken) -> Result<()> {
        self.delete_signed_in("v1/me/sessions", token, cancel).await
    }

    /// A DELETE with the session's token, retried like a GET (ending a session twice is harmless).
    async fn delete_signed_in(&self, path: &str, token: &str, cancel: &CancellationToken) -> Result<()> {
        let url = self.url(path)?;
        self.get_with_retry(cancel, || {
            let request = self.http.delete(url.clone()).bearer_auth(token);
            async move { authorised(request.send().await?).await.map(drop) }
        })
        .await
    }

    /// `GET /v1/me/wishlist` or `GET /v1/me/follows`.
    pub async fn account_list(&self, list: ListKind, token: &str, cancel: &CancellationToken) -> Result<AccountList> {
        let url = self.url(&format!("v1/me/{}", list.as_str()))?;
        self.get_with_retry(cancel, || {
            let request = self.http.get(url.clone()).bearer_auth(token);
            async move { self.read_json(authorised(request.send().await?).await?).await }
        })
        .await
    }

    /// `POST /v1/me/{list}/ops`: idempotent by operation id, so it is retried like a GET.
    pub async fn post_list_ops(
        &self,
        list: ListKind,
        batch: &ListOpBatch,
        token: &str,
        cancel: &CancellationToken,
    ) -> Result<ListOpResult> {
        let url = self.url(&format!("v1/me/{}/ops", list.as_str()))?;
        self.get_with_retry(cancel, || {
            let request = self.http.post(url.clone()).bearer_auth(token).json(batch);
            async move { self.read_json(authorised(request.send().await?).await?).await }
        })
        .await
    }

    /// A product photo (an absolute URL, or one relative to the API server), at most `max_bytes`.
    /// An error status is [`Error::Server`]; transient failures are retried.
    pub async fn fetch_image(&self, url: &str, max_bytes: u64, cancel: &CancellationToken) -> Result<Vec<u8>> {
        let url = self.base.join(url).map_err(|e| Error::InvalidInput(format!("image URL {url:?}: {e}")))?;
        if !may_fetch(&url) {
            return Err(Error::InvalidInput(format!("image URL {url} is not https (plain http only to this device)")));
        }
        self.get_with_retry(cancel, || {
            let request = self.http.get(url.clone());
            async move {
                let response = check(request.send().await?).await?;
                if response.content_length().is_some_and(|n| n > max_bytes) {
                    return Err(Error::Image(crate::images::ImageProblem::TooManyBytes(
                        response.content_length().unwrap_or(0),
                    )));
                }
                let body = read_capped(response, max_bytes)
                    .await?
                    .ok_or(Error::Image(crate::images::ImageProblem::TooManyBytes(max_bytes + 1)))?;
                self.bytes_received.fetch_add(body.len() as u64, Ordering::Relaxed);
                Ok(body)
            }
        })
        .await
    }

    /// `GET /v1/products/{id}/live`; None when the product is delisted (404).
    pub async fn live_product(&self, product_id: &str, cancel: &CancellationToken) -> Result<Option<LiveProduct>> {
        let mut url = self.url("v1/products/")?;
        url.path_segments_mut()
            .map_err(|_| Error::Internal("base URL cannot take a path".into()))?
            .pop_if_empty()
            .push(product_id)
            .push("live");
        self.get_with_retry(cancel, || {
            let request = self.http.get(url.clone());
            async move {
                match check(request.send().await?).await {
                    Ok(response) => Ok(Some(self.read_json(response).await?)),
                    Err(Error::Server { status: 404, .. }) => Ok(None),
                    Err(e) => Err(e),
                }
            }
        })
        .await
    }

    /// `GET /v1/catalog/changes?after=&limit=[&shelf=]`.
    pub async fn catalog_changes(
        &self,
        after: u64,
        limit: u32,
        shelf: Option<&str>,
        cancel: &CancellationToken,
    ) -> Result<RawChangePage> {
        let mut url = self.url("v1/catalog/changes")?;
        url.query_pairs_mut().append_pair("after", &after.to_string()).append_pair("limit", &limit.to_string());
        if let Some(shelf) = shelf {
            url.query_pairs_mut().append_pair("shelf", shelf);
        }
        self.get_with_retry(cancel, || {
            let request = self.http.get(url.clone());
            async move { self.read_json(check(request.send().await?).await?).await }
        })
        .await
    }

    /// `GET /v1/search?q=&limit=`: the whole catalog's products matching `text`. One attempt,
    /// quick or not at all: the shopper is typing, and the cache answers without it.
    pub async fn search(&self, text: &str, limit: u32) -> Result<RawChangePage> {
        let mut url = self.url("v1/search")?;
        url.query_pairs_mut().append_pair("q", text).append_pair("limit", &limit.to_string());
        self.quick_get(url).await
    }

    /// `GET /v1/products?ids=a,b,c`: the listed, in-stock products among `ids` (at most 100).
    /// One quick attempt, like search: what it brings is a bonus.
    pub async fn products(&self, ids: &[String]) -> Result<RawChangePage> {
        let mut url = self.url("v1/products")?;
        url.query_pairs_mut().append_pair("ids", &ids.iter().take(100).cloned().collect::<Vec<_>>().join(","));
        self.quick_get(url).await
    }

    /// `GET /v1/shelves/{shelf}/reserve?offset=&limit=`: the products ranked just after a shelf.
    pub async fn shelf_reserve(&self, shelf: &str, offset: u32, limit: u32) -> Result<RawChangePage> {
        let mut url = self.url(&format!("v1/shelves/{shelf}/reserve"))?;
        url.query_pairs_mut().append_pair("offset", &offset.to_string()).append_pair("limit", &limit.to_string());
        self.quick_get(url).await
    }

    /// One GET of a change page beyond the feed, `QUICK_TIMEOUT` at most and never retried:
    /// what it brings is a bonus, and the cache answers without it.
    async fn quick_get(&self, url: reqwest::Url) -> Result<RawChangePage> {
        let request = self.http.get(url).timeout(QUICK_TIMEOUT);
        self.read_json(check(request.send().await?).await?).await
    }

    /// Run an idempotent request (every GET, and POSTs made idempotent by their ids), retrying transient failures with backoff (or as long as the
    /// server's `Retry-After` asks), until it succeeds, fails for good, or is cancelled.
    async fn get_with_retry<T, F, Fut>(&self, cancel: &CancellationToken, attempt: F) -> Result<T>
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = Result<T>>,
    {
        let mut retry = 0;
        loop {
            let outcome = tokio::select! {
                biased;
                _ = cancel.cancelled() => return Err(Error::Cancelled),
                outcome = attempt() => outcome,
            };
            let error = match outcome {
                Ok(value) => return Ok(value),
                Err(e) => e,
            };
            retry += 1;
            if !error.is_transient() || retry >= self.retry.max_attempts {
                return Err(error);
            }
            let pause = match retry_after(&error) {
                Some(asked) if asked > self.retry.max_retry_after => return Err(error),
                Some(asked) => asked,
                None => self.retry.backoff(retry - 1),
            };
            self.retries.fetch_add(1, Ordering::Relaxed);
            tokio::select! {
                biased;
                _ = cancel.cancelled() => return Err(Error::Cancelled),
                _ = tokio::time::sleep(pause) => {}
            }
        }
    }

    async fn read_json<T: serde::de::DeserializeOwned>(&self, response: reqwest::Response) -> Result<T> {
        let body = read_capped(response, MAX_JSON_BYTES)
            .await?
            .ok_or_else(|| Error::Protocol(format!("a response over {MAX_JSON_BYTES} bytes")))?;
        self.bytes_received.fetch_add(body.len() as u64, Ordering::Relaxed);
        serde_json::from_slice(&body).map_err(|e| Error::Protocol(format!("response is not the expected JSON: {e}")))
    }

    fn url(&self, path: &str) -> Result<Url> {
        self.base.join(path).map_err(|e| Error::InvalidInput(format!("bad path {path}: {e}")))
    }
}

/// The pause a 429 or 503 asked for, in whole seconds (the form every server here sends).
fn retry_after(error: &Error) -> Option<Duration> {
    match error {
        Error::Server { retry_after: Some(secs), .. } => Some(Duration::from_secs(*secs)),
        _ => None,
    }
}

/// Like [`check`], with 401 as [`Error::Unauthorized`]: the session ended.
async fn authorised(response: reqwest::Response) -> Result<reqwest::Response> {
    match check(response).await {
        Err(Error::Server { status: 401, .. }) => Err(Error::Unauthorized("the session ended; sign in again".into())),
        other => other,
    }
}

/// Turn an error status into [`Error::Server`], keeping the problem document and `Retry-After`.
async fn check(response: reqwest::Response) -> Result<reqwest::Response> {
    let status = response.status();
    if status.is_success() {
        return Ok(response);
    }
    let retry_after = response
        .headers()
        .get(header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with(PROBLEM_CONTENT_TYPE));
    let problem = if is_problem { response.json::<Problem>().await.ok() } else { None };
    Err(Error::Server { status: status.as_u16(), problem, retry_after })
}

/// Redirects followed at most, per request.
const MAX_REDIRECTS: usize = 5;
/// How long a request beyond the feed (a search of the whole catalog, products by id, a
/// shelf's reserve) may take before the cache's answer stands alone.
const QUICK_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(3);
/// The largest JSON document the client reads (a change page of 1,000 products is ~2 MB): a
/// misbehaving server cannot make the phone buffer without end.
const MAX_JSON_BYTES: u64 = 32 * 1024 * 1024;

/// Whether the client may fetch `url`: https anywhere, plain http only to this device (the demo,
/// tests and QA run a server on loopback). Rust's own sockets are not bound by the platforms'
/// cleartext rules (Android's network security config, iOS's ATS), so the core keeps its own.
pub fn may_fetch(url: &Url) -> bool {
    match url.scheme() {
        "https" => true,
        "http" => match url.host() {
            Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            None => false,
        },
        _ => false,
    }
}

/// The body, read as it arrives and given up on past `cap` bytes (None): never more than the cap
/// is held, whatever the server says (or does not say) of its length.
async fn read_capped(mut response: reqwest::Response, cap: u64) -> Result<Option<Vec<u8>>> {
    if response.content_length().is_some_and(|n| n > cap) {
        return Ok(None);
    }
    let mut body = Vec::with_capacity(response.content_length().unwrap_or(0).min(cap) as usize);
    while let Some(chunk) = response.chunk().await? {
        if body.len() as u64 + chunk.len() as u64 > cap {
            return Ok(None);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Some(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_anywhere_plain_http_only_to_this_device() {
        let ok = |u: &str| may_fetch(&Url::parse(u).unwrap());
        assert!(ok("https://api.moa.app/") && ok("https://10.0.0.1/x.jpg"));
        assert!(
            ok("http://127.0.0.1:8080/")
                && ok("http://127.9.9.9/")
                && ok("http://localhost:1/")
                && ok("http://[::1]:80/")
        );
        assert!(!ok("http://api.moa.app/") && !ok("http://10.0.0.1/") && !ok("http://192.168.0.2/"));
        assert!(!ok("http://localhost.evil.example/") && !ok("http://127.0.0.1.nip.io/"));
        assert!(!ok("ftp://127.0.0.1/") && !ok("file:///etc/passwd"));
    }
}

//! The HTTP client for the app protocol (docs/PROTOCOL.md): requests, status handling and
//! problem documents. It knows nothing of SQLite; `sync` puts what it fetches into the store.

use std::time::Duration;

use reqwest::{header, StatusCode};
use url::Url;

use crate::error::{Error, Result};
use crate::wire::{ChangePage, MallList, Problem, PROBLEM_CONTENT_TYPE};

pub struct ApiClient {
    http: reqwest::Client,
    base: Url,
}

/// A page of the change feed as it arrived: each change still raw JSON, so that the sync can
/// read them one by one and skip a malformed one without losing the rest.
pub type RawChangePage = ChangePage<serde_json::Value>;

impl ApiClient {
    pub fn new(server_url: &str) -> Result<Self> {
        let mut base =
            Url::parse(server_url).map_err(|e| Error::InvalidInput(format!("server URL {server_url:?}: {e}")))?;
        if !matches!(base.scheme(), "http" | "https") {
            return Err(Error::InvalidInput(format!("server URL {server_url:?} is not http(s)")));
        }
        // A base without a trailing slash would make `join("v1/…")` replace its last segment.
        if !base.path().ends_with('/') {
            base.set_path(&format!("{}/", base.path()));
        }
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(30))
            .user_agent(concat!("moa-core/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(ApiClient { http, base })
    }

    pub fn base(&self) -> &Url {
        &self.base
    }

    /// Resolve a URL the server may have given relative to itself (e.g. demo images).
    pub fn resolve(&self, maybe_relative: &str) -> String {
        match self.base.join(maybe_relative) {
            Ok(url) => url.to_string(),
            Err(_) => maybe_relative.to_string(),
        }
    }

    pub async fn malls(&self) -> Result<MallList> {
        let url = self.url("v1/malls")?;
        let response = check(self.http.get(url).send().await?).await?;
        parse_json(response).await
    }

    pub async fn catalog_changes(&self, after: u64, limit: u32) -> Result<RawChangePage> {
        let mut url = self.url("v1/catalog/changes")?;
        url.query_pairs_mut().append_pair("after", &after.to_string()).append_pair("limit", &limit.to_string());
        let response = check(self.http.get(url).send().await?).await?;
        parse_json(response).await
    }

    fn url(&self, path: &str) -> Result<Url> {
        self.base.join(path).map_err(|e| Error::InvalidInput(format!("bad path {path}: {e}")))
    }
}

/// Turn an error status into [`Error::Server`], keeping the problem document when there is one.
async fn check(response: reqwest::Response) -> Result<reqwest::Response> {
    let status = response.status();
    if status.is_success() {
        return Ok(response);
    }
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with(PROBLEM_CONTENT_TYPE));
    let problem = if is_problem { response.json::<Problem>().await.ok() } else { None };
    Err(Error::Server { status: status.as_u16(), problem })
}

async fn parse_json<T: serde::de::DeserializeOwned>(response: reqwest::Response) -> Result<T> {
    debug_assert_ne!(response.status(), StatusCode::NOT_MODIFIED);
    let body = response.bytes().await?;
    serde_json::from_slice(&body).map_err(|e| Error::Protocol(format!("response is not the expected JSON: {e}")))
}

//! Fetching and hashing the main photos of a feed's products at ingest, so that the same item
//! sold by several malls can be grouped (see `same_item`). A photo that cannot be fetched or read
//! costs its product nothing but the grouping: the product is imported without a hash.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use moa_imaging::hash::perceptual_hash;
use moa_imaging::ImageLimits;
use moa_protocol::model::PhotoHash;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

#[derive(Debug, Clone)]
pub struct PhotoOptions {
    /// Photos fetched at once (partner CDNs throttle aggressive clients).
    pub concurrency: usize,
    /// Per photo, connect to last byte.
    pub timeout: Duration,
    /// Larger bodies are refused unread (product photos are a few hundred KB).
    pub max_bytes: u64,
    pub limits: ImageLimits,
    /// Fetch from private, loopback and link-local addresses too. Only for tests and the demo:
    /// a feed is the mall's to write, and its photo URLs must not make the server reach into
    /// its own network (cloud metadata at 169.254.169.254, an admin port on 127.0.0.1).
    pub allow_private: bool,
}

impl Default for PhotoOptions {
    fn default() -> Self {
        PhotoOptions {
            concurrency: 8,
            timeout: Duration::from_secs(20),
            max_bytes: 20 << 20,
            limits: ImageLimits::default(),
            allow_private: false,
        }
    }
}

/// What hashing a feed's photos found: a hash per URL, and why the others failed.
#[derive(Debug, Default)]
pub struct PhotoReport {
    pub hashes: HashMap<String, PhotoHash>,
    pub failed: Vec<(String, String)>,
}

/// An address a photo may be fetched from: a public one (not private, loopback, link-local,
/// shared, multicast, unspecified or documentation), or any with `allow_private`.
pub(crate) fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_unspecified()
                || v4.is_documentation()
                || a == 0
                || (a == 100 && (64..128).contains(&b)))
        }
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public(IpAddr::V4(v4)),
            None => {
                let first = v6.segments()[0];
                !(v6.is_loopback()
                    || v6.is_unspecified()
                    || v6.is_multicast()
                    || (first & 0xfe00) == 0xfc00
                    || (first & 0xffc0) == 0xfe80)
            }
        },
    }
}

/// Whether `url` may be fetched: http(s), and a host that is not a private address written out
/// (names are checked when they resolve, see [`PublicOnly`]).
fn may_fetch(url: &reqwest::Url, allow_private: bool) -> bool {
    let host_ok = match url.host() {
        Some(url::Host::Ipv4(ip)) => allow_private || is_public(IpAddr::V4(ip)),
        Some(url::Host::Ipv6(ip)) => allow_private || is_public(IpAddr::V6(ip)),
        Some(url::Host::Domain(name)) => allow_private || !name.eq_ignore_ascii_case("localhost"),
        None => false,
    };
    matches!(url.scheme(), "http" | "https") && host_ok
}

/// Name resolution that keeps only public addresses: checked on every connection, redirects
/// included, and after DNS (a name pointing at 127.0.0.1 is refused like the address).
struct PublicOnly;

impl reqwest::dns::Resolve for PublicOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        Box::pin(async move {
            let found = tokio::net::lookup_host((name.as_str(), 0)).await?;
            let public: Vec<SocketAddr> = found.filter(|a| is_public(a.ip())).collect();
            if public.is_empty() {
                return Err(format!("{} resolves to no public address", name.as_str()).into());
            }
            Ok(Box::new(public.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

fn client(options: &PhotoOptions) -> reqwest::Result<reqwest::Client> {
    let allow_private = options.allow_private;
    let mut builder = reqwest::Client::builder()
        .timeout(options.timeout)
        .user_agent(concat!("moa-ingest/", env!("CARGO_PKG_VERSION")))
        .redirect(reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() >= 5 {
                attempt.error("too many redirects")
            } else if may_fetch(attempt.url(), allow_private) {
                attempt.follow()
            } else {
                attempt.error("a redirect to a private address")
            }
        }));
    if !allow_private {
        builder = builder.dns_resolver(Arc::new(PublicOnly));
    }
    builder.build()
}

async fn fetch(client: &reqwest::Client, url: &str, max_bytes: u64) -> Result<Vec<u8>, String> {
    let reason = |e: reqwest::Error| {
        let e = e.without_url();
        std::error::Error::source(&e).map(|s| format!("{e}: {s}")).unwrap_or_else(|| e.to_string())
    };
    let mut response = client.get(url).send().await.map_err(reason)?;
    if !response.status().is_success() {
        return Err(format!("the server answered {}", response.status()));
    }
    let kind = response.headers().get(reqwest::header::CONTENT_TYPE).and_then(|t| t.to_str().ok()).unwrap_or("");
    if !(kind.is_empty() || kind.starts_with("image/") || kind.starts_with("application/octet-stream")) {
        return Err(format!("not an image ({kind})"));
    }
    if response.content_length().is_some_and(|n| n > max_bytes) {
        return Err(format!("larger than {max_bytes} bytes"));
    }
    // Read as it arrives, and stop past the cap: a body without a length cannot fill memory.
    let mut bytes = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(reason)? {
        if bytes.len() as u64 + chunk.len() as u64 > max_bytes {
            return Err(format!("larger than {max_bytes} bytes"));
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

/// Fetch and hash each photo (http or https URLs; anything else fails with a reason).
pub async fn hash_photos(urls: Vec<String>, options: PhotoOptions) -> PhotoReport {
    let mut report = PhotoReport::default();
    let client = match client(&options) {
        Ok(client) => client,
        Err(e) => {
            report.failed = urls.into_iter().map(|u| (u, e.to_string())).collect();
            return report;
        }
    };
    let permits = Arc::new(Semaphore::new(options.concurrency.max(1)));
    let mut tasks = JoinSet::new();
    for url in urls {
        match reqwest::Url::parse(&url) {
            Ok(parsed) if may_fetch(&parsed, options.allow_private) => {}
            Ok(_) => {
                report.failed.push((url, "not an http(s) address of the public internet".into()));
                continue;
            }
            Err(e) => {
                report.failed.push((url, e.to_string()));
                continue;
            }
        }
        let (client, permits, options) = (client.clone(), Arc::clone(&permits), options.clone());
        tasks.spawn(async move {
            let _permit = permits.acquire_owned().await.expect("the semaphore is never closed");
            let result = match fetch(&client, &url, options.max_bytes).await {
                Ok(bytes) => tokio::task::spawn_blocking(move || perceptual_hash(&bytes, &options.limits))
                    .await
                    .map_err(|e| e.to_string())
                    .and_then(|r| r.map_err(|e| e.to_string())),
                Err(e) => Err(e),
            };
            (url, result)
        });
    }
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok((url, Ok(hash))) => {
                report.hashes.insert(url, hash);
            }
            Ok((url, Err(reason))) => report.failed.push((url, reason)),
            Err(e) => report.failed.push((String::new(), e.to_string())),
        }
    }
    report.failed.sort();
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_public_internet_unless_told() {
        let public = |s: &str| is_public(s.parse().unwrap());
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.9",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "::1",
            "::",
            "fc00::1",
            "fd12::3",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
        ] {
            assert!(!public(private), "{private}");
        }
        assert!(public("211.115.106.78") && public("8.8.8.8") && public("2001:4860:4860::8888"));
        let url = |s: &str| reqwest::Url::parse(s).unwrap();
        assert!(may_fetch(&url("https://cdn.example.com/a.jpg"), false));
        assert!(!may_fetch(&url("http://169.254.169.254/latest/meta-data"), false));
        assert!(!may_fetch(&url("http://localhost:8080/admin"), false));
        assert!(!may_fetch(&url("http://[::1]/x.jpg"), false));
        assert!(!may_fetch(&url("file:///etc/passwd"), true));
        assert!(may_fetch(&url("http://127.0.0.1:9/x.jpg"), true));
    }
}

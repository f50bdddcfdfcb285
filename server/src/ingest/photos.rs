//! Fetching and hashing the main photos of a feed's products at ingest, so that the same item
//! sold by several malls can be grouped (see `same_item`). A photo that cannot be fetched or read
//! costs its product nothing but the grouping: the product is imported without a hash.

use std::collections::HashMap;
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
}

impl Default for PhotoOptions {
    fn default() -> Self {
        PhotoOptions {
            concurrency: 8,
            timeout: Duration::from_secs(20),
            max_bytes: 20 << 20,
            limits: ImageLimits::default(),
        }
    }
}

/// What hashing a feed's photos found: a hash per URL, and why the others failed.
#[derive(Debug, Default)]
pub struct PhotoReport {
    pub hashes: HashMap<String, PhotoHash>,
    pub failed: Vec<(String, String)>,
}

async fn fetch(client: &reqwest::Client, url: &str, max_bytes: u64) -> Result<Vec<u8>, String> {
    let response = client.get(url).send().await.map_err(|e| e.without_url().to_string())?;
    if !response.status().is_success() {
        return Err(format!("the server answered {}", response.status()));
    }
    if response.content_length().is_some_and(|n| n > max_bytes) {
        return Err(format!("larger than {max_bytes} bytes"));
    }
    let bytes = response.bytes().await.map_err(|e| e.without_url().to_string())?;
    if bytes.len() as u64 > max_bytes {
        return Err(format!("larger than {max_bytes} bytes"));
    }
    Ok(bytes.to_vec())
}

/// Fetch and hash each photo (http or https URLs; anything else fails with a reason).
pub async fn hash_photos(urls: Vec<String>, options: PhotoOptions) -> PhotoReport {
    let mut report = PhotoReport::default();
    let client = match reqwest::Client::builder()
        .timeout(options.timeout)
        .user_agent(concat!("moa-ingest/", env!("CARGO_PKG_VERSION")))
        .build()
    {
        Ok(client) => client,
        Err(e) => {
            report.failed = urls.into_iter().map(|u| (u, e.to_string())).collect();
            return report;
        }
    };
    let permits = Arc::new(Semaphore::new(options.concurrency.max(1)));
    let mut tasks = JoinSet::new();
    for url in urls {
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            report.failed.push((url, "not an http(s) address".into()));
            continue;
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

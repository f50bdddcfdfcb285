//! What the account and alert tests share: secret stores as the apps implement them, raw HTTP to
//! the server for what a test must see without going through the core, and a demo world with one
//! synced device whose malls change products.
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;

use moa_core::wire::{AccountList, Session};
use moa_core::SecretStore;

/// The Keychain of a test device: in memory, remembering every secret ever handed to it.
#[derive(Default)]
pub struct MemorySecrets {
    pub secrets: Mutex<HashMap<String, String>>,
    pub ever_saved: Mutex<Vec<String>>,
}

impl SecretStore for MemorySecrets {
    fn save(&self, key: String, secret: String) {
        self.ever_saved.lock().unwrap().push(secret.clone());
        self.secrets.lock().unwrap().insert(key, secret);
    }
    fn load(&self, key: String) -> Option<String> {
        self.secrets.lock().unwrap().get(&key).cloned()
    }
    fn delete(&self, key: String) {
        self.secrets.lock().unwrap().remove(&key);
    }
}

/// A secret store that outlives the process (a Keychain survives the app being killed): one file
/// per key, in a directory apart from the app's data.
pub struct FileSecrets(pub PathBuf);

impl SecretStore for FileSecrets {
    fn save(&self, key: String, secret: String) {
        std::fs::create_dir_all(&self.0).unwrap();
        std::fs::write(self.0.join(key), secret).unwrap();
    }
    fn load(&self, key: String) -> Option<String> {
        std::fs::read_to_string(self.0.join(key)).ok()
    }
    fn delete(&self, key: String) {
        let _ = std::fs::remove_file(self.0.join(key));
    }
}

pub async fn sign_in_raw(server: &str, username: &str) -> Session {
    let response = reqwest::Client::new()
        .post(format!("{server}/v1/session"))
        .json(&serde_json::json!({ "username": username, "password": moa_server::DEMO_PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

/// An account's list as the server holds it, read with `token`.
pub async fn server_list(server: &str, list: &str, token: &str) -> AccountList {
    let response =
        reqwest::Client::new().get(format!("{server}/v1/me/{list}")).bearer_auth(token).send().await.unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

pub fn targets(list: &AccountList) -> Vec<String> {
    let mut t: Vec<String> = list.items.iter().map(|i| i.target.clone()).collect();
    t.sort();
    t
}

/// A demo world of 400 products on a real server, and one device synced to it at `now`.
pub struct AlertWorld {
    pub catalog: std::sync::Arc<moa_server::CatalogDb>,
    pub world: moa_server::DemoWorld,
    pub server: moa_server::RunningServer,
    pub moa: moa_core::Moa,
    _dir: tempfile::TempDir,
}

pub async fn alert_world(seed: u64, now: i64) -> AlertWorld {
    use std::net::{Ipv4Addr, SocketAddr};
    let spec = moa_server::DemoSpec { seed, products: 400, now };
    let (catalog, world) = moa_server::demo_catalog(spec).unwrap();
    let server =
        moa_server::RunningServer::start(std::sync::Arc::clone(&catalog), SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
            .await
            .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = moa_core::MoaConfig::new(dir.path()).clock(moa_core::FixedClock::at_secs(now)).server(&server.url);
    let moa = moa_core::Moa::open(config).unwrap();
    moa.sync().await.unwrap();
    AlertWorld { catalog, world, server, moa, _dir: dir }
}

impl AlertWorld {
    /// The mall changes a product; the change reaches the device with the next sync.
    pub async fn change(
        &self,
        product: &moa_core::model::Product,
        edit: impl FnOnce(&mut moa_core::model::Product),
    ) -> moa_core::model::Product {
        let mut p = self.catalog.product(&product.id).unwrap().unwrap();
        edit(&mut p);
        p.updated_at += 1;
        self.catalog.upsert_products(std::slice::from_ref(&p)).unwrap();
        self.moa.sync().await.unwrap();
        p
    }
}

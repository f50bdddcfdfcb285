//! Accounts against the real server on loopback: a guest's lists joining an account, two devices
//! converging, sign-out, ended sessions, authorisation between accounts, and the session token
//! going to the secret store and nowhere else.

mod common;

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use common::{server_list, sign_in_raw, targets, MemorySecrets};
use moa_core::wire::{ListOp, ListOpResult};
use moa_core::{Error, FixedClock, Moa, MoaConfig};
use moa_server::{CatalogDb, DemoSpec, DemoWorld, RunningServer};
use rand::{Rng, SeedableRng};

const NOW: i64 = 1_795_000_000;

async fn world(seed: u64) -> (Arc<CatalogDb>, DemoWorld, RunningServer) {
    let (catalog, world) = moa_server::demo_catalog(DemoSpec { seed, products: 400, now: NOW }).unwrap();
    let server = RunningServer::start(Arc::clone(&catalog), SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await.unwrap();
    (catalog, world, server)
}

/// A device: its own data directory and Keychain, its catalog synced.
async fn device(server: &str) -> (Moa, Arc<MemorySecrets>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let moa = Moa::open(MoaConfig::new(dir.path()).clock(FixedClock::at_secs(NOW)).server(server)).unwrap();
    moa.sync().await.unwrap();
    let secrets = Arc::new(MemorySecrets::default());
    moa.set_secret_store(secrets.clone());
    (moa, secrets, dir)
}

fn wished(moa: &Moa) -> Vec<String> {
    let mut ids: Vec<String> = moa.wishlist().unwrap().into_iter().map(|w| w.product_id).collect();
    ids.sort();
    ids
}

fn followed(moa: &Moa) -> Vec<String> {
    let mut ids: Vec<String> = moa.followed_malls().unwrap().into_iter().map(|f| f.mall_id).collect();
    ids.sort();
    ids
}

/// Operations on two devices land a few milliseconds apart, as taps do.
async fn tick() {
    tokio::time::sleep(Duration::from_millis(5)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guests_lists_join_the_account_and_a_later_remove_wins() {
    let (_catalog, world, server) = world(41).await;
    let p: Vec<String> = world.products[..5].iter().map(|p| p.id.clone()).collect();
    let (tablet, _, _t) = device(&server.url).await;
    let (phone, phone_secrets, _p) = device(&server.url).await;

    // The account's other device (a tablet) has 찜 P2 and P4.
    tablet.sign_in("jiwoo", moa_server::DEMO_PASSWORD).await.unwrap();
    tablet.add_to_wishlist(&p[2], None).unwrap();
    tablet.add_to_wishlist(&p[4], None).unwrap();
    tablet.sync_account().await.unwrap();
    tick().await;

    // On the phone, a guest wishlists P1, P2 and P3, removes P2 (after the tablet's add), and
    // follows a mall.
    phone.add_to_wishlist(&p[1], Some(&world.products[1].variants[0].id)).unwrap();
    phone.add_to_wishlist(&p[2], None).unwrap();
    phone.add_to_wishlist(&p[3], None).unwrap();
    tick().await;
    phone.remove_from_wishlist(&p[2]).unwrap();
    phone.follow_mall(&world.malls[0].id).unwrap();
    tick().await;

    // Later, the tablet adds and removes P3: its remove is later than the guest's add.
    tablet.add_to_wishlist(&p[3], None).unwrap();
    tablet.remove_from_wishlist(&p[3]).unwrap();
    tablet.sync_account().await.unwrap();

    assert_eq!(phone.account().unwrap(), None);
    let account = phone.sign_in("jiwoo", moa_server::DEMO_PASSWORD).await.unwrap();
    assert_eq!(account.username, "jiwoo");
    assert!(account.session_valid);
    let token = phone_secrets.secrets.lock().unwrap().values().next().cloned().expect("the token is in the store");

    let mut expected = vec![p[1].clone(), p[4].clone()];
    expected.sort();
    assert_eq!(wished(&phone), expected, "union, with P2 and P3 removed by the later operation");
    assert_eq!(followed(&phone), vec![world.malls[0].id.clone()]);
    assert_eq!(targets(&server_list(&server.url, "wishlist", &token).await), expected);
    let p1 = phone.wishlist().unwrap().into_iter().find(|w| w.product_id == p[1]).unwrap();
    assert_eq!(p1.variant_id.as_deref(), Some(world.products[1].variants[0].id.as_str()), "the chosen size travels");
    assert_eq!(p1.price_at_add, Some(world.products[1].price.amount));

    // The tablet converges on its next sync.
    tablet.sync_account().await.unwrap();
    assert_eq!(wished(&tablet), expected);
    assert_eq!(followed(&tablet), followed(&phone));
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_devices_on_one_account_converge() {
    let (_catalog, world, server) = world(42).await;
    let (a, _, _da) = device(&server.url).await;
    let (b, _, _db) = device(&server.url).await;
    a.sign_in("minji", moa_server::DEMO_PASSWORD).await.unwrap();
    b.sign_in("minji", moa_server::DEMO_PASSWORD).await.unwrap();
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    // Both devices change the same few products and malls, syncing now and then, as people do.
    for round in 0..200 {
        let moa = if rng.random_bool(0.5) { &a } else { &b };
        if rng.random_bool(0.75) {
            let product = &world.products[rng.random_range(0..12)].id;
            if rng.random_bool(0.6) {
                moa.add_to_wishlist(product, None).unwrap();
            } else {
                moa.remove_from_wishlist(product).unwrap();
            }
        } else {
            let mall = &world.malls[rng.random_range(0..4)].id;
            if rng.random_bool(0.5) {
                moa.follow_mall(mall).unwrap();
            } else {
                moa.unfollow_mall(mall).unwrap();
            }
        }
        if round % 17 == 0 {
            moa.sync_account().await.unwrap();
        }
        if round % 5 == 0 {
            tick().await;
        }
    }
    // One sync each, then the first again (it has not seen the second's last changes): the same
    // lists everywhere.
    a.sync_account().await.unwrap();
    b.sync_account().await.unwrap();
    a.sync_account().await.unwrap();
    assert_eq!(wished(&a), wished(&b));
    assert_eq!(followed(&a), followed(&b));
    assert!(!wished(&a).is_empty() || !followed(&a).is_empty(), "something survived 200 operations");
    assert_eq!(a.store().unsent_list_ops().unwrap(), 0);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_out_keeps_only_what_the_shopper_chooses() {
    let (_catalog, world, server) = world(43).await;
    let (moa, secrets, _d) = device(&server.url).await;
    moa.sign_in("hana", moa_server::DEMO_PASSWORD).await.unwrap();
    moa.add_to_wishlist(&world.products[0].id, None).unwrap();
    moa.follow_mall(&world.malls[1].id).unwrap();

    // Signing out without keeping: the lists reach the account, then leave the device.
    let report = moa.sign_out(false).await.unwrap();
    assert_eq!(report.unsent, 0);
    assert!(wished(&moa).is_empty() && followed(&moa).is_empty());
    assert_eq!(moa.account().unwrap(), None);
    assert!(secrets.secrets.lock().unwrap().is_empty(), "the token is deleted from the secret store");
    assert!(matches!(moa.sync_account().await, Err(Error::Unauthorized(_))));

    // Back in: the account's lists return.
    moa.sign_in("hana", moa_server::DEMO_PASSWORD).await.unwrap();
    assert_eq!(wished(&moa), vec![world.products[0].id.clone()]);
    assert_eq!(followed(&moa), vec![world.malls[1].id.clone()]);

    // Signing out keeping them: they stay as the guest's, and join the next account.
    moa.sign_out(true).await.unwrap();
    assert_eq!(wished(&moa), vec![world.products[0].id.clone()]);
    moa.sign_in("minji", moa_server::DEMO_PASSWORD).await.unwrap();
    assert_eq!(wished(&moa), vec![world.products[0].id.clone()]);
    let minji = sign_in_raw(&server.url, "minji").await;
    assert_eq!(targets(&server_list(&server.url, "wishlist", &minji.token).await), vec![world.products[0].id.clone()]);

    // Signed in as minji, signing in to another account is refused (minji's unsent changes
    // must not land in it).
    assert!(matches!(moa.sign_in("hana", moa_server::DEMO_PASSWORD).await, Err(Error::InvalidInput(_))));
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ended_session_asks_to_sign_in_again_and_loses_nothing() {
    let (catalog, world, server) = world(44).await;
    let (moa, secrets, _d) = device(&server.url).await;
    moa.sign_in("jiwoo", moa_server::DEMO_PASSWORD).await.unwrap();
    // The session is revoked on the server (signed out elsewhere, or expired).
    let token = secrets.load_token();
    assert!(catalog.end_session(&token).unwrap());
    moa.add_to_wishlist(&world.products[5].id, None).unwrap();
    assert!(matches!(moa.sync_account().await, Err(Error::Unauthorized(_))));
    let account = moa.account().unwrap().expect("still this account's device");
    assert!(!account.session_valid, "the app asks to sign in again");
    assert_eq!(wished(&moa), vec![world.products[5].id.clone()], "the 찜 stays");
    assert_eq!(moa.store().unsent_list_ops().unwrap(), 1, "and waits in the outbox");
    assert!(matches!(moa.sign_in("jiwoo", "wrong password").await, Err(Error::Unauthorized(_))));
    moa.sign_in("jiwoo", moa_server::DEMO_PASSWORD).await.unwrap();
    assert_eq!(moa.store().unsent_list_ops().unwrap(), 0);
    let fresh = sign_in_raw(&server.url, "jiwoo").await;
    assert_eq!(targets(&server_list(&server.url, "wishlist", &fresh.token).await), vec![world.products[5].id.clone()]);
    server.shutdown().await;
}

/// A lost phone: from the tablet, the shopper signs out everywhere. The phone's next account
/// sync asks it to sign in again, its unsent 찜 kept; another account's session is untouched.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_out_everywhere_ends_the_lost_phones_session_too() {
    let (_catalog, world, server) = world(45).await;
    let (tablet, tablet_secrets, _t) = device(&server.url).await;
    let (phone, _, _p) = device(&server.url).await;
    let (other, _, _o) = device(&server.url).await;
    tablet.sign_in("jiwoo", moa_server::DEMO_PASSWORD).await.unwrap();
    phone.sign_in("jiwoo", moa_server::DEMO_PASSWORD).await.unwrap();
    other.sign_in("minji", moa_server::DEMO_PASSWORD).await.unwrap();
    tablet.add_to_wishlist(&world.products[1].id, None).unwrap();

    tablet.sign_out_everywhere().await.unwrap();
    assert!(tablet.account().unwrap().is_none(), "the tablet is signed out");
    assert!(tablet_secrets.secrets.lock().unwrap().is_empty(), "and forgot its token");
    assert_eq!(wished(&tablet), vec![world.products[1].id.clone()], "the lists stay on the device the shopper holds");
    let fresh = sign_in_raw(&server.url, "jiwoo").await;
    assert_eq!(
        targets(&server_list(&server.url, "wishlist", &fresh.token).await),
        vec![world.products[1].id.clone()],
        "the tablet's 찜 reached the account before its sessions ended"
    );

    phone.add_to_wishlist(&world.products[2].id, None).unwrap();
    assert!(matches!(phone.sync_account().await, Err(Error::Unauthorized(_))));
    assert!(!phone.account().unwrap().unwrap().session_valid, "the phone asks to sign in again");
    assert_eq!(phone.store().unsent_list_ops().unwrap(), 1, "its 찜 waits in the outbox");
    other.sync_account().await.expect("minji's session is another account's, untouched");

    // Signed out, there is nothing to sign out of; offline, nothing changes.
    assert!(matches!(tablet.sign_out_everywhere().await, Err(Error::Unauthorized(_))));
    server.shutdown().await;
    assert!(other.sign_out_everywhere().await.is_err());
    assert!(other.account().unwrap().is_some(), "offline, minji stays signed in");
}

trait LoadToken {
    fn load_token(&self) -> String;
}

impl LoadToken for MemorySecrets {
    fn load_token(&self) -> String {
        self.secrets.lock().unwrap().get(moa_core::account::TOKEN_KEY).cloned().expect("signed in")
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_account_can_neither_read_nor_change_anothers_lists() {
    let (catalog, world, server) = world(45).await;
    let http = reqwest::Client::new();
    let a = sign_in_raw(&server.url, "jiwoo").await;
    let b = sign_in_raw(&server.url, "minji").await;
    assert_ne!(a.account_id, b.account_id);
    let op = |id: &str, target: &str, present: bool| ListOp {
        op_id: id.into(),
        at_ms: 1_000,
        present,
        target: target.into(),
        variant_id: None,
        snapshot: None,
        price_at_add: None,
    };
    let post = |token: String, ops: Vec<ListOp>| {
        let http = http.clone();
        let url = format!("{}/v1/me/wishlist/ops", server.url);
        async move { http.post(url).bearer_auth(token).json(&serde_json::json!({ "ops": ops })).send().await.unwrap() }
    };
    let secret_item = world.products[9].id.clone();
    let r = post(b.token.clone(), vec![op("b-op-1", &secret_item, true)]).await;
    assert_eq!(r.status(), 200);

    // With A's token, /me is A: B's item is not there, and A's operations (even reusing B's
    // operation id and item, with a later time) change only A's list and reveal nothing.
    assert!(server_list(&server.url, "wishlist", &a.token).await.items.is_empty());
    let mut sneaky = op("b-op-1", &secret_item, false);
    sneaky.at_ms = 2_000;
    let r = post(a.token.clone(), vec![sneaky]).await;
    assert_eq!(r.status(), 200);
    let result: ListOpResult = r.json().await.unwrap();
    assert_eq!(result.duplicates, 0, "B's operation ids are not A's duplicates");
    assert_eq!(targets(&server_list(&server.url, "wishlist", &b.token).await), vec![secret_item.clone()]);

    // Missing, forged, expired and revoked tokens: 401, and the answer names no account or item.
    let expired = catalog.sign_in("minji", moa_server::DEMO_PASSWORD, 0, 1).unwrap().unwrap();
    let revoked = sign_in_raw(&server.url, "minji").await;
    let r = http.delete(format!("{}/v1/session", server.url)).bearer_auth(&revoked.token).send().await.unwrap();
    assert_eq!(r.status(), 204);
    let forged = format!("moa_{}", "0".repeat(64));
    let tokens = [None, Some(forged.as_str()), Some(expired.token.as_str()), Some(revoked.token.as_str()), Some("")];
    for token in tokens {
        for (method, path) in
            [("GET", "wishlist"), ("POST", "wishlist/ops"), ("GET", "follows"), ("POST", "follows/ops")]
        {
            let url = format!("{}/v1/me/{path}", server.url);
            let mut request = if method == "GET" { http.get(url) } else { http.post(url).body(r#"{"ops":[]}"#) };
            if let Some(t) = token {
                request = request.header("authorization", format!("Bearer {t}"));
            }
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), 401, "{method} {path} with {token:?}");
            let body = response.text().await.unwrap();
            for secret in [secret_item.as_str(), b.account_id.as_str(), a.account_id.as_str(), "minji", "jiwoo"] {
                assert!(!body.contains(secret), "a 401 leaked {secret}: {body}");
            }
        }
    }
    // Wrong password: 401 without saying which half was wrong.
    let r = http
        .post(format!("{}/v1/session", server.url))
        .json(&serde_json::json!({ "username": "minji", "password": "guess" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = http
        .post(format!("{}/v1/session", server.url))
        .json(&serde_json::json!({ "username": "nobody", "password": "guess" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(targets(&server_list(&server.url, "wishlist", &b.token).await), vec![secret_item]);
    server.shutdown().await;
}

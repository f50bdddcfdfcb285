//! The outbox under fire: 1,000+ random wishlist and follow changes made offline by a device
//! process that is SIGKILLed at random moments (and a few more kills while it is sending), then
//! one reconnect — the account on the server must hold exactly the device's final lists. And the
//! session token: in the secret store, and in no file of the app's and no line it printed.
//!
//! The device is this test binary run again as a child (`child_device`, ignored when run alone).

mod common;

use std::io::{BufRead, BufReader};
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use common::{server_list, targets, FileSecrets};
use moa_core::account::TOKEN_KEY;
use moa_core::{FixedClock, Moa, MoaConfig, SecretStore};
use moa_server::{DemoSpec, RunningServer};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const NOW: i64 = 1_795_000_000;
const CHILD_ENV: &str = "MOA_ACCOUNT_CHILD";

/// What the child is asked to do, passed in one environment variable.
struct ChildSpec {
    mode: String,
    data_dir: PathBuf,
    secrets_dir: PathBuf,
    server_url: String,
    seed: u64,
    ops: u32,
}

impl ChildSpec {
    fn encode(&self) -> String {
        format!(
            "{}|{}|{}|{}|{}|{}",
            self.mode,
            self.data_dir.display(),
            self.secrets_dir.display(),
            self.server_url,
            self.seed,
            self.ops
        )
    }

    fn decode(s: &str) -> ChildSpec {
        let f: Vec<&str> = s.split('|').collect();
        ChildSpec {
            mode: f[0].into(),
            data_dir: f[1].into(),
            secrets_dir: f[2].into(),
            server_url: f[3].into(),
            seed: f[4].parse().unwrap(),
            ops: f[5].parse().unwrap(),
        }
    }

    fn spawn(&self) -> Child {
        Command::new(std::env::current_exe().unwrap())
            .args(["--ignored", "--exact", "child_device", "--nocapture", "--test-threads=1"])
            .env(CHILD_ENV, self.encode())
            .env("RUST_BACKTRACE", "full")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    }
}

/// The device process: random changes to the wishlist and follows, one line per change made.
#[test]
#[ignore = "the child process of the tests in this file"]
fn child_device() {
    let Ok(spec) = std::env::var(CHILD_ENV) else { return };
    let spec = ChildSpec::decode(&spec);
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let moa =
        Moa::open(MoaConfig::new(&spec.data_dir).clock(FixedClock::at_secs(NOW)).server(&spec.server_url)).unwrap();
    moa.set_secret_store(Arc::new(FileSecrets(spec.secrets_dir.clone())));
    if spec.mode == "token" {
        // Everything an app might print about an account, printed.
        println!("{:?}", runtime.block_on(moa.sign_in("jiwoo", moa_server::DEMO_PASSWORD)));
        let products = moa.store().all_products().unwrap();
        println!("{:?}", moa.add_to_wishlist(&products[0].id, None));
        println!("{:?}", runtime.block_on(moa.sync_account()));
        println!("{:?}", moa.account());
        println!("{:?}", moa.wishlist());
        println!("{:?}", runtime.block_on(moa.sign_in("minji", "wrong")));
        println!("{:?}", runtime.block_on(moa.upload_events()));
        eprintln!("{:?}", moa.recovery());
        return;
    }
    let products: Vec<String> = moa.store().all_products().unwrap().into_iter().take(40).map(|p| p.id).collect();
    let malls: Vec<String> = moa.store().malls().unwrap().into_iter().take(8).map(|m| m.id).collect();
    let mut rng = StdRng::seed_from_u64(spec.seed);
    for n in 0..spec.ops {
        if rng.random_bool(0.8) {
            let product = &products[rng.random_range(0..products.len())];
            if rng.random_bool(0.55) {
                moa.add_to_wishlist(product, None).unwrap();
            } else {
                moa.remove_from_wishlist(product).unwrap();
            }
        } else {
            let mall = &malls[rng.random_range(0..malls.len())];
            if rng.random_bool(0.5) {
                moa.follow_mall(mall).unwrap();
            } else {
                moa.unfollow_mall(mall).unwrap();
            }
        }
        println!("op {n}");
        if spec.mode == "online" && n % 10 == 9 {
            runtime.block_on(moa.sync_account()).unwrap();
        }
    }
}

/// A URL where nothing listens: the device is offline.
fn offline_url() -> String {
    let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap().local_addr().unwrap().port();
    format!("http://127.0.0.1:{port}")
}

/// The device's lists as (product, variant) and mall ids, sorted.
fn local_lists(moa: &Moa) -> (Vec<(String, Option<String>)>, Vec<String>) {
    let mut wish: Vec<_> = moa.wishlist().unwrap().into_iter().map(|w| (w.product_id, w.variant_id)).collect();
    wish.sort();
    let mut follows: Vec<_> = moa.followed_malls().unwrap().into_iter().map(|f| f.mall_id).collect();
    follows.sort();
    (wish, follows)
}

/// After a kill: the file is sound, and every unsent operation agrees with the list it changed
/// (the change and its operation were committed together, or neither).
fn check_after_kill(data_dir: &Path) {
    let moa = Moa::open(MoaConfig::new(data_dir).clock(FixedClock::at_secs(NOW))).unwrap();
    assert!(moa.recovery().is_none(), "a kill must not damage the file");
    assert!(moa.store().integrity_check().unwrap().is_empty());
    let (wish, follows) = local_lists(&moa);
    let wished: Vec<String> = wish.into_iter().map(|(p, _)| p).collect();
    for (list, now_in_list) in
        [(moa_core::wire::ListKind::Wishlist, &wished), (moa_core::wire::ListKind::Follows, &follows)]
    {
        for (_, op) in moa.store().pending_list_ops(list, 10_000).unwrap() {
            assert_eq!(
                op.present,
                now_in_list.contains(&op.target),
                "{list:?} {} disagrees with its operation",
                op.target
            );
        }
    }
}

/// Run a child and SIGKILL it after `after`; the number of changes it reported making.
fn run_and_kill(spec: &ChildSpec, after: Duration) -> (u32, bool) {
    let mut child = spec.spawn();
    let stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        BufReader::new(stdout).lines().map_while(Result::ok).filter(|l| l.starts_with("op ")).count()
    });
    std::thread::sleep(after);
    let killed = child.try_wait().unwrap().is_none();
    let _ = child.kill();
    let status = child.wait().unwrap();
    assert!(killed || status.success(), "the device failed on its own: {status}");
    (reader.join().unwrap() as u32, killed)
}

#[test]
fn offline_changes_survive_kills_and_reach_the_account_exactly() {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let (catalog, _world) = moa_server::demo_catalog(DemoSpec { seed: 51, products: 300, now: NOW }).unwrap();
    let server = runtime
        .block_on(RunningServer::start(Arc::clone(&catalog), SocketAddr::from((Ipv4Addr::LOCALHOST, 0))))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (data_dir, secrets_dir) = (dir.path().join("app"), dir.path().join("keychain"));
    {
        let moa = Moa::open(MoaConfig::new(&data_dir).clock(FixedClock::at_secs(NOW)).server(&server.url)).unwrap();
        runtime.block_on(moa.sync()).unwrap();
        moa.set_secret_store(Arc::new(FileSecrets(secrets_dir.clone())));
        runtime.block_on(moa.sign_in("jiwoo", moa_server::DEMO_PASSWORD)).unwrap();
    }

    let mut rng = StdRng::seed_from_u64(99);
    let (mut changes, mut kills, mut runs) = (0u32, 0u32, 0u64);
    // Offline: changes pile up in the outbox while the process dies again and again.
    let offline = offline_url();
    while changes < 1_000 || kills < 10 {
        let spec = ChildSpec {
            mode: "offline".into(),
            data_dir: data_dir.clone(),
            secrets_dir: secrets_dir.clone(),
            server_url: offline.clone(),
            seed: runs,
            ops: 300,
        };
        let (made, killed) = run_and_kill(&spec, Duration::from_millis(rng.random_range(15..120)));
        changes += made;
        kills += killed as u32;
        runs += 1;
        check_after_kill(&data_dir);
        assert!(runs < 200, "the children never got to work");
    }
    // Online: killed while sending (the server may have a batch whose answer was lost).
    for _ in 0..4 {
        let spec = ChildSpec {
            mode: "online".into(),
            data_dir: data_dir.clone(),
            secrets_dir: secrets_dir.clone(),
            server_url: server.url.clone(),
            seed: 1_000 + runs,
            ops: 300,
        };
        let (made, killed) = run_and_kill(&spec, Duration::from_millis(rng.random_range(30..150)));
        changes += made;
        kills += killed as u32;
        runs += 1;
        check_after_kill(&data_dir);
    }
    assert!(changes >= 1_000 && kills >= 10, "{changes} changes, {kills} kills");

    // Reconnect: the account must hold exactly what the device last showed.
    let moa = Moa::open(MoaConfig::new(&data_dir).clock(FixedClock::at_secs(NOW)).server(&server.url)).unwrap();
    let secrets = Arc::new(FileSecrets(secrets_dir.clone()));
    moa.set_secret_store(secrets.clone());
    let (wish, follows) = local_lists(&moa);
    let report = runtime.block_on(moa.sync_account()).unwrap();
    assert!(report.pulled);
    let token = secrets.load(TOKEN_KEY.into()).unwrap();
    let server_wish = runtime.block_on(server_list(&server.url, "wishlist", &token));
    let mut server_pairs: Vec<_> = server_wish.items.iter().map(|i| (i.target.clone(), i.variant_id.clone())).collect();
    server_pairs.sort();
    let before_dedup = server_pairs.len();
    server_pairs.dedup();
    assert_eq!(before_dedup, server_pairs.len(), "no duplicates");
    assert_eq!(server_pairs, wish, "the server's wishlist is the device's, after {changes} changes and {kills} kills");
    assert_eq!(targets(&runtime.block_on(server_list(&server.url, "follows", &token))), follows);
    assert_eq!(local_lists(&moa), (wish, follows), "and the device still shows the same");
    assert_eq!(moa.store().unsent_list_ops().unwrap(), 0);
    eprintln!("{changes} changes, {kills} kills in {runs} runs; wishlist {} items", server_wish.items.len());
    drop(moa);
    runtime.block_on(server.shutdown());
}

/// Every file under `dir`, recursively.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files(&path));
        } else {
            out.push(path);
        }
    }
    out
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn the_session_token_goes_to_the_secret_store_and_nowhere_else() {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let (catalog, _world) = moa_server::demo_catalog(DemoSpec { seed: 52, products: 200, now: NOW }).unwrap();
    let server = runtime
        .block_on(RunningServer::start(Arc::clone(&catalog), SocketAddr::from((Ipv4Addr::LOCALHOST, 0))))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (data_dir, secrets_dir) = (dir.path().join("app"), dir.path().join("keychain"));
    runtime
        .block_on(
            Moa::open(MoaConfig::new(&data_dir).clock(FixedClock::at_secs(NOW)).server(&server.url)).unwrap().sync(),
        )
        .unwrap();
    let spec = ChildSpec {
        mode: "token".into(),
        data_dir: data_dir.clone(),
        secrets_dir: secrets_dir.clone(),
        server_url: server.url.clone(),
        seed: 0,
        ops: 0,
    };
    let output = spec.spawn().wait_with_output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let printed = [output.stdout, output.stderr].concat();
    assert!(contains(&printed, b"jiwoo"), "the child printed its account: {}", String::from_utf8_lossy(&printed));

    let token = FileSecrets(secrets_dir).load(TOKEN_KEY.into()).expect("the token is in the secret store");
    assert!(token.len() >= 32);
    assert!(!contains(&printed, token.as_bytes()), "the token was printed");
    let app_files = files(&data_dir);
    assert!(app_files.iter().any(|f| f.extension().is_some_and(|e| e == "db")));
    for file in app_files {
        let bytes = std::fs::read(&file).unwrap();
        assert!(!contains(&bytes, token.as_bytes()), "the token is in {}", file.display());
    }
    // The server keeps only a hash: its database, dumped, holds no token either.
    assert!(catalog.account_of_token(&token, 0).unwrap().is_some(), "the token works");
    runtime.block_on(server.shutdown());
}

//! A recovery the disk stops halfway: the damaged file is moved aside, and then there is no room
//! for the fresh database. Nothing of the shopper's may be lost: a later open, with room again,
//! finishes the rescue. On a real small file system (a tmpfs of a few megabytes), mounted by the
//! test itself — as root, or else in a user and mount namespace of its own (`unshare`).

use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use moa_core::{FixedClock, Moa, MoaConfig};
use moa_server::{DemoSpec, RunningServer};

const NOW: i64 = 1_795_000_000;
const TEST: &str = "a_rescue_the_full_disk_stopped_is_finished_by_a_later_open";
/// Set in the copy of this test that runs in its own namespace.
const IN_NAMESPACE: &str = "MOA_TEST_IN_NAMESPACE";

/// Unmounts the small disk when the test ends, however it ends.
struct Mounted(PathBuf);

impl Drop for Mounted {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

fn mount_small_disk(at: &Path, size: &str) -> Option<Mounted> {
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
        .arg(at)
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    mounted.then(|| Mounted(at.to_path_buf()))
}

/// Write until the disk is full; the filler, to free the space again.
fn fill(dir: &Path) -> PathBuf {
    let filler = dir.join("filler");
    let mut file = std::fs::File::create(&filler).unwrap();
    let chunk = vec![0x5Au8; 4096];
    while file.write_all(&chunk).is_ok() {}
    let _ = file.sync_all();
    filler
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rescue_the_full_disk_stopped_is_finished_by_a_later_open() {
    let scratch = tempfile::tempdir().unwrap();
    let disk = scratch.path().join("small-disk");
    std::fs::create_dir(&disk).unwrap();
    let Some(_mounted) = mount_small_disk(&disk, "12m") else {
        assert!(std::env::var_os(IN_NAMESPACE).is_none(), "cannot mount a tmpfs even in a namespace of its own");
        // Not root: the same test again, in a user and mount namespace where it may mount.
        let status = Command::new("unshare")
            .args(["--user", "--map-root-user", "--mount"])
            .arg(std::env::current_exe().unwrap())
            .args(["--exact", TEST, "--test-threads", "1"])
            .env(IN_NAMESPACE, "1")
            .status()
            .expect("unshare (util-linux) runs this test where it may mount a small disk");
        assert!(status.success(), "the test failed in its namespace");
        return;
    };

    let (catalog, world) = moa_server::demo_catalog(DemoSpec { seed: 61, products: 300, now: NOW }).unwrap();
    let server = RunningServer::start(Arc::clone(&catalog), SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await.unwrap();
    let config = MoaConfig::new(disk.join("moa")).clock(FixedClock::at_secs(NOW)).server(&server.url);
    let wished: Vec<String> = world.products.iter().filter(|p| p.in_stock()).take(4).map(|p| p.id.clone()).collect();
    {
        let moa = Moa::open(config.clone()).unwrap();
        moa.sync().await.unwrap();
        for id in &wished {
            moa.add_to_wishlist(id, None).unwrap();
        }
        moa.follow_mall(&world.malls[0].id).unwrap();
        // Damage is found while the app runs; the next open must move the file aside.
        moa.store().mark_damaged("a page failed its checksum");
    }
    server.shutdown().await;

    // The disk fills up (photos, another app). Quite full: the rescue cannot even list the file
    // it would move, so nothing moves. Then a little room (16 KB): the file is moved aside, but
    // the fresh database does not fit. Twice.
    let filler = fill(&disk);
    let refused = |attempt: &str| match Moa::open(config.clone()) {
        Err(e) => eprintln!("open {attempt}: {e}"),
        Ok(moa) => panic!("open {attempt} succeeded: {:?}", moa.recovery()),
    };
    refused("on a full disk");
    let full = std::fs::metadata(&filler).unwrap().len();
    std::fs::OpenOptions::new().write(true).open(&filler).unwrap().set_len(full - 16 * 1024).unwrap();
    refused("with 16 KB free");
    refused("again with what is left");
    let moved: Vec<String> = std::fs::read_dir(disk.join("moa"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".corrupt-") && !n.ends_with("-wal") && !n.ends_with("-shm"))
        .collect();
    assert!(!moved.is_empty(), "the damaged file was moved aside before the disk stopped the rescue");

    // Room again: the next open finishes the rescue, whatever the failed ones left behind.
    std::fs::remove_file(filler).unwrap();
    let moa = Moa::open(config.clone()).unwrap();
    let recovery = moa.recovery().expect("the unfinished rescue is finished and reported").clone();
    assert_eq!(recovery.salvaged_wishlist, wished.len() as u64, "{recovery:?}");
    assert_eq!(recovery.salvaged_followed_malls, 1);
    let mut now_wished: Vec<String> = moa.wishlist().unwrap().into_iter().map(|w| w.product_id).collect();
    now_wished.sort();
    let mut want = wished.clone();
    want.sort();
    assert_eq!(now_wished, want, "every 찜 survived the full disk");
    assert_eq!(moa.followed_malls().unwrap().len(), 1);
    assert!(moa.store().integrity_check().unwrap().is_empty());

    // Finished means finished: a 찜 removed now is not brought back by a later open.
    moa.remove_from_wishlist(&wished[0]).unwrap();
    drop(moa);
    let moa = Moa::open(config).unwrap();
    assert!(moa.recovery().is_none(), "an ordinary open");
    assert_eq!(moa.wishlist().unwrap().len(), wished.len() - 1);
}

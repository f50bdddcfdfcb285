//! Stateless replicas behind a cache: two servers on one catalog database, Debian's nginx in
//! front of them as a load balancer and caching proxy. A device syncing through nginx is served
//! by both servers in turn and ends with exactly the catalog; a second device's full change
//! pages come from nginx's cache (its log says HIT). On SQLite (two handles on one file) and,
//! with `MOA_TEST_POSTGRES`, on PostgreSQL (two pools on one schema).

use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::Arc;
use std::time::Duration;

use moa_core::model::Product;
use moa_core::{FixedClock, Moa, MoaConfig, SyncOptions};
use moa_server::{CatalogDb, DemoSpec, RunningServer};

const NOW: i64 = 1_795_000_000;

/// nginx, stopped when the test ends however it ends.
struct Nginx(Child);

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn nginx_binary() -> PathBuf {
    ["/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/bin/nginx"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .expect("nginx (Debian's package; scripts/test.sh installs it)")
}

fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap().local_addr().unwrap().port()
}

/// nginx in the foreground, one process, everything in `dir`: round robin over `replicas`,
/// caching what their Cache-Control allows, logging whether each answer was a cache hit.
fn start_nginx(dir: &Path, port: u16, replicas: &[SocketAddr]) -> Nginx {
    let servers: String = replicas.iter().map(|a| format!("server {a};\n")).collect();
    let d = dir.display();
    let config = format!(
        r#"daemon off;
master_process off;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 256; }}
http {{
    log_format cache '$upstream_cache_status $upstream_addr $request_uri';
    access_log {d}/access.log cache;
    client_body_temp_path {d}/body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;
    proxy_cache_path {d}/cache levels=1:2 keys_zone=moa:10m max_size=256m inactive=1h;
    upstream moa {{ {servers} }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://moa;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_cache moa;
            proxy_cache_key $request_uri;
            add_header X-Cache $upstream_cache_status;
        }}
    }}
}}
"#
    );
    let conf = dir.join("nginx.conf");
    std::fs::write(&conf, config).unwrap();
    let child = Command::new(nginx_binary()).arg("-c").arg(&conf).arg("-p").arg(dir).spawn().expect("nginx starts");
    let nginx = Nginx(child);
    for _ in 0..100 {
        if std::net::TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_ok() {
            return nginx;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("nginx did not listen (its error log and stderr say why)");
}

/// The catalog and a second handle on its database (PostgreSQL when the tests run there, else a
/// SQLite file): what two server processes on one database have.
fn two_handles(dir: &Path) -> (Arc<CatalogDb>, Arc<CatalogDb>) {
    let first = if std::env::var_os(moa_server::db::THROWAWAY_POSTGRES_ENV).is_some() {
        CatalogDb::open(None).unwrap()
    } else {
        CatalogDb::open(Some(&dir.join("catalog.db"))).unwrap()
    };
    moa_server::populate(&first, DemoSpec { seed: 81, products: 1_200, now: NOW }).unwrap();
    let second = first.same_database().unwrap();
    (Arc::new(first), Arc::new(second))
}

fn expected_cache(catalog: &CatalogDb, server_url: &str) -> Vec<Product> {
    let base = url::Url::parse(&format!("{server_url}/")).unwrap();
    let mut products = catalog.live_products().unwrap();
    for p in &mut products {
        p.image_url = base.join(&p.image_url).unwrap().to_string();
    }
    products
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_behind_nginx_serve_one_catalog_and_full_pages_from_its_cache() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = two_handles(dir.path());
    let loopback = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
    let (one, two) =
        (RunningServer::start(a.clone(), loopback).await.unwrap(), RunningServer::start(b, loopback).await.unwrap());
    let port = free_port();
    let nginx_dir = dir.path().join("nginx");
    std::fs::create_dir(&nginx_dir).unwrap();
    let _nginx = start_nginx(&nginx_dir, port, &[one.addr, two.addr]);
    let front = format!("http://127.0.0.1:{port}");

    let pages = SyncOptions { page_limit: Some(100), ..Default::default() };
    let mut devices = Vec::new();
    for _ in 0..2 {
        let data = tempfile::tempdir().unwrap();
        let moa = Moa::open(MoaConfig::new(data.path()).clock(FixedClock::at_secs(NOW)).server(&front)).unwrap();
        let report = moa.sync_with(pages.clone()).await.unwrap();
        assert_eq!(report.upserted, 1_200);
        assert_eq!(moa.store().all_products().unwrap(), expected_cache(&a, &front), "exactly the catalog");
        devices.push((moa, data));
    }

    let log = std::fs::read_to_string(nginx_dir.join("access.log")).unwrap();
    let pages_log: Vec<&str> = log.lines().filter(|l| l.contains("/v1/catalog/changes")).collect();
    let served_by = |replica: SocketAddr| pages_log.iter().filter(|l| l.contains(&replica.to_string())).count();
    assert!(served_by(one.addr) > 0 && served_by(two.addr) > 0, "both replicas served pages:\n{log}");
    // The first device filled the cache; the second device's 11 full pages (and the tail, within
    // its five seconds) came from it.
    let hits = pages_log.iter().filter(|l| l.starts_with("HIT")).count();
    assert!(hits >= 11, "{hits} cache hits:\n{log}");
    one.shutdown().await;
    two.shutdown().await;
}

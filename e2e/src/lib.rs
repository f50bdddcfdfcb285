//! Moa end to end. Its `tests/` boot a real `moa-server` on loopback and drive the on-device core
//! against it (sync, accounts, alerts, search, faults, crashes, replicas), and its `benches/`
//! measure the feed on a synced catalog. It exists so that `moa-core` never depends on the
//! server, not even for its tests. Its only code is what tests and benchmarks share: the cache a
//! device must hold, and Debian's nginx as a caching proxy (also `moa bench serve`'s).

use moa_protocol::model::Product;
use moa_server::CatalogDb;

/// `hour`:`minute` in Korea, `days` after the local day of `now_secs` (the tests' pinned
/// clock), in Unix ms: alert policies are in the shopper's local time.
pub fn kst(now_secs: i64, days: i64, hour: i64, minute: i64) -> i64 {
    const KST_MS: i64 = 9 * 3_600_000;
    let today = (now_secs * 1000 + KST_MS) / 86_400_000;
    (today + days) * 86_400_000 - KST_MS + hour * 3_600_000 + minute * 60_000
}

/// The server's listed products as a device that synced them holds them.
pub fn expected_cache(catalog: &CatalogDb, server_url: &str) -> Vec<Product> {
    as_synced(catalog.live_products().expect("the catalog reads"), server_url)
}

/// Products as a device holds them after syncing them from `server_url`: photo URLs resolved
/// against the server, as the sync does.
pub fn as_synced(mut products: Vec<Product>, server_url: &str) -> Vec<Product> {
    let base = url::Url::parse(&format!("{server_url}/")).expect("a server URL");
    let resolve = |url: &str| base.join(url).expect("a photo URL").to_string();
    for p in &mut products {
        p.image_url = resolve(&p.image_url);
        p.more_image_urls = p.more_image_urls.iter().map(|u| resolve(u)).collect();
    }
    products
}

pub mod nginx {

    use std::net::{Ipv4Addr, SocketAddr, TcpListener};
    use std::path::{Path, PathBuf};
    use std::process::{Child, Command};
    use std::time::Duration;

    /// nginx, stopped when the test ends however it ends.
    pub struct Nginx(Child);

    impl Drop for Nginx {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }

    fn nginx_binary() -> Option<PathBuf> {
        ["/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/bin/nginx"].iter().map(PathBuf::from).find(|p| p.exists())
    }

    /// Whether Debian's nginx is here (scripts/test.sh installs it).
    pub fn installed() -> bool {
        nginx_binary().is_some()
    }

    pub fn free_port() -> u16 {
        TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap().local_addr().unwrap().port()
    }

    /// nginx in the foreground, one process, everything in `dir`: round robin over `replicas`,
    /// caching what their Cache-Control allows, logging whether each answer was a cache hit.
    pub fn start_nginx(dir: &Path, port: u16, replicas: &[SocketAddr]) -> Nginx {
        let servers: String = replicas.iter().map(|a| format!("server {a};\n")).collect();
        let d = dir.display();
        let config = format!(
            r#"daemon off;
    master_process off;
    pid {d}/nginx.pid;
    error_log {d}/error.log warn;
    events {{ worker_connections 4096; }}
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
        let child = Command::new(nginx_binary().expect("nginx (Debian's package; scripts/test.sh installs it)"))
            .arg("-c")
            .arg(&conf)
            .arg("-p")
            .arg(dir)
            .spawn()
            .expect("nginx starts");
        let nginx = Nginx(child);
        for _ in 0..100 {
            if std::net::TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_ok() {
                return nginx;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("nginx did not listen (its error log and stderr say why)");
    }
}

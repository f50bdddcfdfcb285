//! `moa serve`: the reference catalog server, over a demo world or a catalog database.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

use clap::Args;
use moa_server::shelves::DEFAULT_SHELF_SIZE;
use moa_server::{CatalogDb, DemoSpec, FaultPlan, RunningServer};

use crate::output::unix_now;
use crate::output::CliResult;

/// Run the reference catalog server. Prints the URL it listens on as its first line.
#[derive(Args)]
pub struct ServeArgs {
    /// Serve a generated demo world (in memory).
    #[arg(long)]
    pub demo: bool,
    /// With --demo: how many products to generate.
    #[arg(long, default_value_t = DemoSpec::DEFAULT_PRODUCTS)]
    pub products: usize,
    /// With --demo: seed of the demo world.
    #[arg(long, default_value_t = DemoSpec::DEFAULT_SEED)]
    pub seed: u64,
    /// With --demo: the time (Unix seconds) the world is built at, so that tests pinning
    /// their clock to it see the same new arrivals and sale ends on any date; the server's clock
    /// starts there too. Default: now.
    #[arg(long, requires = "demo")]
    pub now: Option<i64>,
    /// Serve the catalog kept in this database: a SQLite file, or a `postgres://` URL (any
    /// number of servers may serve one PostgreSQL catalog).
    /// With --demo: the demo world is written into it first, unless it already holds products.
    #[arg(long = "database", visible_alias = "db")]
    pub db: Option<String>,
    /// Port to listen on; 0 picks a free one.
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// Address to bind. Loopback by default: the server has no authentication yet.
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    pub bind: IpAddr,
    /// Behind a load balancer or proxy that appends the client's address to X-Forwarded-For: the
    /// sign-in and install limits count that address instead of the proxy's.
    #[arg(long)]
    pub behind_proxy: bool,
    /// Misbehave on purpose, for resilience tests: e.g. "500@0.2,429:2@req=3,cut@req=5".
    /// Rules are KIND[:ARG]@TRIGGER[@TARGET]; see docs/CLI.md for the list.
    #[arg(long)]
    pub faults: Option<String>,
}

pub async fn run(a: ServeArgs) -> CliResult {
    let faults = a.faults.map(|spec| spec.parse::<FaultPlan>().map(Arc::new)).transpose().map_err(|e| e.to_string())?;
    let addr = SocketAddr::new(a.bind, a.port);
    // A world built at a given time runs the server's clock from there (sessions, the events'
    // upload window), so the apps' tests agree with it on any date.
    let clock = a.now.map(|now| moa_server::Clock::starting_at(now * 1000));
    let options = moa_server::ServerOptions { faults, demo_controls: a.demo, clock, behind_proxy: a.behind_proxy };
    serve(a.demo, a.products, a.seed, a.now.unwrap_or_else(unix_now), a.db, addr, options).await
}

/// Build the demo world, saying so on standard error (the URL line stays the first of standard
/// output): 100,000 products take seconds, and a silent server looks hung.
fn building<T>(spec: DemoSpec, build: impl FnOnce() -> T) -> T {
    crate::output::long_step(&format!("moa-server: building the demo world of {} products", spec.products), build)
}

/// The working sets, chosen once the server answers (seconds for a large world): until then a
/// shelf's feed is empty, and a device that synced meanwhile gets the products as they enter,
/// at its next sync.
fn stock_the_shelves(catalog: Arc<CatalogDb>, now: i64) {
    tokio::task::spawn_blocking(move || {
        let started = std::time::Instant::now();
        match catalog.refresh_shelves(now, DEFAULT_SHELF_SIZE) {
            Ok(r) => eprintln!(
                "moa-server: {} shelves stocked with {} products {}",
                r.shelves,
                r.entered,
                crate::output::took(started)
            ),
            Err(e) => eprintln!("moa-server: the shelves could not be stocked: {e}"),
        }
    });
}

async fn serve(
    demo: bool,
    products: usize,
    seed: u64,
    now: i64,
    db: Option<String>,
    addr: SocketAddr,
    options: moa_server::ServerOptions,
) -> CliResult {
    let spec = DemoSpec { seed, products, now };
    let catalog = if let Some(db) = db {
        let catalog = CatalogDb::open_at(&db).map_err(|e| format!("{db}: {e}"))?;
        // Replicas started with --demo on one database: the first writes the world, the rest serve it.
        if demo && catalog.last_seq().map_err(|e| e.to_string())? == 0 {
            building(spec, || moa_server::populate(&catalog, spec)).map_err(|e| e.to_string())?;
        }
        Arc::new(catalog)
    } else if demo {
        building(spec, || moa_server::demo_catalog(spec)).map_err(|e| e.to_string())?.0
    } else {
        return Err("nothing to serve: pass --demo, or --db with a catalog database".into());
    };
    // A demo world is a QA world: its controls let tests and QA play the malls (options).
    let server = RunningServer::start_with(Arc::clone(&catalog), addr, options)
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    // A catalog whose shelves were never stocked has devices following empty working sets:
    // stock them now (the demo's always; afterwards `moa shelves` after imports).
    let unstocked = !catalog.shelves_stocked().unwrap_or(true);
    if demo || unstocked {
        stock_the_shelves(catalog, now);
    }
    // The first line is the URL, so scripts and tests can read where to connect.
    println!("{}", server.url);
    eprintln!("moa-server: serving the catalog; Ctrl-C to stop");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = server.wait() => {}
    }
    Ok(())
}

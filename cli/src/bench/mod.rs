//! What `moa bench` measures, each against a baseline run alongside (docs/BENCHMARKS.md).

pub mod cold_start;
pub mod images;
pub mod ingest;
pub mod search;
pub mod serve;
pub mod sync;
pub mod working_set;

use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdout, Command, Stdio};

use moa_core::wire::Change;
use moa_core::Moa;
use moa_server::{DemoSpec, DemoWorld};

/// `moa serve` in a process of its own (so that its memory and CPU are not counted as the
/// bench's), killed when the bench ends, however it ends.
pub struct ServerProcess {
    child: Child,
    /// Held open: a server writing to a closed pipe would die of it.
    _stdout: BufReader<ChildStdout>,
}

impl ServerProcess {
    /// Start `moa` with `args` (a `serve` command on port 0) and read the URL it listens on.
    pub fn start(args: &[&str]) -> Result<(ServerProcess, String), String> {
        crate::output::long_step("starting a server", || ServerProcess::spawn(args))
    }

    fn spawn(args: &[&str]) -> Result<(ServerProcess, String), String> {
        let exe = std::env::current_exe().map_err(|e| e.to_string())?;
        let mut child = Command::new(exe)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start the server: {e}"))?;
        let mut stdout = BufReader::new(child.stdout.take().ok_or("no server stdout")?);
        let mut url = String::new();
        let read = stdout.read_line(&mut url);
        let server = ServerProcess { child, _stdout: stdout };
        read.map_err(|e| e.to_string())?;
        let url = url.trim().to_string();
        if !url.starts_with("http") {
            return Err(format!("the server did not say where it listens: {url:?}"));
        }
        Ok((server, url))
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The demo world of `spec`, saying so on standard error (a large one takes seconds to minutes).
pub fn demo_world(spec: DemoSpec) -> DemoWorld {
    crate::output::long_step(&format!("building the demo world of {} products", spec.products), || {
        DemoWorld::generate(spec)
    })
}

/// The cache as a sync leaves it — the world's malls, then its products in pages of 1,000 —
/// without the HTTP, saying so on standard error.
pub fn fill_cache(moa: &Moa, world: &DemoWorld) -> Result<(), String> {
    crate::output::long_step(&format!("writing {} products into a cache", world.products.len()), || {
        write_cache(moa, world)
    })
}

fn write_cache(moa: &Moa, world: &DemoWorld) -> Result<(), String> {
    moa.store().replace_malls(&world.malls, None).map_err(|e| e.to_string())?;
    for (n, chunk) in world.products.chunks(1000).enumerate() {
        let changes: Vec<Change> = chunk
            .iter()
            .enumerate()
            .map(|(i, p)| Change::Upsert { seq: (n * 1000 + i + 1) as u64, product: p.clone() })
            .collect();
        moa.store().apply_catalog_page(&changes, ((n + 1) * 1000) as u64).map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// The middle of the runs (the upper middle of an even number).
pub fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// The process's peak resident set (VmHWM), in MB; 0 where /proc is not available.
pub fn peak_rss_mb() -> f64 {
    proc_status_mb("VmHWM:")
}

/// The process's resident set now (VmRSS), in MB; 0 where /proc is not available.
pub fn resident_mb() -> f64 {
    proc_status_mb("VmRSS:")
}

fn proc_status_mb(field: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with(field))?.split_whitespace().nth(1)?.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

//! What `moa bench` measures, each against a baseline run alongside (docs/BENCHMARKS.md).

pub mod images;
pub mod ingest;
pub mod search;
pub mod serve;
pub mod sync;

use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdout, Command, Stdio};

pub use sync::peak_rss_mb;

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

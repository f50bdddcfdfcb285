//! The one tokio runtime the core owns, process-wide, created on first use. The apps' async
//! calls (through moa-ffi) run their work here, whatever executor the app awaits them from —
//! Kotlin coroutines, Swift concurrency — so that network and timers always find a reactor.

use std::future::Future;

use once_cell::sync::Lazy;
use tokio::runtime::{Builder, Runtime};
use tokio::task::JoinHandle;

static RUNTIME: Lazy<Runtime> = Lazy::new(|| {
    Builder::new_multi_thread()
        // Phones have many cores but the core's work is mostly waiting on the network and on
        // SQLite (which has its own blocking threads); two workers keep the footprint small.
        .worker_threads(2)
        .thread_name("moa-core")
        .enable_all()
        .build()
        .expect("the core's tokio runtime starts")
});

pub fn runtime() -> &'static Runtime {
    &RUNTIME
}

/// Run `work` on the core's runtime and wait for it from any executor. Dropping the returned
/// future (a cancelled coroutine or Swift task) aborts the work at its next await point; work
/// already handed to SQLite finishes its transaction.
pub async fn run_on_core<F>(work: F) -> F::Output
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let mut task = AbortOnDrop(RUNTIME.spawn(work));
    match (&mut task.0).await {
        Ok(output) => output,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(e) => panic!("core task ended without a result: {e}"),
    }
}

struct AbortOnDrop<T>(JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

//! The core's error: rich enough for Rust callers and tests to match on, and free of personal
//! data so it can be logged and shown. The bindings map it to a smaller public enum.

use crate::wire::Problem;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("storage error: {0}")]
    Storage(#[from] rusqlite::Error),

    #[error("file error: {0}")]
    Io(#[from] std::io::Error),

    /// The database was written by a newer Moa; opening it could destroy what that version wrote.
    #[error("database schema version {found} is newer than this app supports ({supported}); update the app")]
    NewerDatabase { found: u32, supported: u32 },

    #[error("network error: {0}")]
    Network(#[from] reqwest::Error),

    /// The server answered with an error status (and, usually, a problem document).
    #[error("server answered {status}: {}", problem.as_ref().map(|p| p.title.as_str()).unwrap_or("no details"))]
    Server { status: u16, problem: Option<Problem> },

    /// The server answered something that breaks the protocol (not JSON, sequence going backwards …).
    #[error("protocol violation: {0}")]
    Protocol(String),

    #[error("invalid input: {0}")]
    InvalidInput(String),

    /// A bug or a lost worker thread: never the shopper's or the server's fault.
    #[error("internal error: {0}")]
    Internal(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

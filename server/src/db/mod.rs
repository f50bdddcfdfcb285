//! The server's database: one SQLite file (or memory, for the demo and tests) holding the
//! catalog, accounts and the malls' registry. The schema is one file, `schema.sql`, versioned
//! in SQLite's `user_version`; the modules that read and write it (`catalog`, `accounts`,
//! `ingest::registry`) each add their part of [`CatalogDb`]'s methods.

pub(crate) mod changes;

use std::path::Path;
use std::sync::Mutex;

use rusqlite::Connection;

const SCHEMA: &str = include_str!("schema.sql");

/// The version `schema.sql` creates; a later schema bumps it and adds an upgrade step.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("catalog database: {0}")]
    Storage(#[from] rusqlite::Error),
    #[error("catalog record: {0}")]
    Json(#[from] serde_json::Error),
    /// A record the catalog refuses to keep (a mall profile that does not validate).
    #[error("{0}")]
    Invalid(String),
}

pub struct CatalogDb {
    conn: Mutex<Connection>,
}

impl CatalogDb {
    /// Open the catalog at `path`, or in memory when None (demo and tests).
    pub fn open(path: Option<&Path>) -> Result<Self, CatalogError> {
        let conn = match path {
            Some(path) => Connection::open(path)?,
            None => Connection::open_in_memory()?,
        };
        conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;")?;
        conn.execute_batch(SCHEMA)?;
        conn.pragma_update(None, "user_version", SCHEMA_VERSION)?;
        Ok(CatalogDb { conn: Mutex::new(conn) })
    }

    pub(crate) fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }
}

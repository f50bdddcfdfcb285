//! The server's database: one SQLite file (or memory, for the demo and tests) holding the
//! catalog, accounts and the malls' registry. The schema is one file, `schema.sql`, versioned
//! in SQLite's `user_version`; the modules that read and write it (`catalog`, `accounts`,
//! `ingest::registry`) each add their part of [`CatalogDb`]'s methods.

pub(crate) mod changes;

use std::path::Path;
use std::sync::Mutex;

use rusqlite::Connection;

const SCHEMA: &str = include_str!("schema.sql");

/// The version `schema.sql` creates. A later schema bumps it, updates `schema.sql`, and adds
/// the step from the version before to [`UPGRADES`]; the tests hold both roads to one schema.
pub const SCHEMA_VERSION: u32 = 2;

/// An upgrade step, run inside the upgrade's transaction.
type Upgrade = fn(&Connection) -> Result<(), CatalogError>;

/// Upgrade steps: `UPGRADES[i]` takes a database from version `i + 1` to `i + 2`. A database
/// from before versioning (version 0) is version 1's schema, which `schema.sql` completes; it
/// and a fresh file run every step, so a step acts only on what is there to change.
const UPGRADES: &[Upgrade] = &[hash_mall_keys];

/// Version 2 keeps a mall's key as its SHA-256: the plain keys of version 1 are hashed in place.
fn hash_mall_keys(conn: &Connection) -> Result<(), CatalogError> {
    let plain = conn.prepare("SELECT key FROM mall_keys LIMIT 0").is_ok();
    if !plain {
        return Ok(());
    }
    // Freed pages are zeroed, so the plain keys do not linger in the file's free space.
    conn.execute_batch(
        "PRAGMA secure_delete = ON;
         ALTER TABLE mall_keys RENAME TO mall_keys_v1;
         CREATE TABLE mall_keys (key_hash TEXT PRIMARY KEY, mall_id TEXT NOT NULL);",
    )?;
    let keys: Vec<(String, String)> = conn
        .prepare("SELECT key, mall_id FROM mall_keys_v1")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    for (key, mall_id) in keys {
        conn.execute(
            "INSERT OR REPLACE INTO mall_keys (key_hash, mall_id) VALUES (?1, ?2)",
            rusqlite::params![crate::secrets::sha256_hex(&[&key]), mall_id],
        )?;
    }
    conn.execute_batch("DROP TABLE mall_keys_v1")?;
    Ok(())
}

const _: () = assert!(UPGRADES.len() == SCHEMA_VERSION as usize - 1);

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("catalog database: {0}")]
    Storage(#[from] rusqlite::Error),
    #[error("catalog record: {0}")]
    Json(#[from] serde_json::Error),
    /// A record the catalog refuses to keep (a mall profile that does not validate).
    #[error("{0}")]
    Invalid(String),
    /// The database was written by a newer server; this one could damage what it wrote.
    #[error("catalog database version {found} is newer than this server's ({supported}); run the newer server")]
    NewerDatabase { found: u32, supported: u32 },
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
        migrate(&conn)?;
        Ok(CatalogDb { conn: Mutex::new(conn) })
    }

    pub(crate) fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Bring the schema to [`SCHEMA_VERSION`] in one transaction; a newer database is refused and
/// left as it is.
fn migrate(conn: &Connection) -> Result<(), CatalogError> {
    let found: u32 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if found > SCHEMA_VERSION {
        return Err(CatalogError::NewerDatabase { found, supported: SCHEMA_VERSION });
    }
    if found == SCHEMA_VERSION {
        return Ok(());
    }
    conn.execute_batch("BEGIN IMMEDIATE")?;
    let steps = || -> Result<(), CatalogError> {
        for step in &UPGRADES[found.saturating_sub(1) as usize..] {
            step(conn)?;
        }
        // Every statement of the schema is IF NOT EXISTS: it creates what a database from before
        // versioning (or a fresh one) lacks, and leaves an upgraded one as it is.
        conn.execute_batch(SCHEMA)?;
        conn.pragma_update(None, "user_version", SCHEMA_VERSION)?;
        Ok(())
    };
    match steps() {
        Ok(()) => Ok(conn.execute_batch("COMMIT")?),
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_recorded_and_a_newer_database_is_refused_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("catalog.db");
        let db = CatalogDb::open(Some(&path)).unwrap();
        db.put_malls(&[]).unwrap();
        let version =
            |conn: &Connection| conn.pragma_query_value(None, "user_version", |r| r.get::<_, u32>(0)).unwrap();
        assert_eq!(version(&db.conn()), SCHEMA_VERSION);
        drop(db);
        // A database from before versioning (version 0, the same tables): adopted, data kept.
        let conn = Connection::open(&path).unwrap();
        conn.execute("INSERT INTO malls (id, body) VALUES ('rose', '{}')", []).unwrap();
        conn.pragma_update(None, "user_version", 0).unwrap();
        drop(conn);
        let db = CatalogDb::open(Some(&path)).unwrap();
        assert_eq!(version(&db.conn()), SCHEMA_VERSION);
        let malls: i64 = db.conn().query_row("SELECT count(*) FROM malls", [], |r| r.get(0)).unwrap();
        assert_eq!(malls, 1);
        drop(db);
        // A newer server's database: refused, and its version left as it was.
        let conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1).unwrap();
        drop(conn);
        assert!(matches!(
            CatalogDb::open(Some(&path)),
            Err(CatalogError::NewerDatabase { found, supported }) if found == SCHEMA_VERSION + 1 && supported == SCHEMA_VERSION
        ));
        assert_eq!(version(&Connection::open(&path).unwrap()), SCHEMA_VERSION + 1);
    }

    #[test]
    fn version_1_mall_keys_are_hashed_and_still_open_their_stats() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("catalog.db");
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(
            "CREATE TABLE mall_keys (key TEXT PRIMARY KEY, mall_id TEXT NOT NULL);
             INSERT INTO mall_keys VALUES ('rose-plain-secret-key', 'rose');
             PRAGMA user_version = 1;",
        )
        .unwrap();
        drop(conn);
        let db = CatalogDb::open(Some(&path)).unwrap();
        assert_eq!(db.mall_of_key("rose-plain-secret-key").unwrap().as_deref(), Some("rose"));
        assert_eq!(db.mall_of_key("rose").unwrap(), None);
        drop(db);
        let bytes = std::fs::read(&path).unwrap();
        let plain = b"rose-plain-secret-key";
        assert!(!bytes.windows(plain.len()).any(|w| w == plain), "the plain key is gone from the file");
    }
}

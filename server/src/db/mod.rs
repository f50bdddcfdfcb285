//! The server's database: the catalog, accounts and the malls' registry, on one of two engines —
//! a SQLite file (or memory: the demo, tests, a small deployment) or PostgreSQL (`postgres://…`:
//! a real deployment, any number of servers on one database). The schema is one file,
//! `schema.sql`, read by both (PostgreSQL with BIGINT for INTEGER), versioned in SQLite's
//! `user_version` or PostgreSQL's `moa_schema` table. The modules that read and write it
//! (`catalog`, `accounts`, `ingest::registry`) each add their part of [`CatalogDb`]'s methods,
//! written once through [`sql::Sql`].

pub(crate) mod changes;
mod pg;
pub(crate) mod sql;
pub(crate) mod words;

use std::path::Path;
use std::sync::Mutex;

use rusqlite::Connection;

use sql::Sql;

/// Where a throwaway catalog (`CatalogDb::open(None)`: tests, the demo) lives instead of memory:
/// a PostgreSQL URL, for running every server test on PostgreSQL (`scripts/test.sh` sets it).
pub const THROWAWAY_POSTGRES_ENV: &str = "MOA_TEST_POSTGRES";

const SCHEMA: &str = include_str!("schema.sql");

/// PostgreSQL's advisory locks the server takes (any constants it owns): one for upgrading the
/// schema, one for the change sequence (`changes`).
const MIGRATION_LOCK: i64 = 7_302_001;
pub(crate) const SEQUENCE_LOCK: i64 = 7_302_002;

/// The version `schema.sql` creates. A later schema bumps it, updates `schema.sql`, and adds
/// the step from the version before to [`UPGRADES`]; the tests hold both roads to one schema.
pub const SCHEMA_VERSION: u32 = 6;

/// An upgrade step, run inside the upgrade's transaction.
type Upgrade = fn(&Connection) -> Result<(), CatalogError>;

/// Upgrade steps: `UPGRADES[i]` takes a database from version `i + 1` to `i + 2`. A database
/// from before versioning (version 0) is version 1's schema, which `schema.sql` completes; it
/// and a fresh file run every step, so a step acts only on what is there to change.
const UPGRADES: &[Upgrade] = &[hash_mall_keys, add_shelves, add_search, add_shelf_reserve, add_orders];

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

/// Version 3 adds the shelves (working sets): new tables only, which `schema.sql` creates.
fn add_shelves(_: &Connection) -> Result<(), CatalogError> {
    Ok(())
}

/// Version 4 keeps every listed product's words for search (`search.rs`): the table (which
/// `schema.sql` creates), its FTS5 index, and the words of the products already listed.
fn add_search(conn: &Connection) -> Result<(), CatalogError> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS product_words (product_id TEXT PRIMARY KEY, in_stock INTEGER NOT NULL,
                                                   popularity INTEGER NOT NULL, words TEXT NOT NULL);",
    )?;
    conn.execute_batch(words::SQLITE_INDEX)?;
    let listed = conn.prepare("SELECT 1 FROM products LIMIT 0").is_ok();
    if listed {
        words::index_every_product(conn)?;
    }
    Ok(())
}

/// Version 5 keeps what comes after each shelf: a new table, which `schema.sql` creates (the
/// next `moa shelves` fills it).
fn add_shelf_reserve(_: &Connection) -> Result<(), CatalogError> {
    Ok(())
}

/// Version 6 keeps orders across malls (issue #21): new tables only, which `schema.sql` creates.
fn add_orders(_: &Connection) -> Result<(), CatalogError> {
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
    #[error("catalog database (PostgreSQL): {0}")]
    Postgres(#[from] tokio_postgres::Error),
    #[error("catalog database (PostgreSQL pool): {0}")]
    Pool(#[from] deadpool_postgres::PoolError),
    /// The database cannot be reached or set up.
    #[error("catalog database: cannot connect: {0}")]
    Connect(String),
    /// A column read as the wrong kind of value (a schema the code does not expect).
    #[error("catalog database: {0}")]
    Column(String),
}

pub struct CatalogDb {
    engine: Engine,
    /// The SQLite file (None: memory, or PostgreSQL).
    path: Option<std::path::PathBuf>,
}

enum Engine {
    /// One connection: SQLite serialises writers anyway, and a small server needs no more.
    Sqlite(Mutex<Connection>),
    Postgres(pg::Pg),
}

impl CatalogDb {
    /// Open the SQLite catalog at `path`; None: a throwaway catalog (the demo, tests) — in
    /// memory, or in a fresh schema of the PostgreSQL at `$MOA_TEST_POSTGRES` when that is set.
    pub fn open(path: Option<&Path>) -> Result<Self, CatalogError> {
        let conn = match path {
            Some(path) => Connection::open(path)?,
            None => match std::env::var(THROWAWAY_POSTGRES_ENV) {
                Ok(url) if !url.is_empty() => return CatalogDb::throwaway_postgres(&url),
                _ => Connection::open_in_memory()?,
            },
        };
        // WAL: readers never wait for the writer; a busy timeout: another process on the file
        // (a second server, an ingest) waits its turn instead of failing.
        conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;")?;
        migrate(&conn)?;
        Ok(CatalogDb { engine: Engine::Sqlite(Mutex::new(conn)), path: path.map(Path::to_path_buf) })
    }

    /// Another handle on the same database, with its own connections: what a second server
    /// process (a replica) or an ingest worker has. A catalog in memory has none.
    pub fn same_database(&self) -> Result<CatalogDb, CatalogError> {
        match (&self.engine, &self.path) {
            (Engine::Postgres(pg), _) => Ok(CatalogDb { engine: Engine::Postgres(pg.another()?), path: None }),
            (Engine::Sqlite(_), Some(path)) => CatalogDb::open(Some(path)),
            (Engine::Sqlite(_), None) => Err(CatalogError::Invalid("a catalog in memory has no second handle".into())),
        }
    }

    /// A throwaway catalog in a fresh schema of the PostgreSQL at `url`, dropped with it
    /// (tests and `moa bench serve`).
    pub fn throwaway_postgres(url: &str) -> Result<Self, CatalogError> {
        CatalogDb::on_postgres(pg::Pg::throwaway(url)?)
    }

    /// What `open_at` takes to reach this catalog from another process (`moa serve --database`);
    /// a catalog in memory has none.
    pub fn location(&self) -> Option<String> {
        match (&self.engine, &self.path) {
            (Engine::Postgres(pg), _) => Some(pg.location()),
            (Engine::Sqlite(_), path) => path.as_ref().map(|p| p.display().to_string()),
        }
    }

    /// Open the catalog at `location`: a `postgres://` URL, or a SQLite file's path.
    pub fn open_at(location: &str) -> Result<Self, CatalogError> {
        if location.starts_with("postgres://") || location.starts_with("postgresql://") {
            CatalogDb::on_postgres(pg::Pg::connect(location, None)?)
        } else {
            CatalogDb::open(Some(Path::new(location)))
        }
    }

    fn on_postgres(pg: pg::Pg) -> Result<Self, CatalogError> {
        migrate_postgres(&pg.conn()?)?;
        Ok(CatalogDb { engine: Engine::Postgres(pg), path: None })
    }

    /// Statements outside a transaction (reads, and single statements).
    pub(crate) fn read<T>(&self, f: impl FnOnce(&dyn Sql) -> Result<T, CatalogError>) -> Result<T, CatalogError> {
        match &self.engine {
            Engine::Sqlite(conn) => f(&*lock(conn)),
            Engine::Postgres(pg) => f(&pg.conn()?),
        }
    }

    /// Statements in one transaction, committed when `f` succeeds and rolled back when it fails.
    /// On SQLite it is IMMEDIATE: it holds the write lock from its first statement.
    pub(crate) fn write<T>(&self, f: impl FnOnce(&dyn Sql) -> Result<T, CatalogError>) -> Result<T, CatalogError> {
        match &self.engine {
            Engine::Sqlite(conn) => {
                let conn = lock(conn);
                conn.execute_batch("BEGIN IMMEDIATE")?;
                finish(f(&*conn), |sql| Ok(conn.execute_batch(sql)?))
            }
            Engine::Postgres(pg) => {
                let conn = pg.conn()?;
                conn.batch("BEGIN")?;
                finish(f(&conn), |sql| conn.batch(sql))
            }
        }
    }

    /// The SQLite connection itself (the tests of what only SQLite has: versions, files).
    #[cfg(test)]
    pub(crate) fn sqlite(&self) -> std::sync::MutexGuard<'_, Connection> {
        match &self.engine {
            Engine::Sqlite(conn) => lock(conn),
            Engine::Postgres(_) => panic!("a SQLite catalog was expected"),
        }
    }
}

fn lock(conn: &Mutex<Connection>) -> std::sync::MutexGuard<'_, Connection> {
    conn.lock().unwrap_or_else(|e| e.into_inner())
}

/// COMMIT after success, ROLLBACK after failure (whose error is the one returned).
fn finish<T>(
    outcome: Result<T, CatalogError>,
    batch: impl Fn(&str) -> Result<(), CatalogError>,
) -> Result<T, CatalogError> {
    match outcome {
        Ok(value) => {
            batch("COMMIT")?;
            Ok(value)
        }
        Err(e) => {
            let _ = batch("ROLLBACK");
            Err(e)
        }
    }
}

/// The PostgreSQL schema: `schema.sql` with PostgreSQL's 64-bit integers, versioned in its own
/// table, set up under an advisory lock so that replicas starting together do not race.
fn migrate_postgres(conn: &pg::PgConn) -> Result<(), CatalogError> {
    conn.batch(&format!("BEGIN; SELECT pg_advisory_xact_lock({MIGRATION_LOCK});"))?;
    let outcome = (|| {
        conn.batch("CREATE TABLE IF NOT EXISTS moa_schema (version BIGINT NOT NULL)")?;
        let found = conn.query_opt("SELECT version FROM moa_schema", &[])?;
        let found = match found {
            Some(row) => row[0].int()? as u32,
            None => 0,
        };
        if found > SCHEMA_VERSION {
            return Err(CatalogError::NewerDatabase { found, supported: SCHEMA_VERSION });
        }
        if found < SCHEMA_VERSION {
            // PostgreSQL catalogs began at version 2; version 3 only added tables, which the
            // schema (all IF NOT EXISTS) creates; version 4 the words' trigram index, and the
            // words of what was listed before it; versions 5 and 6 tables.
            conn.batch(&SCHEMA.replace("INTEGER", "BIGINT"))?;
            conn.batch(words::POSTGRES_INDEX)?;
            if (1..4).contains(&found) {
                words::index_every_product(conn)?;
            }
            conn.execute("DELETE FROM moa_schema", &[])?;
            conn.execute("INSERT INTO moa_schema (version) VALUES (?1)", sql::values![SCHEMA_VERSION as i64])?;
        }
        Ok(())
    })();
    finish(outcome, |sql| conn.batch(sql))
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
    finish(steps(), |sql| Ok(conn.execute_batch(sql)?))
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
        assert_eq!(version(&db.sqlite()), SCHEMA_VERSION);
        drop(db);
        // A database from before versioning (version 0, the same tables): adopted, data kept.
        let conn = Connection::open(&path).unwrap();
        conn.execute("INSERT INTO malls (id, body) VALUES ('rose', '{}')", []).unwrap();
        conn.pragma_update(None, "user_version", 0).unwrap();
        drop(conn);
        let db = CatalogDb::open(Some(&path)).unwrap();
        assert_eq!(version(&db.sqlite()), SCHEMA_VERSION);
        let malls: i64 = db.sqlite().query_row("SELECT count(*) FROM malls", [], |r| r.get(0)).unwrap();
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

//! What happens when the database file is damaged or is not Moa's: the file is moved aside (kept
//! for diagnosis, with its WAL), whatever can still be read of the shopper's own data is carried
//! into a fresh database, and the app starts clean with a report of what happened. The catalog
//! is a cache and simply syncs again.

use std::io::Write;
use std::path::{Path, PathBuf};

use rusqlite::{params, Connection};
use serde::Serialize;

use crate::error::Result;

/// What opening the store had to do about a damaged or foreign file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Recovery {
    /// Why the file could not be used, e.g. "database disk image is malformed".
    pub reason: String,
    /// Where the old file now is.
    pub moved_to: PathBuf,
    pub salvaged_wishlist: u64,
    pub salvaged_followed_malls: u64,
    pub salvaged_settings: u64,
    pub salvaged_events: u64,
    /// Wishlist and follow changes the account had not yet heard of.
    pub salvaged_list_ops: u64,
}

/// Rows of the shopper's tables (wishlist, follows, settings, unsent and preference events) read
/// out of a damaged file.
#[derive(Default)]
pub(super) struct Salvage {
    wishlist: Vec<(String, Option<String>, i64, String)>,
    followed_malls: Vec<(String, i64)>,
    settings: Vec<(String, String)>,
    events: Vec<SalvagedEvent>,
    /// The outbox: changes to the lists the account has not yet heard of (version 6).
    list_ops: Vec<SalvagedListOp>,
    /// Click-outs and the orders from them (version 12): without them a recovered phone would
    /// take its orders for new ones again (a second purchase, a second alert).
    outlinks: Vec<(String, String, String, i64, i64)>,
    orders: Vec<(String, String, String, i64, String)>,
}

type SalvagedListOp = (String, String, String, bool, i64, Option<String>, Option<String>, Option<i64>);
type SalvagedEvent = (String, i64, String, Option<String>, Option<String>, Option<i64>, i64, Option<String>);

/// The file that says "this database was found damaged while the app ran; recover at next open".
pub(super) fn damage_marker(db: &Path) -> PathBuf {
    suffixed(db, ".damaged")
}

fn suffixed(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push(suffix);
    PathBuf::from(name)
}

/// The list of moved-aside files whose rescue has not yet committed, one file name a line: a
/// rescue the disk (or a crash) stopped halfway is finished by a later open, and only the files
/// listed here are ever read again (older `.corrupt-*` files were rescued long ago).
fn pending_list(db: &Path) -> PathBuf {
    suffixed(db, ".rescue-pending")
}

/// Move the database (and its WAL and shared-memory files) aside, listed as pending first: if
/// the list cannot be written (a full disk), nothing moves and the next open tries again.
pub(super) fn move_aside(db: &Path, now: i64) -> Result<PathBuf> {
    let mut moved_to = suffixed(db, &format!(".corrupt-{now}"));
    let mut n = 1;
    while moved_to.exists() {
        moved_to = suffixed(db, &format!(".corrupt-{now}-{n}"));
        n += 1;
    }
    let name = moved_to.file_name().expect("a file name").to_string_lossy().into_owned();
    let mut list = std::fs::OpenOptions::new().create(true).append(true).open(pending_list(db))?;
    list.write_all(format!("{name}\n").as_bytes())?;
    list.sync_all()?;
    std::fs::rename(db, &moved_to)?;
    for side in ["-wal", "-shm"] {
        let from = suffixed(db, side);
        if from.exists() {
            // The WAL may hold the newest commits; keep it beside the copy so it still applies.
            std::fs::rename(&from, suffixed(&moved_to, side))?;
        }
    }
    Ok(moved_to)
}

/// The moved-aside files still to rescue, oldest first.
pub(super) fn pending(db: &Path) -> Vec<PathBuf> {
    let dir = db.parent().unwrap_or(Path::new("."));
    let listed = std::fs::read_to_string(pending_list(db)).unwrap_or_default();
    listed.lines().map(str::trim).filter(|l| !l.is_empty()).map(|name| dir.join(name)).filter(|p| p.exists()).collect()
}

/// Carry what can be read of the pending files into the (fresh) database in one transaction,
/// then forget the list. A failure (a full disk) leaves the list for the next open.
pub(super) fn rescue(conn: &mut Connection, db: &Path, reason: String) -> Result<Option<Recovery>> {
    let files = pending(db);
    let Some(first) = files.first() else {
        let _ = std::fs::remove_file(pending_list(db));
        return Ok(None);
    };
    let mut recovery = Recovery {
        reason,
        moved_to: first.clone(),
        salvaged_wishlist: 0,
        salvaged_followed_malls: 0,
        salvaged_settings: 0,
        salvaged_events: 0,
        salvaged_list_ops: 0,
    };
    let salvages: Vec<Salvage> = files.iter().map(|f| salvage(f)).collect();
    restore(conn, &salvages)?;
    for s in &salvages {
        recovery.salvaged_wishlist += s.wishlist.len() as u64;
        recovery.salvaged_followed_malls += s.followed_malls.len() as u64;
        recovery.salvaged_settings += s.settings.len() as u64;
        recovery.salvaged_events += s.events.len() as u64;
        recovery.salvaged_list_ops += s.list_ops.len() as u64;
    }
    // Committed: the files are kept for diagnosis, never read again. (If this removal fails,
    // the next open restores the same rows again, which changes nothing.)
    let _ = std::fs::remove_file(pending_list(db));
    Ok(Some(recovery))
}

/// Read row by row, keeping every row read before the first error of each table.
fn salvage(path: &Path) -> Salvage {
    let mut out = Salvage::default();
    let Ok(conn) = Connection::open(path) else { return out };
    read_rows(&conn, "SELECT product_id, variant_id, added_at, snapshot FROM wishlist", &mut out.wishlist, |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
    });
    read_rows(&conn, "SELECT mall_id, followed_at FROM followed_malls", &mut out.followed_malls, |r| {
        Ok((r.get(0)?, r.get(1)?))
    });
    // The shopper's settings; what the server sent with its stats comes back with the next sync.
    let settings = format!("SELECT key, value FROM settings WHERE key <> '{}'", super::SESSION_MODEL_SETTING);
    read_rows(&conn, &settings, &mut out.settings, |r| Ok((r.get(0)?, r.get(1)?)));
    read_rows(
        &conn,
        "SELECT outlink_id, product_id, mall_id, left_at_ms, registered FROM outlinks",
        &mut out.outlinks,
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
    );
    read_rows(&conn, "SELECT mall_id, order_id, status, updated_ms, body FROM orders", &mut out.orders, |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
    });
    // Version 4 files have no `detail` column yet.
    let has_detail = conn.prepare("SELECT detail FROM events LIMIT 0").is_ok();
    let sql = if has_detail {
        "SELECT event_id, at_ms, kind, product_id, mall_id, dwell_ms, uploaded, detail FROM events"
    } else {
        "SELECT event_id, at_ms, kind, product_id, mall_id, dwell_ms, uploaded, NULL FROM events"
    };
    read_rows(&conn, sql, &mut out.events, |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?))
    });
    read_rows(
        &conn,
        "SELECT op_id, list, target, present, at_ms, variant_id, snapshot, price_at_add FROM list_ops ORDER BY id",
        &mut out.list_ops,
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?)),
    );
    out
}

fn read_rows<T>(
    conn: &Connection,
    sql: &str,
    out: &mut Vec<T>,
    read: impl Fn(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) {
    let Ok(mut stmt) = conn.prepare(sql) else { return };
    let Ok(mut rows) = stmt.query([]) else { return };
    while let Ok(Some(row)) = rows.next() {
        if let Ok(value) = read(row) {
            out.push(value);
        }
    }
}

/// Write the salvaged rows into the fresh database, in one transaction.
fn restore(conn: &mut Connection, salvages: &[Salvage]) -> Result<()> {
    let tx = conn.transaction()?;
    for salvage in salvages {
        restore_one(&tx, salvage)?;
    }
    tx.commit()?;
    Ok(())
}

fn restore_one(tx: &rusqlite::Transaction<'_>, salvage: &Salvage) -> Result<()> {
    for (product_id, variant_id, added_at, snapshot) in &salvage.wishlist {
        tx.execute(
            "INSERT OR IGNORE INTO wishlist (product_id, variant_id, added_at, snapshot) VALUES (?1, ?2, ?3, ?4)",
            params![product_id, variant_id, added_at, snapshot],
        )?;
    }
    for (mall_id, followed_at) in &salvage.followed_malls {
        tx.execute(
            "INSERT OR IGNORE INTO followed_malls (mall_id, followed_at) VALUES (?1, ?2)",
            params![mall_id, followed_at],
        )?;
    }
    for (key, value) in &salvage.settings {
        tx.execute("INSERT OR IGNORE INTO settings (key, value) VALUES (?1, ?2)", params![key, value])?;
    }
    for (outlink_id, product_id, mall_id, left_at_ms, registered) in &salvage.outlinks {
        tx.execute(
            "INSERT OR IGNORE INTO outlinks (outlink_id, product_id, mall_id, left_at_ms, registered)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![outlink_id, product_id, mall_id, left_at_ms, registered],
        )?;
    }
    for (mall_id, order_id, status, updated_ms, body) in &salvage.orders {
        tx.execute(
            "INSERT OR IGNORE INTO orders (mall_id, order_id, status, updated_ms, body) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![mall_id, order_id, status, updated_ms, body],
        )?;
    }
    for (event_id, at_ms, kind, product_id, mall_id, dwell_ms, uploaded, detail) in &salvage.events {
        tx.execute(
            "INSERT OR IGNORE INTO events (event_id, at_ms, kind, product_id, mall_id, dwell_ms, uploaded, detail)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![event_id, at_ms, kind, product_id, mall_id, dwell_ms, uploaded, detail],
        )?;
    }
    for (op_id, list, target, present, at_ms, variant_id, snapshot, price_at_add) in &salvage.list_ops {
        tx.execute(
            "INSERT OR IGNORE INTO list_ops (op_id, list, target, present, at_ms, variant_id, snapshot, price_at_add)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![op_id, list, target, present, at_ms, variant_id, snapshot, price_at_add],
        )?;
    }
    Ok(())
}

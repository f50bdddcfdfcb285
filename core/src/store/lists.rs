//! The outbox of list operations (wishlist and follows) and the account's lists coming back.
//!
//! Every local change to a list writes its operation in the same transaction, so a change the
//! shopper saw happen is a change the account will hear of, whatever kills the app.

use rusqlite::{params, Transaction, TransactionBehavior};

use super::{Store, SNAPSHOT_JSON};
use crate::error::Result;
use moa_protocol::wire::{AccountList, ListKind, ListOp};

/// The settings key of the list clock: the time of the last operation, so that the next one is
/// later even when the device's clock steps back.
const LIST_CLOCK: &str = "lists.clock";

/// Write the newest operation on one item of a list (replacing an older, unsent one: the server
/// keeps only the newest per item, so the older could never matter).
pub(super) fn record_op(
    tx: &Transaction<'_>,
    list: ListKind,
    target: &str,
    present: bool,
    variant_id: Option<&str>,
    now_ms: i64,
) -> Result<()> {
    let last = super::read_setting(tx, LIST_CLOCK)?;
    let at_ms = now_ms.max(last.and_then(|v| v.parse::<i64>().ok()).map_or(i64::MIN, |t| t + 1));
    super::write_setting(tx, LIST_CLOCK, &at_ms.to_string())?;
    tx.execute("DELETE FROM list_ops WHERE list = ?1 AND target = ?2", params![list.as_str(), target])?;
    let op_id = format!("{:032x}", rand::random::<u128>());
    // A wishlist add carries the product as the shopper saw it, for the account's other devices.
    tx.execute(
        "INSERT INTO list_ops (op_id, list, target, present, at_ms, variant_id, snapshot, price_at_add)
         SELECT ?1, ?2, ?3, ?4, ?5, ?6, w.snapshot, w.price_at_add
         FROM (SELECT 1) LEFT JOIN wishlist w ON ?2 = 'wishlist' AND ?4 AND w.product_id = ?3",
        params![op_id, list.as_str(), target, present, at_ms, variant_id],
    )?;
    Ok(())
}

impl Store {
    /// The oldest `limit` unsent operations of `list`, with their outbox row ids.
    pub fn pending_list_ops(&self, list: ListKind, limit: usize) -> Result<Vec<(i64, ListOp)>> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(
            "SELECT id, op_id, at_ms, present, target, variant_id, snapshot, price_at_add
             FROM list_ops WHERE list = ?1 ORDER BY id LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![list.as_str(), limit as i64], |r| {
            let snapshot: Option<String> = r.get(6)?;
            Ok((
                r.get(0)?,
                ListOp {
                    op_id: r.get(1)?,
                    at_ms: r.get(2)?,
                    present: r.get(3)?,
                    target: r.get(4)?,
                    variant_id: r.get(5)?,
                    // A snapshot that no longer reads is only a nicety lost, not the operation.
                    snapshot: snapshot.and_then(|s| serde_json::from_str(&s).ok()),
                    price_at_add: r.get(7)?,
                },
            ))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// How many operations wait for the account.
    pub fn unsent_list_ops(&self) -> Result<u64> {
        Ok(self.reader().query_row("SELECT count(*) FROM list_ops", [], |r| r.get::<_, i64>(0))? as u64)
    }

    /// The server has these operations: forget them (by outbox row, so that a newer operation
    /// on the same item written meanwhile stays).
    pub fn ack_list_ops(&self, ids: &[i64]) -> Result<()> {
        let mut conn = self.writer();
        let tx = conn.transaction()?;
        {
            let mut delete = tx.prepare_cached("DELETE FROM list_ops WHERE id = ?1")?;
            for id in ids {
                delete.execute([id])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Make the device's lists the account's, unless the shopper changed something since the
    /// outbox was emptied (then false: send that first). Wishlisted products take their snapshot
    /// from the catalog when it has them, from the account otherwise.
    pub fn replace_lists(&self, wishlist: &AccountList, follows: &AccountList) -> Result<bool> {
        let mut conn = self.writer();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let unsent: i64 = tx.query_row("SELECT count(*) FROM list_ops", [], |r| r.get(0))?;
        if unsent > 0 {
            return Ok(false);
        }
        tx.execute("DELETE FROM wishlist", [])?;
        tx.execute("DELETE FROM followed_malls", [])?;
        {
            let catalog_snapshot = format!(
                "(SELECT {SNAPSHOT_JSON} FROM products p LEFT JOIN malls m ON m.id = p.mall_id WHERE p.id = ?1)"
            );
            let mut wish = tx.prepare(&format!(
                "INSERT INTO wishlist (product_id, variant_id, added_at, snapshot, price_at_add)
                 SELECT ?1, ?2, ?3, s, ?5 FROM (SELECT coalesce({catalog_snapshot}, ?4) AS s) WHERE s IS NOT NULL"
            ))?;
            for item in &wishlist.items {
                let snapshot = item.snapshot.as_ref().map(|s| serde_json::to_string(s).expect("snapshots serialise"));
                wish.execute(params![item.target, item.variant_id, item.at_ms / 1000, snapshot, item.price_at_add])?;
            }
            let mut follow = tx.prepare("INSERT INTO followed_malls (mall_id, followed_at) VALUES (?1, ?2)")?;
            for item in &follows.items {
                follow.execute(params![item.target, item.at_ms / 1000])?;
            }
        }
        tx.commit()?;
        Ok(true)
    }

    /// Signing out: the account's lists leave the device (`keep` false), or stay as the guest's
    /// own (`keep` true), ready to join the next account signed in to.
    pub fn forget_account(&self, keep: bool) -> Result<()> {
        let mut conn = self.writer();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute("DELETE FROM list_ops", [])?;
        if keep {
            tx.execute(
                "INSERT INTO list_ops (op_id, list, target, present, at_ms, variant_id, snapshot, price_at_add)
                 SELECT lower(hex(randomblob(16))), 'wishlist', product_id, 1, added_at * 1000, variant_id, snapshot, price_at_add
                 FROM wishlist ORDER BY added_at",
                [],
            )?;
            tx.execute(
                "INSERT INTO list_ops (op_id, list, target, present, at_ms)
                 SELECT lower(hex(randomblob(16))), 'follows', mall_id, 1, followed_at * 1000 FROM followed_malls
                 ORDER BY followed_at",
                [],
            )?;
        } else {
            tx.execute("DELETE FROM wishlist", [])?;
            tx.execute("DELETE FROM followed_malls", [])?;
            tx.execute("DELETE FROM alerts", [])?;
        }
        tx.commit()?;
        Ok(())
    }
}

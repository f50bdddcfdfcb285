//! Shoppers' accounts on the server: sign-in sessions, and each account's wishlist and followed
//! malls as the merge of the operations its devices sent.
//!
//! Lists are last-writer-wins element sets: each item keeps the newest operation seen for it
//! (by the device's time, then the operation id), including removes, so an add that arrives
//! late never resurrects an item removed after it. Operation ids are remembered per account, so
//! a retried batch changes nothing — and one account's ids say nothing about another's.

use moa_protocol::wire::{AccountItem, AccountList, ListKind, ListOp, ListOpResult, Session};
use rusqlite::{params, OptionalExtension, TransactionBehavior};
use sha2::{Digest, Sha256};

use crate::db::{CatalogDb, CatalogError};

/// How long a session lasts unless signed out.
pub const SESSION_TTL_MS: i64 = 30 * 24 * 3_600_000;

fn sha256_hex(parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part.as_bytes());
        hasher.update([0u8]);
    }
    hasher.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

fn random_hex(bytes: usize) -> String {
    (0..bytes).map(|_| format!("{:02x}", rand::random::<u8>())).collect()
}

impl CatalogDb {
    /// Create an account (the demo world's shoppers; a real deployment has a sign-up flow).
    /// Passwords are kept salted and hashed.
    pub fn create_account(&self, username: &str, password: &str) -> Result<String, CatalogError> {
        let id = format!("acct-{}", random_hex(8));
        let salt = random_hex(16);
        self.conn().execute(
            "INSERT INTO accounts (id, username, salt, password_hash) VALUES (?1, ?2, ?3, ?4)",
            params![id, username, salt, sha256_hex(&[&salt, password])],
        )?;
        Ok(id)
    }

    /// A new session for the right username and password; None otherwise (without saying which
    /// was wrong).
    pub fn sign_in(
        &self,
        username: &str,
        password: &str,
        now_ms: i64,
        ttl_ms: i64,
    ) -> Result<Option<Session>, CatalogError> {
        let conn = self.conn();
        let account: Option<(String, String, String)> = conn
            .query_row("SELECT id, salt, password_hash FROM accounts WHERE username = ?1", [username], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .optional()?;
        let Some((account_id, salt, hash)) = account else { return Ok(None) };
        if sha256_hex(&[&salt, password]) != hash {
            return Ok(None);
        }
        let token = format!("moa_{}", random_hex(32));
        let expires_at_ms = now_ms + ttl_ms;
        conn.execute(
            "INSERT INTO sessions (token_hash, account_id, expires_ms) VALUES (?1, ?2, ?3)",
            params![sha256_hex(&[&token]), account_id, expires_at_ms],
        )?;
        Ok(Some(Session { token, account_id, username: username.to_string(), expires_at_ms }))
    }

    /// The account a token belongs to, if the session exists and has not expired.
    pub fn account_of_token(&self, token: &str, now_ms: i64) -> Result<Option<String>, CatalogError> {
        Ok(self
            .conn()
            .query_row(
                "SELECT account_id FROM sessions WHERE token_hash = ?1 AND expires_ms > ?2",
                params![sha256_hex(&[token]), now_ms],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Sign out: the token stops working.
    pub fn end_session(&self, token: &str) -> Result<bool, CatalogError> {
        Ok(self.conn().execute("DELETE FROM sessions WHERE token_hash = ?1", [sha256_hex(&[token])])? == 1)
    }

    /// Apply a batch of one account's operations, in one transaction.
    pub fn apply_list_ops(
        &self,
        account_id: &str,
        list: ListKind,
        ops: &[ListOp],
    ) -> Result<ListOpResult, CatalogError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut result = ListOpResult::default();
        {
            let mut remember = tx
                .prepare_cached("INSERT INTO account_ops (account_id, op_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING")?;
            let mut upsert = tx.prepare_cached(
                "INSERT INTO account_items (account_id, list, target, present, at_ms, op_id, variant_id, snapshot, price_at_add)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                 ON CONFLICT (account_id, list, target) DO UPDATE SET
                     present = excluded.present, at_ms = excluded.at_ms, op_id = excluded.op_id,
                     variant_id = excluded.variant_id, snapshot = excluded.snapshot, price_at_add = excluded.price_at_add
                 WHERE (excluded.at_ms, excluded.op_id) > (account_items.at_ms, account_items.op_id)",
            )?;
            for op in ops {
                if remember.execute(params![account_id, op.op_id])? == 0 {
                    result.duplicates += 1;
                    continue;
                }
                let snapshot = op.snapshot.as_ref().map(serde_json::to_string).transpose()?;
                let changed = upsert.execute(params![
                    account_id,
                    list.as_str(),
                    op.target,
                    op.present,
                    op.at_ms,
                    op.op_id,
                    op.variant_id,
                    snapshot,
                    op.price_at_add
                ])?;
                if changed == 1 {
                    result.applied += 1;
                } else {
                    result.superseded += 1;
                }
            }
        }
        tx.commit()?;
        Ok(result)
    }

    /// The items present in one account's list, oldest first.
    pub fn account_list(&self, account_id: &str, list: ListKind) -> Result<AccountList, CatalogError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT target, at_ms, variant_id, snapshot, price_at_add FROM account_items
             WHERE account_id = ?1 AND list = ?2 AND present = 1 ORDER BY at_ms, target",
        )?;
        let rows = stmt.query_map(params![account_id, list.as_str()], |r| {
            Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?, r.get::<_, Option<String>>(3)?, r.get(4)?))
        })?;
        let mut items = Vec::new();
        for row in rows {
            let (target, at_ms, variant_id, snapshot, price_at_add) = row?;
            let snapshot = snapshot.map(|s| serde_json::from_str(&s)).transpose()?;
            items.push(AccountItem { target, at_ms, variant_id, snapshot, price_at_add });
        }
        Ok(AccountList { items })
    }
}

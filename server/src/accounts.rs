//! Shoppers' accounts on the server: sign-in sessions, and each account's wishlist and followed
//! malls as the merge of the operations its devices sent.
//!
//! Lists are last-writer-wins element sets: each item keeps the newest operation seen for it
//! (by the device's time, then the operation id), including removes, so an add that arrives
//! late never resurrects an item removed after it. Operation ids are remembered per account, so
//! a retried batch changes nothing — and one account's ids say nothing about another's.

use std::sync::OnceLock;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use moa_protocol::wire::{AccountItem, AccountList, ListKind, ListOp, ListOpResult, Session};
use subtle::ConstantTimeEq;

use crate::db::sql::{first_text, take, values};
use crate::db::{CatalogDb, CatalogError};
use crate::secrets::{random_hex, sha256_hex};

/// How long a session lasts unless signed out.
pub const SESSION_TTL_MS: i64 = 30 * 24 * 3_600_000;

/// A password as stored: Argon2id (OWASP's parameters, the crate's defaults) in a PHC string
/// that carries its own salt and parameters.
fn hash_password(password: &str) -> String {
    let salt = SaltString::encode_b64(&rand::random::<[u8; 16]>()).expect("16 bytes make a salt");
    Argon2::default().hash_password(password.as_bytes(), &salt).expect("Argon2id hashes any password").to_string()
}

/// A hash no password is checked against but that costs what a real check costs: an unknown
/// user name takes as long as a wrong password, and says nothing of which names exist.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash_password(&random_hex(16)))
}

/// Whether `password` is the one stored, and whether the stored hash is an old one to replace.
/// Hashes from before Argon2 (one salted SHA-256) are still accepted once, compared in constant
/// time, and upgraded at that sign-in.
fn check_password(password: &str, salt: &str, stored: &str) -> (bool, bool) {
    match PasswordHash::new(stored) {
        Ok(hash) => (Argon2::default().verify_password(password.as_bytes(), &hash).is_ok(), false),
        Err(_) => {
            let legacy = sha256_hex(&[salt, password]);
            let same: bool = legacy.as_bytes().ct_eq(stored.as_bytes()).into();
            (same, true)
        }
    }
}

impl CatalogDb {
    /// Create an account (the demo world's shoppers; a real deployment has a sign-up flow).
    /// Passwords are kept salted and hashed.
    pub fn create_account(&self, username: &str, password: &str) -> Result<String, CatalogError> {
        let id = format!("acct-{}", random_hex(8));
        // The salt lives in the PHC string; the column kept the salt of the old SHA-256 hashes.
        self.read(|db| {
            db.execute(
                "INSERT INTO accounts (id, username, salt, password_hash) VALUES (?1, ?2, '', ?3)",
                values![&id, username, hash_password(password)],
            )
        })?;
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
        let account = self.read(|db| {
            db.query_opt("SELECT id, salt, password_hash FROM accounts WHERE username = ?1", values![username])
        })?;
        // The hash is checked with no connection held: it is meant to be slow.
        let Some(mut account) = account else {
            let _ = check_password(password, "", dummy_hash());
            return Ok(None);
        };
        let (account_id, salt, stored) =
            (take(&mut account, 0).text()?, take(&mut account, 1).text()?, take(&mut account, 2).text()?);
        let (right, outdated) = check_password(password, &salt, &stored);
        if !right {
            return Ok(None);
        }
        let token = format!("moa_{}", random_hex(32));
        let expires_at_ms = now_ms + ttl_ms;
        self.read(|db| {
            if outdated {
                db.execute(
                    "UPDATE accounts SET salt = '', password_hash = ?2 WHERE id = ?1",
                    values![&account_id, hash_password(password)],
                )?;
            }
            // Expired sessions go as new ones come (an index on the expiry keeps it cheap): the
            // table holds the sessions that still open something, and no more.
            db.execute("DELETE FROM sessions WHERE expires_ms <= ?1", values![now_ms])?;
            db.execute(
                "INSERT INTO sessions (token_hash, account_id, expires_ms) VALUES (?1, ?2, ?3)",
                values![sha256_hex(&[&token]), &account_id, expires_at_ms],
            )
        })?;
        Ok(Some(Session { token, account_id, username: username.to_string(), expires_at_ms }))
    }

    /// The account a token belongs to, if the session exists and has not expired.
    pub fn account_of_token(&self, token: &str, now_ms: i64) -> Result<Option<String>, CatalogError> {
        let row = self.read(|db| {
            db.query_opt(
                "SELECT account_id FROM sessions WHERE token_hash = ?1 AND expires_ms > ?2",
                values![sha256_hex(&[token]), now_ms],
            )
        })?;
        row.map(first_text).transpose()
    }

    /// Sign out: the token stops working.
    pub fn end_session(&self, token: &str) -> Result<bool, CatalogError> {
        Ok(self.read(|db| db.execute("DELETE FROM sessions WHERE token_hash = ?1", values![sha256_hex(&[token])]))?
            == 1)
    }

    /// Sign out everywhere (a lost phone): every session of the account stops working. Returns
    /// how many there were.
    pub fn end_all_sessions(&self, account_id: &str) -> Result<u64, CatalogError> {
        self.read(|db| db.execute("DELETE FROM sessions WHERE account_id = ?1", values![account_id]))
    }

    /// Sessions kept, expired or not (for the purge's test and operators).
    pub fn session_count(&self) -> Result<u64, CatalogError> {
        let row = self.read(|db| db.query_opt("SELECT count(*) FROM sessions", &[]))?;
        Ok(row.map_or(Ok(0), |r| r[0].int())? as u64)
    }

    /// Apply a batch of one account's operations, in one transaction.
    pub fn apply_list_ops(
        &self,
        account_id: &str,
        list: ListKind,
        ops: &[ListOp],
    ) -> Result<ListOpResult, CatalogError> {
        self.write(|tx| {
            let mut result = ListOpResult::default();
            for op in ops {
                let new = tx.execute(
                    "INSERT INTO account_ops (account_id, op_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
                    values![account_id, &op.op_id],
                )?;
                if new == 0 {
                    result.duplicates += 1;
                    continue;
                }
                let snapshot = op.snapshot.as_ref().map(serde_json::to_string).transpose()?;
                let changed = tx.execute(
                    "INSERT INTO account_items (account_id, list, target, present, at_ms, op_id, variant_id, snapshot, price_at_add)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                     ON CONFLICT (account_id, list, target) DO UPDATE SET
                         present = excluded.present, at_ms = excluded.at_ms, op_id = excluded.op_id,
                         variant_id = excluded.variant_id, snapshot = excluded.snapshot, price_at_add = excluded.price_at_add
                     WHERE (excluded.at_ms, excluded.op_id) > (account_items.at_ms, account_items.op_id)",
                    values![
                        account_id,
                        list.as_str(),
                        &op.target,
                        op.present,
                        op.at_ms,
                        &op.op_id,
                        op.variant_id.as_deref(),
                        snapshot,
                        op.price_at_add
                    ],
                )?;
                if changed == 1 {
                    result.applied += 1;
                } else {
                    result.superseded += 1;
                }
            }
            Ok(result)
        })
    }

    /// The items present in one account's list, oldest first.
    pub fn account_list(&self, account_id: &str, list: ListKind) -> Result<AccountList, CatalogError> {
        let rows = self.read(|db| {
            db.query(
                &format!(
                    "SELECT target, at_ms, variant_id, snapshot, price_at_add FROM account_items
                     WHERE account_id = ?1 AND list = ?2 AND present = 1 ORDER BY at_ms, {}",
                    db.dialect().by_text("target")
                ),
                values![account_id, list.as_str()],
            )
        })?;
        let mut items = Vec::with_capacity(rows.len());
        for mut row in rows {
            let (at_ms, price_at_add) = (row[1].int()?, row[4].opt_int()?);
            let target = take(&mut row, 0).text()?;
            let variant_id = take(&mut row, 2).opt_text()?;
            let snapshot = take(&mut row, 3).opt_text()?;
            let snapshot = snapshot.map(|s| serde_json::from_str(&s)).transpose()?;
            items.push(AccountItem { target, at_ms, variant_id, snapshot, price_at_add });
        }
        Ok(AccountList { items })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW_MS: i64 = 1_795_000_000_000;

    fn stored_hash(db: &CatalogDb, username: &str) -> (String, String) {
        let row = db
            .read(|db| db.query_opt("SELECT salt, password_hash FROM accounts WHERE username = ?1", values![username]))
            .unwrap()
            .unwrap();
        (row[0].clone().text().unwrap(), row[1].clone().text().unwrap())
    }

    #[test]
    fn passwords_are_kept_as_argon2id_and_checked_against_it() {
        let db = CatalogDb::open(None).unwrap();
        db.create_account("jiwoo", "moa-demo").unwrap();
        let (_, hash) = stored_hash(&db, "jiwoo");
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
        assert!(db.sign_in("jiwoo", "moa-demo", NOW_MS, 1000).unwrap().is_some());
        assert!(db.sign_in("jiwoo", "moa-demo ", NOW_MS, 1000).unwrap().is_none());
        assert!(db.sign_in("nobody", "moa-demo", NOW_MS, 1000).unwrap().is_none());
        // Two accounts with one password hash differently (each has its own salt).
        db.create_account("minji", "moa-demo").unwrap();
        assert_ne!(stored_hash(&db, "minji").1, hash);
    }

    #[test]
    fn an_old_sha256_password_works_once_and_is_upgraded() {
        let db = CatalogDb::open(None).unwrap();
        let salt = "00112233445566778899aabbccddeeff";
        db.read(|db| {
            db.execute(
                "INSERT INTO accounts (id, username, salt, password_hash) VALUES ('acct-old', 'hana', ?1, ?2)",
                values![salt, sha256_hex(&[salt, "moa-demo"])],
            )
        })
        .unwrap();
        assert!(db.sign_in("hana", "wrong", NOW_MS, 1000).unwrap().is_none());
        assert_eq!(stored_hash(&db, "hana").0, salt, "a wrong password changes nothing");
        assert!(db.sign_in("hana", "moa-demo", NOW_MS, 1000).unwrap().is_some());
        let (salt_now, hash_now) = stored_hash(&db, "hana");
        assert!(salt_now.is_empty() && hash_now.starts_with("$argon2id$"), "{hash_now}");
        assert!(db.sign_in("hana", "moa-demo", NOW_MS, 1000).unwrap().is_some());
    }

    #[test]
    fn expired_sessions_are_purged_and_sign_out_everywhere_ends_them_all() {
        let db = CatalogDb::open(None).unwrap();
        db.create_account("jiwoo", "moa-demo").unwrap();
        db.create_account("minji", "moa-demo").unwrap();
        let phone = db.sign_in("jiwoo", "moa-demo", NOW_MS, 1_000).unwrap().unwrap();
        let tablet = db.sign_in("jiwoo", "moa-demo", NOW_MS, 60_000).unwrap().unwrap();
        assert_eq!(db.session_count().unwrap(), 2);
        // Later, another shopper signs in: the phone's expired session is gone from the table.
        let hers = db.sign_in("minji", "moa-demo", NOW_MS + 5_000, 60_000).unwrap().unwrap();
        assert_eq!(db.session_count().unwrap(), 2, "the expired session was purged, the live ones kept");
        assert_eq!(db.account_of_token(&phone.token, NOW_MS + 5_000).unwrap(), None);
        assert_eq!(db.account_of_token(&tablet.token, NOW_MS + 5_000).unwrap().as_deref(), Some(&*tablet.account_id));
        // Sign out everywhere: all of jiwoo's sessions end, minji's does not.
        let laptop = db.sign_in("jiwoo", "moa-demo", NOW_MS + 6_000, 60_000).unwrap().unwrap();
        assert_eq!(db.end_all_sessions(&laptop.account_id).unwrap(), 2);
        for token in [&tablet.token, &laptop.token] {
            assert_eq!(db.account_of_token(token, NOW_MS + 7_000).unwrap(), None);
        }
        assert!(db.account_of_token(&hers.token, NOW_MS + 7_000).unwrap().is_some());
    }
}

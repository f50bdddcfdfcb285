//! What the server keeps of secrets (session tokens, install and mall keys, old passwords): their
//! SHA-256, never the secret; and how it makes new ones.

use sha2::{Digest, Sha256};

/// SHA-256 of the parts (each followed by a zero byte, so that ("ab", "c") ≠ ("a", "bc")), in hex.
pub(crate) fn sha256_hex(parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part.as_bytes());
        hasher.update([0u8]);
    }
    hasher.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// `bytes` random bytes in hex: tokens and keys.
pub(crate) fn random_hex(bytes: usize) -> String {
    (0..bytes).map(|_| format!("{:02x}", rand::random::<u8>())).collect()
}

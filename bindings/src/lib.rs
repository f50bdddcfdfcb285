//! moa-ffi: the UniFFI surface the Android and iOS apps see (Kotlin package `app.moa.core`,
//! Swift module `MoaCore`).
//!
//! This crate only converts types and errors; every decision lives in `moa-core`, where the
//! Rust tests see it. Exports go through `#[moa_ffi_macros::export]`, which runs every async call
//! on the core's own tokio runtime. docs/API.md describes the surface for app developers.

use moa_ffi_macros::export;

uniffi::setup_scaffolding!();

/// The version of the Rust core the app is running, for bug reports and the settings screen.
#[export]
pub fn core_version() -> String {
    moa_core::VERSION.to_string()
}

mod convert;
mod error;
mod listeners;
mod moa;
mod records;

pub use error::{error_group, ErrorGroup, MoaError};
pub use listeners::*;
pub use moa::Moa;
pub use records::*;

#[cfg(test)]
mod tests {
    /// Every export goes through `#[export]` (which puts async work on the core's runtime);
    /// uniffi's own attribute is used only for the foreign traits, which have no Rust bodies.
    #[test]
    fn exports_go_through_the_runtime_enforcing_macro() {
        let files = [
            ("lib.rs", include_str!("lib.rs")),
            ("error.rs", include_str!("error.rs")),
            ("listeners.rs", include_str!("listeners.rs")),
            ("moa.rs", include_str!("moa.rs")),
            ("records/setup.rs", include_str!("records/setup.rs")),
        ];
        for (file, source) in files {
            for (n, line) in source.lines().enumerate() {
                let line = line.trim();
                if line.starts_with("#[uniffi::export") {
                    assert_eq!(line, "#[uniffi::export(with_foreign)]", "{file}:{}: use #[export]", n + 1);
                }
            }
        }
    }
}

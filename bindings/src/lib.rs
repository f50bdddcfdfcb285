//! moa-ffi: the UniFFI surface the Android and iOS apps see.
//!
//! This crate only converts types and errors; every decision lives in `moa-core`, where the
//! Rust tests see it. The full surface (the `Moa` object, sync, feed, listeners) is issue #4;
//! today it exports the core's version so that the generation pipeline has something to carry.

uniffi::setup_scaffolding!();

/// The version of the Rust core the app is running, for bug reports and the settings screen.
#[uniffi::export]
pub fn core_version() -> String {
    moa_core::VERSION.to_string()
}

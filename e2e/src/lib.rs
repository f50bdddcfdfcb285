//! Moa end to end. This crate has no code of its own: its `tests/` boot a real `moa-server` on
//! loopback and drive the on-device core against it (sync, accounts, alerts, search, faults,
//! crashes), and its `benches/` measure the feed on a synced catalog. It exists so that
//! `moa-core` never depends on the server, not even for its tests.

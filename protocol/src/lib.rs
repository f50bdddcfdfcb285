//! Moa's shopping domain and its wire format, shared by the server, the on-device core and the
//! CLI so that none of them can disagree about a field. Plain data: no I/O, no persistence.
//!
//! - [`model`]: money, malls, products and their variants, and the vocabulary (categories, style
//!   tags, gender and age bands) that ranking and the apps share.
//! - [`wire`]: the HTTP protocol's pages, batches and problems (docs/PROTOCOL.md).
//! - [`orders`]: orders across malls, as malls report them and shoppers' devices hold them.

pub mod model;
pub mod orders;
pub mod prior;
pub mod wire;

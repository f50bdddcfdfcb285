//! moa-server: the reference catalog server. It keeps partner malls' catalogs in its own SQLite
//! and serves the app protocol (docs/PROTOCOL.md, docs/openapi.yaml) over HTTP.
//!
//! Every error is an `application/problem+json` document; a bad request never panics.

pub mod accounts;
pub mod catalog;
pub mod clock;
pub mod db;
pub mod demo;
pub mod http;
pub mod images;
pub mod ingest;
pub mod orders;
pub mod same_item;
pub mod search;
mod secrets;
pub mod shelves;

pub use clock::Clock;
pub use db::{CatalogDb, CatalogError};
pub use demo::{
    demo_catalog, demo_mall_key, demo_webhook_secret, populate, population, DemoSpec, DemoWorld, DEMO_ACCOUNTS,
    DEMO_PASSWORD, DEMO_SHOPPERS,
};
pub use http::{faults, router, ApiProblem, AppState, FaultPlan, RunningServer, ServerOptions, OPENAPI};

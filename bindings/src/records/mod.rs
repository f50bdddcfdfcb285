//! The records and enums the apps receive and send: plain data, converted from the core's types
//! (`convert.rs` and the `From` impls) with nothing decided here.

mod alerts;
mod feed;
mod orders;
mod product;
mod search;
mod setup;
mod shopper;

pub use alerts::*;
pub use feed::*;
pub use orders::*;
pub use product::*;
pub use search::*;
pub use setup::*;
pub use shopper::*;

//! Moa's session model and its tuning: one crate, so that the server tunes exactly the model
//! the devices rank with (issue #18), without the server carrying the device's core.

pub mod session_knn;
pub mod tune;

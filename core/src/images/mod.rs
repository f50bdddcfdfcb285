//! Product photos on the device: thumbnails are made by `moa-imaging` (re-exported here) and
//! kept by [`cache::ImageCache`] within a disk budget.

pub mod cache;

pub use moa_imaging::{make_thumbnail, sniff, ImageLimits, ImageProblem, Made};

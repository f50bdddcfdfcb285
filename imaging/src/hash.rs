//! The perceptual hash: how the server tells that two malls' photos show the same item.

use image::{DynamicImage, RgbImage};
use moa_protocol::model::PhotoHash;

use crate::{decode, ImageLimits, ImageProblem};

pub fn perceptual_hash(bytes: &[u8], limits: &ImageLimits) -> Result<PhotoHash, ImageProblem> {
    let (image, _, _) = decode(bytes, 256, limits)?;
    Ok(perceptual_hash_of(image))
}

/// The hash of a picture already in memory (the demo world hashes its photos as it draws them,
/// small, without a JPEG round trip). It is first reduced to the hash's 17×16 with SIMD
/// Lanczos3, which the hasher's own resize then leaves as it is: the hasher's generic resize was
/// most of the time a hash took.
pub fn perceptual_hash_of(image: RgbImage) -> PhotoHash {
    let image = crate::resize_exact(&image, HASHED_WIDTH + 1, HASHED_HEIGHT).unwrap_or(image);
    hash_reduced(image)
}

const HASHED_WIDTH: u32 = 16;
const HASHED_HEIGHT: u32 = 16;

fn hash_reduced(image: RgbImage) -> PhotoHash {
    let hasher = image_hasher::HasherConfig::new()
        .hash_size(HASHED_WIDTH, HASHED_HEIGHT)
        .hash_alg(image_hasher::HashAlg::Gradient)
        .to_hasher();
    let hash = hasher.hash_image(&DynamicImage::ImageRgb8(image));
    let bytes = hash.as_bytes();
    let mut words = [0u64; 4];
    for (k, word) in words.iter_mut().enumerate() {
        let mut chunk = [0u8; 8];
        chunk.copy_from_slice(&bytes[k * 8..k * 8 + 8]);
        *word = u64::from_be_bytes(chunk);
    }
    PhotoHash(words)
}

/// Photos this close (bits apart, of 256) are the same item.
pub const SAME_ITEM_DISTANCE: u32 = 48;

pub fn same_item(a: &PhotoHash, b: &PhotoHash) -> bool {
    a.distance(b) <= SAME_ITEM_DISTANCE
}

//! The perceptual hash: how the server tells that two malls' photos show the same item.

use image::DynamicImage;
use moa_protocol::model::PhotoHash;

use crate::{decode, ImageLimits, ImageProblem};

pub fn perceptual_hash(bytes: &[u8], limits: &ImageLimits) -> Result<PhotoHash, ImageProblem> {
    let (image, _, _) = decode(bytes, 256, limits)?;
    let hasher =
        image_hasher::HasherConfig::new().hash_size(16, 16).hash_alg(image_hasher::HashAlg::Gradient).to_hasher();
    let hash = hasher.hash_image(&DynamicImage::ImageRgb8(image));
    let bytes = hash.as_bytes();
    let mut words = [0u64; 4];
    for (k, word) in words.iter_mut().enumerate() {
        let mut chunk = [0u8; 8];
        chunk.copy_from_slice(&bytes[k * 8..k * 8 + 8]);
        *word = u64::from_be_bytes(chunk);
    }
    Ok(PhotoHash(words))
}

/// Photos this close (bits apart, of 256) are the same item.
pub const SAME_ITEM_DISTANCE: u32 = 48;

pub fn same_item(a: &PhotoHash, b: &PhotoHash) -> bool {
    a.distance(b) <= SAME_ITEM_DISTANCE
}

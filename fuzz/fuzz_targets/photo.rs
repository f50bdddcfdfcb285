#![no_main]
//! A product photo, whatever its bytes: sniffed, decoded within the limits and thumbnailed, or
//! refused with a typed problem — never a panic, never an allocation past the limits.

use libfuzzer_sys::fuzz_target;
use moa_imaging::{make_thumbnail, ImageLimits};

fuzz_target!(|data: &[u8]| {
    // Small limits, so that a header claiming a giant image is refused before any allocation.
    let limits = ImageLimits { max_width: 4_000, max_height: 4_000, max_pixels: 4_000_000, max_bytes: 4 << 20 };
    if let Ok(made) = make_thumbnail(data, 200, &limits) {
        assert!(!made.jpeg.is_empty() && made.width <= 200 && made.height <= 4_000);
    }
});

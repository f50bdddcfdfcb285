//! Product photos for a magazine feed: thumbnails made on the device, cached on disk within a
//! budget, with what the layout needs before the pixels arrive.
//!
//! [`make_thumbnail`] sniffs the real format from the bytes (never the extension), refuses
//! decompression bombs before allocating, decodes JPEG at a reduced scale (DCT scaling: a
//! 1500×1800 photo for a 400 px card decodes at 1/2 or 1/4 size), applies the EXIF orientation,
//! resizes with a SIMD Lanczos3 resizer, encodes a JPEG, and computes the placeholder colour and a
//! BlurHash. The core's image cache keeps the results.
//!
//! The perceptual hash that tells the same item apart in two malls' photos is the server's
//! business only: it lives behind the `perceptual-hash` feature, so the phones' library does
//! not carry it (nor its `image_hasher` dependency).

#[cfg(feature = "perceptual-hash")]
pub mod hash;

use std::io::Cursor;

use fast_image_resize as fir;
use image::metadata::Orientation;
use image::{DynamicImage, ImageFormat, RgbImage};

/// Why an image could not be made into a thumbnail. Nothing is cached for any of these.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImageProblem {
    #[error("the image is empty")]
    Empty,
    #[error("not an image Moa reads (JPEG, PNG, WebP)")]
    Unsupported,
    #[error("the image is too large: {width}×{height} (a decompression bomb?)")]
    TooLarge { width: u32, height: u32 },
    #[error("the image file is {0} bytes, over the limit")]
    TooManyBytes(u64),
    #[error("the image is damaged: {0}")]
    Corrupt(String),
}

/// Limits checked from the header, before any pixel is decoded.
#[derive(Debug, Clone, Copy)]
pub struct ImageLimits {
    pub max_width: u32,
    pub max_height: u32,
    /// Width × height.
    pub max_pixels: u64,
    /// The encoded file.
    pub max_bytes: u64,
}

impl Default for ImageLimits {
    fn default() -> Self {
        // Product photos are ~1500×1800; 12k a side and 50 MP leave room for any real photo.
        ImageLimits { max_width: 12_000, max_height: 12_000, max_pixels: 50_000_000, max_bytes: 30 * 1024 * 1024 }
    }
}

/// A thumbnail's pixels and what the layout needs.
#[derive(Debug, Clone, PartialEq)]
pub struct Made {
    pub jpeg: Vec<u8>,
    pub width: u32,
    pub height: u32,
    /// The photo's average colour, "#RRGGBB": the card's colour before the image loads.
    pub placeholder_color: String,
    /// A tiny blurred preview (BlurHash, 4×5 components).
    pub blurhash: String,
    /// The source's size after orientation: its aspect ratio is the card's.
    pub source_width: u32,
    pub source_height: u32,
}

const JPEG_QUALITY: u8 = 82;

/// What the bytes are, whatever the URL or file name says.
pub fn sniff(bytes: &[u8]) -> Result<ImageFormat, ImageProblem> {
    if bytes.is_empty() {
        return Err(ImageProblem::Empty);
    }
    match image::guess_format(bytes) {
        Ok(f @ (ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP)) => Ok(f),
        _ => Err(ImageProblem::Unsupported),
    }
}

fn check(width: u32, height: u32, limits: &ImageLimits) -> Result<(), ImageProblem> {
    if width == 0 || height == 0 {
        return Err(ImageProblem::Corrupt(format!("{width}×{height} pixels")));
    }
    if width > limits.max_width || height > limits.max_height || width as u64 * height as u64 > limits.max_pixels {
        return Err(ImageProblem::TooLarge { width, height });
    }
    Ok(())
}

/// The EXIF orientation of a JPEG, read from its APP1 segment without decoding anything.
fn jpeg_orientation(bytes: &[u8]) -> Orientation {
    let mut at = 2;
    while at + 4 <= bytes.len() && bytes[at] == 0xFF {
        let marker = bytes[at + 1];
        if marker == 0xDA || marker == 0xD9 {
            break; // start of scan: no more metadata
        }
        let len = u16::from_be_bytes([bytes[at + 2], bytes[at + 3]]) as usize;
        let body = bytes.get(at + 4..at + 2 + len);
        if let (0xE1, Some(body)) = (marker, body) {
            if let Some(exif) = body.strip_prefix(b"Exif\0\0") {
                return Orientation::from_exif_chunk(exif).unwrap_or(Orientation::NoTransforms);
            }
        }
        at += 2 + len;
    }
    Orientation::NoTransforms
}

fn swaps_axes(o: Orientation) -> bool {
    matches!(
        o,
        Orientation::Rotate90 | Orientation::Rotate270 | Orientation::Rotate90FlipH | Orientation::Rotate270FlipH
    )
}

/// Decode at the smallest scale still at least `target_width` wide (JPEG: DCT scaling), upright.
pub(crate) fn decode(
    bytes: &[u8],
    target_width: u32,
    limits: &ImageLimits,
) -> Result<(RgbImage, u32, u32), ImageProblem> {
    if bytes.len() as u64 > limits.max_bytes {
        return Err(ImageProblem::TooManyBytes(bytes.len() as u64));
    }
    let format = sniff(bytes)?;
    // The photo's own size, upright (before any scaled decoding): its aspect ratio is the card's.
    let original: (u32, u32);
    let (image, orientation) = if format == ImageFormat::Jpeg {
        let orientation = jpeg_orientation(bytes);
        let mut decoder = jpeg_decoder::Decoder::new(Cursor::new(bytes));
        decoder.read_info().map_err(|e| ImageProblem::Corrupt(e.to_string()))?;
        let info = decoder.info().ok_or_else(|| ImageProblem::Corrupt("no header".into()))?;
        let (w, h) = (info.width as u32, info.height as u32);
        check(w, h, limits)?;
        original = if swaps_axes(orientation) { (h, w) } else { (w, h) };
        // The target is for the upright photo; a sideways JPEG is scaled on its other axis.
        let (tw, th) = if swaps_axes(orientation) {
            (target_width * w / h.max(1), target_width)
        } else {
            (target_width, target_width * h / w.max(1))
        };
        decoder
            .scale(tw.clamp(1, u16::MAX as u32) as u16, th.clamp(1, u16::MAX as u32) as u16)
            .map_err(|e| ImageProblem::Corrupt(e.to_string()))?;
        decoder.set_max_decoding_buffer_size((limits.max_pixels * 4) as usize);
        let pixels = decoder.decode().map_err(|e| ImageProblem::Corrupt(e.to_string()))?;
        let info = decoder.info().ok_or_else(|| ImageProblem::Corrupt("no header".into()))?;
        let (w, h) = (info.width as u32, info.height as u32);
        let rgb = match info.pixel_format {
            jpeg_decoder::PixelFormat::RGB24 => pixels,
            jpeg_decoder::PixelFormat::L8 => pixels.iter().flat_map(|&l| [l, l, l]).collect(),
            jpeg_decoder::PixelFormat::L16 => pixels.chunks_exact(2).flat_map(|c| [c[0], c[0], c[0]]).collect(),
            jpeg_decoder::PixelFormat::CMYK32 => pixels
                .chunks_exact(4)
                .flat_map(|c| {
                    let k = 255 - c[3] as u32;
                    [c[0], c[1], c[2]].map(|v| ((255 - v as u32) * k / 255) as u8)
                })
                .collect(),
        };
        let image = RgbImage::from_raw(w, h, rgb).ok_or_else(|| ImageProblem::Corrupt("short pixel data".into()))?;
        (DynamicImage::ImageRgb8(image), orientation)
    } else {
        // The header alone (nothing allocated), checked against Moa's limits first.
        let reader = image::ImageReader::with_format(Cursor::new(bytes), format);
        let (w, h) = reader.into_dimensions().map_err(|e| ImageProblem::Corrupt(e.to_string()))?;
        check(w, h, limits)?;
        original = (w, h);
        let mut reader = image::ImageReader::with_format(Cursor::new(bytes), format);
        let mut image_limits = image::Limits::default();
        image_limits.max_alloc = Some(limits.max_pixels * 4);
        reader.limits(image_limits);
        let decoded = reader.decode().map_err(|e| ImageProblem::Corrupt(e.to_string()))?;
        // Transparent product cut-outs go on white, as malls show them.
        let flattened = if decoded.color().has_alpha() {
            let rgba = decoded.to_rgba8();
            let mut rgb = RgbImage::new(rgba.width(), rgba.height());
            for (dst, src) in rgb.pixels_mut().zip(rgba.pixels()) {
                let a = src[3] as u32;
                *dst = image::Rgb([0, 1, 2].map(|i| ((src[i] as u32 * a + 255 * (255 - a)) / 255) as u8));
            }
            DynamicImage::ImageRgb8(rgb)
        } else {
            DynamicImage::ImageRgb8(decoded.to_rgb8())
        };
        (flattened, Orientation::NoTransforms)
    };
    let mut image = image;
    image.apply_orientation(orientation);
    Ok((image.into_rgb8(), original.0, original.1))
}

/// Resize to `width` (never up), keeping the aspect ratio, with a SIMD Lanczos3. Pixels go
/// through RGBA: the resizer is built for that one pixel type only (library size).
fn resize(source: RgbImage, width: u32) -> Result<RgbImage, ImageProblem> {
    let (sw, sh) = source.dimensions();
    if sw <= width {
        return Ok(source);
    }
    let height = ((sh as u64 * width as u64 + sw as u64 / 2) / sw as u64).max(1) as u32;
    resize_exact(&source, width, height)
}

/// Resize to exactly `width` × `height`, aspect ratio or not, with the same resizer.
fn resize_exact(source: &RgbImage, width: u32, height: u32) -> Result<RgbImage, ImageProblem> {
    let (sw, sh) = source.dimensions();
    let rgba: Vec<u8> = source.as_raw().chunks_exact(3).flat_map(|p| [p[0], p[1], p[2], 255]).collect();
    let src = fir::images::Image::from_vec_u8(sw, sh, rgba, fir::PixelType::U8x4)
        .map_err(|e| ImageProblem::Corrupt(e.to_string()))?;
    let mut dst = fir::images::Image::new(width, height, fir::PixelType::U8x4);
    let options = fir::ResizeOptions::new().resize_alg(fir::ResizeAlg::Convolution(fir::FilterType::Lanczos3));
    fir::Resizer::new().resize(&src, &mut dst, &options).map_err(|e| ImageProblem::Corrupt(e.to_string()))?;
    let rgb: Vec<u8> = dst.buffer().chunks_exact(4).flat_map(|p| [p[0], p[1], p[2]]).collect();
    RgbImage::from_raw(width, height, rgb).ok_or_else(|| ImageProblem::Corrupt("resize".into()))
}

/// A JPEG of `image` at Moa's quality, without chroma subsampling (4:4:4: thin stripes and
/// lettering on clothes stay crisp). Thumbnails are at most 2048 px wide.
pub fn encode_jpeg(image: &RgbImage) -> Vec<u8> {
    let mut out = Vec::with_capacity(32 * 1024);
    let mut encoder = jpeg_encoder::Encoder::new(&mut out, JPEG_QUALITY);
    encoder.set_sampling_factor(jpeg_encoder::SamplingFactor::R_4_4_4);
    let (width, height) = (image.width().min(u16::MAX as u32) as u16, image.height().min(u16::MAX as u32) as u16);
    encoder
        .encode(image.as_raw(), width, height, jpeg_encoder::ColorType::Rgb)
        .expect("encoding RGB to memory cannot fail");
    out
}

fn placeholder_color(image: &RgbImage) -> String {
    let mut sum = [0u64; 3];
    for p in image.pixels() {
        for i in 0..3 {
            sum[i] += p[i] as u64;
        }
    }
    let n = (image.width() as u64 * image.height() as u64).max(1);
    format!("#{:02x}{:02x}{:02x}", sum[0] / n, sum[1] / n, sum[2] / n)
}

fn blurhash_of(image: &RgbImage) -> String {
    // BlurHash is computed on a 32 px wide copy: the same hash, a fraction of the work.
    let small = image::imageops::thumbnail(image, 32, (32 * image.height() / image.width().max(1)).max(1));
    let rgba: Vec<u8> = small.pixels().flat_map(|p| [p[0], p[1], p[2], 255]).collect();
    blurhash::encode(4, 5, small.width(), small.height(), &rgba).unwrap_or_default()
}

/// Make a `width`-pixel-wide thumbnail of the image in `bytes`.
pub fn make_thumbnail(bytes: &[u8], width: u32, limits: &ImageLimits) -> Result<Made, ImageProblem> {
    let width = width.clamp(16, 2048);
    let (decoded, source_width, source_height) = decode(bytes, width, limits)?;
    let thumb = resize(decoded, width)?;
    Ok(Made {
        jpeg: encode_jpeg(&thumb),
        width: thumb.width(),
        height: thumb.height(),
        placeholder_color: placeholder_color(&thumb),
        blurhash: blurhash_of(&thumb),
        source_width,
        source_height,
    })
}

/// Decode a photo (JPEG, PNG or WebP) to RGB at full size: thumbnails decoded back for
/// similarity checks, and test photos.
pub fn decode_rgb(bytes: &[u8]) -> Result<RgbImage, ImageProblem> {
    if sniff(bytes)? != ImageFormat::Jpeg {
        // PNG and WebP through `image`, which reads them (JPEG is not compiled into it).
        return Ok(image::load_from_memory(bytes).map_err(|e| ImageProblem::Corrupt(e.to_string()))?.into_rgb8());
    }
    let mut decoder = jpeg_decoder::Decoder::new(bytes);
    let pixels = decoder.decode().map_err(|e| ImageProblem::Corrupt(e.to_string()))?;
    let info = decoder.info().ok_or_else(|| ImageProblem::Corrupt("no frame".into()))?;
    let image = match info.pixel_format {
        jpeg_decoder::PixelFormat::RGB24 => RgbImage::from_raw(info.width as u32, info.height as u32, pixels),
        jpeg_decoder::PixelFormat::L8 => {
            let rgb = pixels.iter().flat_map(|&l| [l, l, l]).collect();
            RgbImage::from_raw(info.width as u32, info.height as u32, rgb)
        }
        other => return Err(ImageProblem::Corrupt(format!("a {other:?} JPEG"))),
    };
    image.ok_or_else(|| ImageProblem::Corrupt("fewer pixels than the frame says".into()))
}

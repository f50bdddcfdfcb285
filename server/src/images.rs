//! Product photos for the demo world, drawn on request: a garment silhouette of the product's
//! category in its first colour, on a studio background. Real malls serve their own photos;
//! these let the demo and the tests exercise the whole image path without the internet.
//!
//! Every design looks different (placement, size, print, backdrop and props come from the design
//! id), as different products' photos do; a mall reselling another's design (the same Dongdaemun
//! item) serves that design's photo as malls do: re-encoded, at another size, a little cropped.

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::{Rgb, RgbImage};
use moa_imaging::hash::perceptual_hash_of;
use moa_protocol::model::PhotoHash;
use moa_protocol::model::{Category, Product};

/// Fashion photos are portrait, 4:5.
pub const WIDTH: u32 = 480;
pub const HEIGHT: u32 = 600;

fn colour_rgb(name: &str) -> [u8; 3] {
    match name {
        "블랙" => [40, 40, 44],
        "화이트" => [245, 245, 240],
        "아이보리" => [240, 232, 210],
        "베이지" => [214, 192, 160],
        "그레이" => [150, 150, 155],
        "네이비" => [40, 52, 96],
        "핑크" => [240, 168, 190],
        "라벤더" => [190, 170, 225],
        "스카이블루" => [150, 200, 235],
        "카키" => [120, 124, 80],
        "브라운" => [128, 84, 56],
        "레드" => [200, 50, 60],
        "민트" => [160, 225, 200],
        "옐로우" => [245, 215, 100],
        _ => [180, 170, 160],
    }
}

/// Is the point (x, y), both in 0..1 of the frame, part of the garment?
fn inside(category: Category, x: f32, y: f32) -> bool {
    let between = |v: f32, a: f32, b: f32| v >= a && v <= b;
    // Half-width of a shape that widens linearly from `w0` at `y0` to `w1` at `y1`.
    let flare = |y0: f32, y1: f32, w0: f32, w1: f32| {
        between(y, y0, y1) && (x - 0.5).abs() <= w0 + (w1 - w0) * (y - y0) / (y1 - y0)
    };
    match category {
        Category::Top => {
            (between(x, 0.30, 0.70) && between(y, 0.22, 0.72)) || (between(x, 0.16, 0.84) && between(y, 0.22, 0.40))
        }
        Category::Outer => {
            ((between(x, 0.28, 0.72) && between(y, 0.18, 0.86))
                || (between(x, 0.14, 0.86) && between(y, 0.18, 0.70) && (x - 0.5).abs() > 0.22))
                && (x - 0.5).abs() > 0.008
        }
        Category::Dress => flare(0.16, 0.88, 0.13, 0.30) || (between(x, 0.24, 0.76) && between(y, 0.16, 0.26)),
        Category::Pants => {
            (between(x, 0.30, 0.70) && between(y, 0.16, 0.28))
                || (between(y, 0.16, 0.90) && (between(x, 0.30, 0.485) || between(x, 0.515, 0.70)))
        }
        Category::Skirt => flare(0.30, 0.78, 0.15, 0.30),
        Category::Bag => {
            let handle = ((x - 0.5).powi(2) / 0.04 + (y - 0.42).powi(2) / 0.03).sqrt();
            (between(x, 0.24, 0.76) && between(y, 0.42, 0.80)) || (between(handle, 0.85, 1.0) && y < 0.42)
        }
        Category::Shoes => {
            let toe = ((x - 0.62).powi(2) / 0.06 + (y - 0.66).powi(2) / 0.012).sqrt() <= 1.0;
            toe || (between(x, 0.22, 0.50) && between(y, 0.52, 0.72))
        }
        Category::Accessory => {
            let r = ((x - 0.5).powi(2) + (y - 0.5).powi(2) * 0.64).sqrt();
            between(r, 0.16, 0.22)
        }
    }
}

/// How a design is photographed: everything drawn from the design's id.
#[derive(Debug, Clone, Copy)]
struct Look {
    category: Category,
    colour: [u8; 3],
    /// Garment placement and size in the frame.
    dx: f32,
    dy: f32,
    scale: f32,
    print: Print,
    /// Backdrop: 0 top-lit sweep, 1 side-lit, 2 diagonal; its strength.
    light: u8,
    light_strength: f32,
    /// A prop on the backdrop (a chair, a plant): centre, radius, dark or light.
    prop: (f32, f32, f32, bool),
    /// The studio's light: soft brighter and darker patches over the whole frame (centre x, y,
    /// radius, strength), which is most of what tells one photo from another at a glance.
    light_patches: [(f32, f32, f32, f32); 8],
}

#[derive(Debug, Clone, Copy)]
enum Print {
    Plain,
    Stripes {
        period: f32,
        horizontal: bool,
    },
    /// A graphic or pocket: a contrasting patch.
    Patch {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
    },
    /// Colour-blocked: the lower part in a second tone.
    TwoTone {
        split: f32,
    },
}

/// A well-spread 64-bit value from a string and a salt (FNV-1a, then splitmix64).
fn mix(text: &str, salt: u64) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64 ^ salt;
    for b in text.bytes() {
        h = (h ^ b as u64).wrapping_mul(0x0100_0000_01b3);
    }
    let mut z = h.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A number in `lo..hi` from the design id and a salt.
fn pick(design: &str, salt: u64, lo: f32, hi: f32) -> f32 {
    lo + (mix(design, salt) >> 40) as f32 / (1u64 << 24) as f32 * (hi - lo)
}

fn look(design: &str, category: Category, colour: [u8; 3]) -> Look {
    let print = match mix(design, 1) % 4 {
        0 => Print::Plain,
        1 => Print::Stripes { period: pick(design, 2, 0.07, 0.16), horizontal: mix(design, 3) % 3 != 0 },
        2 => Print::Patch {
            x: pick(design, 4, 0.36, 0.56),
            y: pick(design, 5, 0.30, 0.55),
            w: pick(design, 6, 0.08, 0.16),
            h: pick(design, 7, 0.08, 0.18),
        },
        _ => Print::TwoTone { split: pick(design, 8, 0.40, 0.65) },
    };
    Look {
        category,
        colour,
        dx: pick(design, 10, -0.14, 0.14),
        dy: pick(design, 11, -0.05, 0.05),
        scale: pick(design, 12, 0.80, 1.12),
        print,
        light: (mix(design, 13) % 3) as u8,
        light_strength: pick(design, 14, 0.10, 0.45),
        prop: (
            if mix(design, 15) % 2 == 0 { pick(design, 16, 0.05, 0.22) } else { pick(design, 16, 0.78, 0.95) },
            pick(design, 17, 0.15, 0.85),
            pick(design, 18, 0.0, 0.16),
            mix(design, 19) % 2 == 0,
        ),
        light_patches: std::array::from_fn(|k| {
            let salt = 40 + 4 * k as u64;
            (
                pick(design, salt, -0.1, 1.1),
                pick(design, salt + 1, -0.1, 1.1),
                pick(design, salt + 2, 0.12, 0.30),
                pick(design, salt + 3, -0.6, 0.6),
            )
        }),
    }
}

/// How much brighter (or darker, below 0) the studio's light makes the point (x, y).
fn light(look: &Look, x: f32, y: f32) -> f32 {
    look.light_patches
        .iter()
        .map(|&(cx, cy, r, strength)| {
            let d2 = ((x - cx).powi(2) + (y - cy).powi(2)) / (r * r);
            if d2 < 1.0 {
                strength * (1.0 - d2).powi(2)
            } else {
                0.0
            }
        })
        .sum()
}

/// A lighter or darker tone of a colour, whichever shows on it.
fn contrast(colour: [u8; 3]) -> [u8; 3] {
    let luma = (colour[0] as u32 * 3 + colour[1] as u32 * 6 + colour[2] as u32) / 10;
    if luma > 128 {
        colour.map(|c| (c as f32 * 0.45) as u8)
    } else {
        colour.map(|c| (255.0 - (255.0 - c as f32) * 0.35) as u8)
    }
}

/// The colour at (x, y), both in 0..1 of the full, uncropped frame, as the light falls.
fn shade(look: &Look, x: f32, y: f32) -> [u8; 3] {
    let lit = 1.0 + light(look, x, y);
    surface(look, x, y).map(|c| (c as f32 * lit).clamp(0.0, 255.0) as u8)
}

/// The colour of what is at (x, y) before the studio's light.
fn surface(look: &Look, x: f32, y: f32) -> [u8; 3] {
    let (gx, gy) = ((x - 0.5 - look.dx) / look.scale + 0.5, (y - 0.5 - look.dy) / look.scale + 0.5);
    if inside(look.category, gx, gy) {
        let second = match look.print {
            Print::Plain => false,
            Print::Stripes { period, horizontal } => ((if horizontal { gy } else { gx }) / period).fract() < 0.45,
            Print::Patch { x, y, w, h } => (gx - x).abs() < w / 2.0 && (gy - y).abs() < h / 2.0,
            Print::TwoTone { split } => gy > split,
        };
        let base = if second { contrast(look.colour) } else { look.colour };
        // A soft vertical shade gives the garment some volume.
        let volume = 1.0 - 0.18 * (gx - 0.5).abs() * 2.0;
        return base.map(|c| (c as f32 * volume) as u8);
    }
    let (px, py, r, dark) = look.prop;
    if ((x - px).powi(2) + (y - py).powi(2)).sqrt() < r {
        return if dark { [70, 66, 60] } else { [250, 248, 244] };
    }
    let along = match look.light {
        0 => y,
        1 => x,
        _ => (x + y) / 2.0,
    };
    // A pale tint of the garment colour, lit from one side of the studio.
    let t = 0.08 + look.light_strength * along;
    look.colour.map(|c| (255.0 - (255.0 - c as f32) * t) as u8)
}

/// How one mall photographs a design it resells: a crop (fractions off each side), a size and a
/// JPEG quality. The design's own mall serves it uncropped at the full size.
#[derive(Debug, Clone, Copy)]
struct Shot {
    crop: [f32; 4],
    width: u32,
    quality: u8,
}

fn shot(copy: Option<&str>) -> Shot {
    match copy {
        None => Shot { crop: [0.0; 4], width: WIDTH, quality: 85 },
        Some(c) => Shot {
            crop: [pick(c, 30, 0.0, 0.03), pick(c, 31, 0.0, 0.03), pick(c, 32, 0.0, 0.03), pick(c, 33, 0.0, 0.03)],
            width: [360, 400, 480, 600][(mix(c, 34) % 4) as usize],
            quality: pick(c, 35, 60.0, 92.0) as u8,
        },
    }
}

fn draw(look: &Look, shot: &Shot, width: u32) -> Vec<u8> {
    let img = render(look, shot, width);
    let mut out = Cursor::new(Vec::with_capacity(24 * 1024));
    JpegEncoder::new_with_quality(&mut out, shot.quality).encode_image(&img).expect("encoding to memory cannot fail");
    out.into_inner()
}

fn render(look: &Look, shot: &Shot, width: u32) -> RgbImage {
    let [left, top, right, bottom] = shot.crop;
    let (w, h) = (1.0 - left - right, 1.0 - top - bottom);
    // Keep the catalog's 4:5 after the crop, as malls do.
    let height = width * HEIGHT / WIDTH;
    RgbImage::from_fn(width, height, |px, py| {
        let x = left + (px as f32 + 0.5) / width as f32 * w;
        let y = top + (py as f32 + 0.5) / height as f32 * h;
        Rgb(shade(look, x, y))
    })
}

/// A demo photo's address: the design's product id, the reselling product's id after a `~`
/// when it is a copy, and `@view` for a gallery photo other than the main one (view 0; see
/// [`product_view`]).
pub fn photo_path(design: &str, copy: Option<&str>, view: u8) -> String {
    let copy = copy.map(|c| format!("~{c}")).unwrap_or_default();
    let view = if view == 0 { String::new() } else { format!("@{view}") };
    format!("/v1/images/{design}{copy}{view}.jpg")
}

/// Split a photo's file name back into the design, the copy and the view (at most 9).
pub fn parse_photo_file(file: &str) -> Option<(&str, Option<&str>, u8)> {
    let stem = file.strip_suffix(".jpg")?;
    let (stem, view) = match stem.rsplit_once('@') {
        Some((stem, view)) => (stem, view.parse().ok().filter(|v| (1..=9).contains(v))?),
        None => (stem, 0),
    };
    Some(match stem.split_once('~') {
        Some((design, copy)) => (design, Some(copy), view),
        None => (stem, None, view),
    })
}

fn design_look(design: &Product) -> Look {
    let colour = design.variants.iter().find_map(|v| v.color.as_deref()).map(colour_rgb).unwrap_or([180, 170, 160]);
    look(&design.id, design.category, colour)
}

/// The photo of `design` (the product that first sold it), as the mall of `copy` serves it.
pub fn product_photo(design: &Product, copy: Option<&str>) -> Vec<u8> {
    product_view(design, copy, 0)
}

/// One of the design's photos for the sheet's gallery: view 0 is the main photo; 1 the garment
/// from behind (mirrored, the studio lit from elsewhere); 2 and on, closer crops of the detail.
pub fn product_view(design: &Product, copy: Option<&str>, view: u8) -> Vec<u8> {
    let (mut look, mut shot) = (design_look(design), shot(copy));
    if view == 1 {
        look.dx = -look.dx;
        look.light = (look.light + 1) % 3;
        look.prop.0 = 1.0 - look.prop.0;
    } else if view >= 2 {
        // Each detail shot a different quarter of the frame, zoomed about 2×.
        let (across, down) = (f32::from(view % 2) * 0.2, f32::from((view / 2) % 2) * 0.15);
        shot.crop = [0.1 + across, 0.15 + down, 0.3 - across, 0.35 - down];
    }
    draw(&look, &shot, shot.width)
}

/// How many more photos a design has besides the main one: 0 to 3, as malls upload them.
pub fn gallery_views(design: &str) -> u8 {
    (mix(design, 50) % 4) as u8
}

/// The perceptual hash of that photo, close to what ingest computes from the served JPEG (a test
/// holds them within half the same-item distance), from a small drawing of the same shot and no
/// JPEG round trip: drawing 480×600 for a hash that looks at 17×16 made generating the demo world
/// take seconds per thousand products.
pub fn photo_hash(design: &Product, copy: Option<&str>) -> PhotoHash {
    let shot = shot(copy);
    perceptual_hash_of(render(&design_look(design), &shot, HASHED_WIDTH))
}

/// Narrower drawings lose the print: at 48 px a copy was 27 bits from its served photo, at 64
/// px at most 19 (the limit is 24).
const HASHED_WIDTH: u32 = 64;

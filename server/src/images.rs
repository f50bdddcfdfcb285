//! Product photos for the demo world, drawn on request: a garment silhouette of the product's
//! category in its first colour, on a soft studio background. Real malls serve their own photos;
//! these let the demo and the tests exercise the whole image path without the internet.

use std::io::Cursor;

use image::{ImageFormat, Rgb, RgbImage};
use moa_core::model::{Category, Product};

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

/// Draw the product's photo as a JPEG.
pub fn product_photo(product: &Product) -> Vec<u8> {
    let colour = product.variants.iter().find_map(|v| v.color.as_deref()).map(colour_rgb).unwrap_or([180, 170, 160]);
    // Background: a pale tint of the garment colour, lighter at the top like a studio sweep.
    let tint = |c: u8, t: f32| (255.0 - (255.0 - c as f32) * t) as u8;
    let img = RgbImage::from_fn(WIDTH, HEIGHT, |px, py| {
        let (x, y) = (px as f32 / WIDTH as f32, py as f32 / HEIGHT as f32);
        if inside(product.category, x, y) {
            // A soft vertical shade gives the garment some volume.
            let shade = 1.0 - 0.18 * (x - 0.5).abs() * 2.0;
            Rgb(colour.map(|c| (c as f32 * shade) as u8))
        } else {
            let t = 0.10 + 0.12 * y;
            Rgb(colour.map(|c| tint(c, t)))
        }
    });
    let mut out = Cursor::new(Vec::with_capacity(24 * 1024));
    img.write_to(&mut out, ImageFormat::Jpeg).expect("encoding to memory cannot fail");
    out.into_inner()
}

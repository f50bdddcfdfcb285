//! `moa bench images`: thumbnailing throughput on real product photos and on generated ones, as a
//! ratio against the plain `image` crate pipeline in the same run (decode at full size, resize
//! with the same Lanczos3 filter, encode at the same quality), with the PSNR of our thumbnails
//! against the baseline's; and the cache's hit latency.

use std::io::Cursor;
use std::path::Path;
use std::time::Instant;

use super::median;
use image::{Rgb, RgbImage};
use moa_imaging::{decode_rgb, encode_jpeg, make_thumbnail, ImageLimits, ImageProblem};
use serde::Serialize;

/// The plain `image` crate pipeline the benchmark measures against: decode at full size, resize
/// with the same filter (Lanczos3), encode at the same quality.
pub fn baseline_thumbnail(bytes: &[u8], width: u32) -> Result<RgbImage, ImageProblem> {
    let image = image::load_from_memory(bytes).map_err(|e| ImageProblem::Corrupt(e.to_string()))?.into_rgb8();
    let height = ((image.height() as u64 * width as u64 + image.width() as u64 / 2) / image.width() as u64) as u32;
    let resized = image::imageops::resize(&image, width, height, image::imageops::FilterType::Lanczos3);
    let _ = encode_jpeg(&resized);
    Ok(resized)
}

/// Peak signal-to-noise ratio between two images of one size, in dB (higher: more alike; above
/// ~35 dB the difference is invisible).
pub fn psnr(a: &RgbImage, b: &RgbImage) -> f64 {
    let mse: f64 = a.as_raw().iter().zip(b.as_raw()).map(|(&x, &y)| (x as f64 - y as f64).powi(2)).sum::<f64>()
        / a.as_raw().len().max(1) as f64;
    if mse == 0.0 {
        f64::INFINITY
    } else {
        10.0 * (255.0f64 * 255.0 / mse).log10()
    }
}

#[derive(Debug, Serialize)]
pub struct SetBench {
    pub set: String,
    pub photos: usize,
    pub width: u32,
    pub moa_ms_per_photo: f64,
    pub baseline_ms_per_photo: f64,
    /// Moa's throughput over the baseline's: 3.0 means three times as many thumbnails a second.
    pub speedup: f64,
    /// Mean PSNR of Moa's thumbnail against the baseline's, in dB (identical: infinite).
    pub mean_psnr_db: f64,
    pub min_psnr_db: f64,
}

#[derive(Debug, Serialize)]
pub struct ImageBench {
    pub runs: usize,
    pub sets: Vec<SetBench>,
    /// A cached thumbnail looked up and validated (read + CRC), median, microseconds.
    pub cache_hit_us: f64,
}

fn generated(seed: u32) -> Vec<u8> {
    let (w, h) = (1500, 1800);
    let img = RgbImage::from_fn(w, h, |x, y| {
        let (fx, fy) = (x as f32 / w as f32, y as f32 / h as f32);
        let r = ((fx - 0.5).powi(2) + (fy - 0.45).powi(2)).sqrt();
        let stripe = (((fx * 40.0 + seed as f32).sin() + (fy * 23.0).cos()) * 20.0) as i32;
        if r < 0.3 {
            Rgb([(140 + stripe).clamp(0, 255) as u8, (80.0 + 90.0 * fy) as u8, (60 + seed * 30 % 150) as u8])
        } else {
            Rgb([(238.0 - 30.0 * fy) as u8, (236.0 - 20.0 * fx) as u8, 230])
        }
    });
    let mut out = Cursor::new(Vec::new());
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90).encode_image(&img).expect("in memory");
    out.into_inner()
}

fn bench_set(name: &str, photos: &[Vec<u8>], width: u32, runs: usize) -> Result<SetBench, String> {
    let limits = ImageLimits::default();
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        let started = Instant::now();
        for p in photos {
            make_thumbnail(p, width, &limits).map_err(|e| e.to_string())?;
        }
        ours.push(started.elapsed().as_secs_f64());
        let started = Instant::now();
        for p in photos {
            baseline_thumbnail(p, width).map_err(|e| e.to_string())?;
        }
        theirs.push(started.elapsed().as_secs_f64());
    }
    let mut psnrs = Vec::new();
    for p in photos {
        let made = make_thumbnail(p, width, &limits).map_err(|e| e.to_string())?;
        let ours = decode_rgb(&made.jpeg).map_err(|e| e.to_string())?;
        let base = baseline_thumbnail(p, width).map_err(|e| e.to_string())?;
        if ours.dimensions() == base.dimensions() {
            psnrs.push(psnr(&ours, &base).min(99.0));
        }
    }
    let (ours, theirs) = (median(ours), median(theirs));
    Ok(SetBench {
        set: name.into(),
        photos: photos.len(),
        width,
        moa_ms_per_photo: ours * 1000.0 / photos.len() as f64,
        baseline_ms_per_photo: theirs * 1000.0 / photos.len() as f64,
        speedup: theirs / ours,
        mean_psnr_db: psnrs.iter().sum::<f64>() / psnrs.len().max(1) as f64,
        min_psnr_db: psnrs.iter().cloned().fold(f64::INFINITY, f64::min),
    })
}

pub async fn image_bench(dir: Option<&Path>, width: u32, runs: usize) -> Result<ImageBench, String> {
    let runs = runs.max(1);
    let mut sets = Vec::new();
    if let Some(dir) = dir {
        let mut photos = Vec::new();
        let mut entries: Vec<_> = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?.collect();
        entries.sort_by_key(|e| e.as_ref().map(|e| e.path()).ok());
        for entry in entries {
            photos.push(std::fs::read(entry.map_err(|e| e.to_string())?.path()).map_err(|e| e.to_string())?);
        }
        sets.push(bench_set(&format!("real photos ({})", dir.display()), &photos, width, runs)?);
    }
    let generated: Vec<Vec<u8>> = (0..8).map(generated).collect();
    sets.push(bench_set("generated 1500×1800 JPEGs", &generated, width, runs)?);

    // The cache's hit path: a thumbnail made once, then looked up again and again.
    let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
    let cache = moa_core::images::cache::ImageCache::open(tmp.path(), 50 << 20, ImageLimits::default())
        .map_err(|e| e.to_string())?;
    let photo = generated[0].clone();
    cache.get("https://cdn.example/p.jpg", width, |_| async move { Ok(photo) }).await.map_err(|e| e.to_string())?;
    let mut hits = Vec::new();
    for _ in 0..200 {
        let started = Instant::now();
        cache.lookup("https://cdn.example/p.jpg", width).map_err(|e| e.to_string())?.ok_or("a miss")?;
        hits.push(started.elapsed().as_secs_f64() * 1e6);
    }
    Ok(ImageBench { runs, sets, cache_hit_us: median(hits) })
}

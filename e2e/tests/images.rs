//! Product photos: thumbnails of real photos (../shared/fixtures/images, when present) and of the
//! demo server's, hostile inputs refused with typed errors and nothing cached, the disk cache's
//! budget, LRU order, validation and restarts, one fetch for two requests, layout data in the
//! feed's cards, and the perceptual hash that finds the same item across malls.

use std::io::Cursor;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use image::{ImageFormat, Rgb, RgbImage};
use moa_core::{Error, FixedClock, Moa, MoaConfig};
use moa_imaging::hash::{perceptual_hash, same_item};
use moa_imaging::{decode_rgb, make_thumbnail, sniff, ImageLimits, ImageProblem};
use moa_server::{DemoSpec, DemoWorld, RunningServer};

const NOW: i64 = 1_795_000_000;

fn real_photos() -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures/images");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!("{} is absent: real-photo checks skipped; generated photos still run", dir.display());
        return Vec::new();
    };
    let mut photos: Vec<(String, Vec<u8>)> = entries
        .map(|e| e.unwrap().path())
        .map(|p: PathBuf| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&p).unwrap()))
        .collect();
    photos.sort();
    photos
}

/// A photo-like test image: a garment-like shape on a studio gradient. Each seed places, sizes
/// and lights it differently, as different products' photos differ — not only in colour, which a
/// perceptual hash (luminance gradients) does not see.
fn generated(width: u32, height: u32, seed: u32) -> RgbImage {
    let cx = 0.25 + 0.1 * (seed % 6) as f32;
    let cy = 0.3 + 0.08 * ((seed / 2) % 5) as f32;
    let radius = 0.12 + 0.04 * (seed % 4) as f32;
    let block = (0.1 + 0.13 * ((seed * 7) % 6) as f32, 0.55 + 0.07 * ((seed * 3) % 5) as f32);
    let light_from_left = seed % 2 == 0;
    RgbImage::from_fn(width, height, |x, y| {
        let (fx, fy) = (x as f32 / width as f32, y as f32 / height as f32);
        let in_circle = ((fx - cx).powi(2) + (fy - cy).powi(2)).sqrt() < radius;
        let in_block = (fx - block.0).abs() < 0.12 && (fy - block.1).abs() < 0.1;
        let light = if light_from_left { 1.0 - 0.5 * fx } else { 0.5 + 0.5 * fx };
        if in_circle {
            Rgb([(40 + seed * 40 % 120) as u8, (30.0 + 60.0 * fy) as u8, (90.0 * fx) as u8])
        } else if in_block {
            Rgb([200, (120 + seed * 17 % 100) as u8, 60])
        } else {
            let v = (150.0 + 100.0 * light - 40.0 * fy).clamp(0.0, 255.0) as u8;
            Rgb([v, v.saturating_sub(5), v.saturating_sub(10 + (seed % 30) as u8)])
        }
    })
}

fn encode(image: &RgbImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    image.write_to(&mut out, format).unwrap();
    out.into_inner()
}

fn jpeg_q(image: &RgbImage, quality: u8) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality).encode_image(image).unwrap();
    out.into_inner()
}

#[test]
fn real_photos_become_thumbnails_whatever_their_names_say() {
    let photos = real_photos();
    for (name, bytes) in &photos {
        let made = make_thumbnail(bytes, 400, &ImageLimits::default()).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(made.width, 400, "{name}");
        let expected_height = (made.source_height as f64 * 400.0 / made.source_width as f64).round() as u32;
        assert!(made.height.abs_diff(expected_height) <= 1, "{name}: {}×{}", made.width, made.height);
        assert!(made.placeholder_color.len() == 7 && made.placeholder_color.starts_with('#'), "{name}");
        assert!(made.blurhash.len() >= 20, "{name}: {}", made.blurhash);
        let back = image::load_from_memory(&made.jpeg).unwrap();
        assert_eq!((back.width(), back.height()), (made.width, made.height));
    }
    if let Some((_, png)) = photos.iter().find(|(n, _)| n == "3907259.jpg") {
        assert_eq!(sniff(png).unwrap(), ImageFormat::Png, "a PNG named .jpg is read as a PNG");
    }
    if let Some((_, webp)) = photos.iter().find(|(n, _)| n == "test.webp") {
        assert_eq!(sniff(webp).unwrap(), ImageFormat::WebP);
    }
}

/// A JPEG with an EXIF orientation tag (APP1 written after SOI, as cameras do).
fn with_orientation(jpeg: &[u8], orientation: u16) -> Vec<u8> {
    let mut tiff = b"MM\0*\0\0\0\x08".to_vec();
    tiff.extend_from_slice(&1u16.to_be_bytes()); // one entry
    tiff.extend_from_slice(&0x0112u16.to_be_bytes()); // Orientation
    tiff.extend_from_slice(&3u16.to_be_bytes()); // SHORT
    tiff.extend_from_slice(&1u32.to_be_bytes());
    tiff.extend_from_slice(&orientation.to_be_bytes());
    tiff.extend_from_slice(&[0, 0]);
    tiff.extend_from_slice(&0u32.to_be_bytes());
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend_from_slice(&tiff);
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&((app1.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(&app1);
    out.extend_from_slice(&jpeg[2..]);
    out
}

#[test]
fn exif_orientation_is_applied() {
    // Landscape pixels tagged "rotate 90°": the photo is portrait.
    let sideways = with_orientation(&jpeg_q(&generated(800, 400, 1), 90), 6);
    let made = make_thumbnail(&sideways, 100, &ImageLimits::default()).unwrap();
    assert_eq!((made.source_width, made.source_height), (400, 800), "the photo upright");
    assert_eq!((made.width, made.height), (100, 200));
}

/// A PNG whose header claims `width`×`height` (the CRC fixed, so only the size is a lie).
fn png_claiming(width: u32, height: u32) -> Vec<u8> {
    let mut png = encode(&generated(8, 8, 0), ImageFormat::Png);
    png[16..20].copy_from_slice(&width.to_be_bytes());
    png[20..24].copy_from_slice(&height.to_be_bytes());
    let crc = crc32fast::hash(&png[12..29]);
    png[29..33].copy_from_slice(&crc.to_be_bytes());
    png
}

#[test]
fn hostile_images_are_typed_errors_never_panics() {
    let limits = ImageLimits::default();
    let jpeg = jpeg_q(&generated(600, 750, 2), 85);
    let truncated = &jpeg[..jpeg.len() / 3];
    let mut noise = vec![0u8; 4096];
    for (i, b) in noise.iter_mut().enumerate() {
        *b = (i as u32).wrapping_mul(2_654_435_761).to_be_bytes()[0];
    }
    assert!(matches!(
        make_thumbnail(&png_claiming(100_000, 100_000), 400, &limits),
        Err(ImageProblem::TooLarge { width: 100_000, .. })
    ));
    assert!(matches!(make_thumbnail(truncated, 400, &limits), Err(ImageProblem::Corrupt(_))), "a truncated JPEG");
    assert_eq!(make_thumbnail(&noise, 400, &limits), Err(ImageProblem::Unsupported));
    assert_eq!(make_thumbnail(&[], 400, &limits), Err(ImageProblem::Empty));
    let mut bomb_jpeg = jpeg.clone();
    // SOF0's height and width: claim 60000×60000.
    let sof = bomb_jpeg.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
    bomb_jpeg[sof + 5..sof + 7].copy_from_slice(&60_000u16.to_be_bytes());
    bomb_jpeg[sof + 7..sof + 9].copy_from_slice(&60_000u16.to_be_bytes());
    assert!(matches!(make_thumbnail(&bomb_jpeg, 400, &limits), Err(ImageProblem::TooLarge { .. })));
}

async fn demo() -> (RunningServer, moa_server::DemoWorld) {
    let (catalog, world) = moa_server::demo_catalog(DemoSpec { seed: 71, products: 300, now: NOW }).unwrap();
    let server = RunningServer::start(catalog, SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await.unwrap();
    (server, world)
}

fn cached_files(dir: &Path) -> usize {
    std::fs::read_dir(dir.join("images"))
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "jpg"))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_images_and_http_errors_cache_nothing() {
    let (server, _world) = demo().await;
    let dir = tempfile::tempdir().unwrap();
    let moa = Moa::open(MoaConfig::new(dir.path()).clock(FixedClock::at_secs(NOW)).server(&server.url)).unwrap();
    let missing = moa.thumbnail("/v1/images/nobody-1.jpg", 200).await;
    assert!(matches!(missing, Err(Error::Server { status: 404, .. })), "{missing:?}");
    let not_an_image = moa.thumbnail("/v1/openapi.yaml", 200).await;
    assert!(matches!(not_an_image, Err(Error::Image(ImageProblem::Unsupported))), "{not_an_image:?}");
    assert_eq!(moa.image_cache().total_bytes().unwrap(), 0);
    assert_eq!(cached_files(dir.path()), 0);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cache_keeps_its_budget_evicts_the_least_recently_used_and_survives_restarts() {
    let (server, world) = demo().await;
    let dir = tempfile::tempdir().unwrap();
    let mut config = MoaConfig::new(dir.path()).clock(FixedClock::at_secs(NOW)).server(&server.url);
    // Demo thumbnails at 200 px are a few kB: a budget of ~4 of them.
    let first = {
        let probe_dir = tempfile::tempdir().unwrap();
        let probe =
            Moa::open(MoaConfig::new(probe_dir.path()).clock(FixedClock::at_secs(NOW)).server(&server.url)).unwrap();
        let t = probe.thumbnail(&world.products[0].image_url, 200).await.unwrap();
        std::fs::metadata(&t.path).unwrap().len()
    };
    config.image_cache_bytes = first * 4;
    let moa = Moa::open(config.clone()).unwrap();
    let urls: Vec<String> = world
        .products
        .iter()
        .map(|p| p.image_url.clone())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .take(8)
        .collect();
    for url in &urls[..3] {
        moa.thumbnail(url, 200).await.unwrap();
    }
    // Use the first again: it is now the most recent, the second the least.
    assert!(moa.image_cache().lookup(&urls[0], 200).unwrap().is_some());
    for url in &urls[3..8] {
        moa.thumbnail(url, 200).await.unwrap();
        let total = moa.image_cache().total_bytes().unwrap();
        assert!(total <= first * 4 + first / 2, "over budget: {total} > {}", first * 4);
    }
    assert!(moa.image_cache().lookup(&urls[1], 200).unwrap().is_none(), "the least recently used went");
    assert!(moa.image_cache().lookup(&urls[7], 200).unwrap().is_some(), "the newest stays");
    assert!(cached_files(dir.path()) <= 5);

    // A damaged file is noticed and made again, not shown.
    let newest = moa.image_cache().lookup(&urls[7], 200).unwrap().unwrap();
    let bytes = std::fs::read(&newest.path).unwrap();
    std::fs::write(&newest.path, &bytes[..bytes.len() / 2]).unwrap();
    let fetches = moa.image_cache().fetches();
    let again = moa.thumbnail(&urls[7], 200).await.unwrap();
    assert_eq!(moa.image_cache().fetches(), fetches + 1, "fetched again");
    assert_eq!(std::fs::read(&again.path).unwrap().len(), bytes.len());
    drop(moa);

    // After a restart the cache answers without fetching.
    let moa = Moa::open(config).unwrap();
    let hit = moa.thumbnail(&urls[7], 200).await.unwrap();
    assert_eq!(moa.image_cache().fetches(), 0);
    assert_eq!(hit.width, 200);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_photo_asked_for_twice_at_once_is_fetched_once_and_shapes_the_card() {
    let (server, _world) = demo().await;
    let dir = tempfile::tempdir().unwrap();
    let moa =
        Arc::new(Moa::open(MoaConfig::new(dir.path()).clock(FixedClock::at_secs(NOW)).server(&server.url)).unwrap());
    moa.sync().await.unwrap();
    let card = moa.home_feed().unwrap().sections[0].cards[0].clone();
    assert_eq!((card.aspect_ratio, card.placeholder_color.clone()), (None, None), "unknown before any thumbnail");
    let (a, b) = tokio::join!(moa.thumbnail(&card.image_url, 300), moa.thumbnail(&card.image_url, 300));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.path, b.path);
    assert_eq!(moa.image_cache().fetches(), 1, "one fetch for two requests");
    assert_eq!((a.width, a.height), (300, 375), "the demo's 4:5 photos");
    let home = moa.home_feed().unwrap();
    let again = home.sections.iter().flat_map(|s| &s.cards).find(|c| c.product_id == card.product_id).unwrap();
    assert_eq!(again.aspect_ratio, Some(0.8));
    assert_eq!(again.placeholder_color.as_deref(), Some(a.placeholder_color.as_str()));
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sheet_swipes_through_every_photo_of_the_product_each_its_own_picture() {
    let (server, world) = demo().await;
    let dir = tempfile::tempdir().unwrap();
    let moa = Moa::open(MoaConfig::new(dir.path()).clock(FixedClock::at_secs(NOW)).server(&server.url)).unwrap();
    moa.sync().await.unwrap();
    // The demo's designs have 0 to 3 more photos, as malls upload them; copies resold by another
    // mall have the design's, as that mall shoots them.
    let counts: std::collections::BTreeSet<usize> = world.products.iter().map(|p| p.more_image_urls.len()).collect();
    assert_eq!(counts, (0..=3).collect(), "every gallery size occurs");
    let listed = world.products.iter().find(|p| p.more_image_urls.len() == 3 && p.in_stock()).unwrap();
    let sheet = moa.product_sheet(&listed.id).unwrap();
    assert_eq!(sheet.photos.len(), 4);
    assert_eq!(sheet.photos[0], sheet.image_url, "the main photo first");
    assert!(sheet.photos.iter().all(|u| u.starts_with(&server.url)), "resolved against the server: {:?}", sheet.photos);
    let mut hashes = Vec::new();
    for url in &sheet.photos {
        let t = moa.thumbnail(url, 300).await.unwrap_or_else(|e| panic!("{url}: {e}"));
        hashes.push(perceptual_hash(&std::fs::read(&t.path).unwrap(), &ImageLimits::default()).unwrap());
    }
    for (i, a) in hashes.iter().enumerate() {
        for b in &hashes[i + 1..] {
            assert!(a.distance(b) > 8, "two of the gallery's photos are the same picture");
        }
    }
    let single = world.products.iter().find(|p| p.more_image_urls.is_empty() && p.in_stock()).unwrap();
    assert_eq!(moa.product_sheet(&single.id).unwrap().photos, vec![moa.product_sheet(&single.id).unwrap().image_url]);
    assert!(
        matches!(
            moa.thumbnail(&format!("{}/v1/images/{}@4.jpg", server.url, listed.id), 100).await,
            Err(Error::Server { status: 404, .. })
        ),
        "only the photos the product has"
    );
    server.shutdown().await;
}

#[test]
fn the_same_photo_altered_is_the_same_item_and_different_photos_are_not() {
    let limits = ImageLimits::default();
    // The real photos (when ../shared is there) and always six of the demo world's designs,
    // one per category: studio shots alike in layout, which is what a hash must still tell apart.
    let mut photos: Vec<RgbImage> = real_photos().iter().filter_map(|(_, b)| decode_rgb(b).ok()).collect();
    let world = DemoWorld::generate(DemoSpec { seed: 1, products: 300, now: NOW });
    let mut categories = Vec::new();
    for p in world.products.iter().filter(|p| !p.image_url.contains('~')) {
        if !categories.contains(&p.category) && categories.len() < 6 {
            categories.push(p.category);
            photos.push(decode_rgb(&moa_server::images::product_photo(p, None)).unwrap());
        }
    }
    let hashes: Vec<_> = photos.iter().map(|p| perceptual_hash(&jpeg_q(p, 90), &limits).unwrap()).collect();
    let mut farthest_same = 0;
    for (photo, hash) in photos.iter().zip(&hashes) {
        let (w, h) = photo.dimensions();
        let half = image::imageops::resize(photo, w / 2, h / 2, image::imageops::FilterType::Triangle);
        let cropped = image::imageops::crop_imm(photo, w / 50, h / 50, w - w / 25, h - h / 25).to_image();
        for variant in [jpeg_q(&half, 90), jpeg_q(photo, 45), jpeg_q(&cropped, 85), encode(&half, ImageFormat::Png)] {
            let other = perceptual_hash(&variant, &limits).unwrap();
            farthest_same = farthest_same.max(hash.distance(&other));
            assert!(same_item(hash, &other), "distance {}", hash.distance(&other));
        }
    }
    let mut false_groupings = 0;
    let mut closest = u32::MAX;
    for i in 0..hashes.len() {
        for j in i + 1..hashes.len() {
            closest = closest.min(hashes[i].distance(&hashes[j]));
            false_groupings += same_item(&hashes[i], &hashes[j]) as u32;
        }
    }
    eprintln!(
        "{} photos: altered copies at most {farthest_same} bits from the photo; {false_groupings} false groupings; \
         closest different pair {closest} bits apart",
        hashes.len()
    );
    assert_eq!(false_groupings, 0);
}

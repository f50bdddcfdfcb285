//! `moa bench ingest`: importing a 100,000-row Naver EP file and a 100,000-item Google Merchant
//! XML feed (generated from the demo world) into a fresh catalog database, as rows per second and
//! as a ratio to parsing alone in the same run — how much normalising and writing cost on top of
//! reading the bytes. Then a re-import of the same feed (nothing changes, nothing is written).

use std::fmt::Write as _;
use std::time::Instant;

use super::median;
use moa_core::model::{Category, Gender, Platform, Product};
use moa_server::ingest::{self, Format, Limits, MallProfile};
use moa_server::{CatalogDb, DemoSpec};
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct FormatBench {
    pub format: String,
    pub rows: usize,
    pub bytes: usize,
    pub parse_seconds: f64,
    pub parse_rows_per_second: f64,
    /// Parsing and normalising into products (no database).
    pub normalise_seconds: f64,
    pub import_seconds: f64,
    pub import_rows_per_second: f64,
    /// Import throughput divided by parsing's: 1.0 would mean normalising and writing were free.
    pub import_to_parse_ratio: f64,
    pub reimport_seconds: f64,
    pub reimport_rows_per_second: f64,
    pub imported: u64,
    pub unchanged_on_reimport: u64,
}

#[derive(Debug, Serialize)]
pub struct IngestBench {
    pub runs: usize,
    pub formats: Vec<FormatBench>,
}

const HOME: &str = "https://www.benchmall.co.kr";

fn bench_mall() -> MallProfile {
    MallProfile {
        id: "benchmall".into(),
        name: "벤치몰".into(),
        platform: Platform::Cafe24,
        homepage: HOME.into(),
        link_hosts: vec![],
        currency: "KRW".into(),
        gender: Gender::Women,
        styles: vec![],
        age_bands: vec![],
        category_map: Default::default(),
        default_category: Some(Category::Top),
        style_map: Default::default(),
        contact: None,
    }
}

fn number(p: &Product) -> &str {
    p.id.rsplit('-').next().unwrap_or(&p.id)
}

fn ep_file(products: &[Product]) -> String {
    let mut out = String::from("\u{feff}id\ttitle\tprice_pc\tprice_mobile\tnormal_price\tlink\timage_link\tcategory_name1\tcategory_name2\tbrand\toption_detail\tshipping\r\n");
    for (n, p) in products.iter().enumerate() {
        let options: Vec<String> =
            p.variants.iter().map(|v| format!("사이즈:{}^0", v.size.as_deref().unwrap_or("FREE"))).collect();
        let _ = write!(
            out,
            "{n}\t{}\t{}\t{}\t{}\t{HOME}/product/detail.html?product_no={}\t{HOME}/web/product/{n}.jpg\t여성의류\t{}\t벤치몰\t{}\t0\r\n",
            p.title,
            p.price.amount,
            p.price.amount,
            p.original_price.as_ref().map(|m| m.amount.to_string()).unwrap_or_else(|| "null".into()),
            number(p),
            p.category.label(moa_core::model::Locale::Ko),
            options.join("|"),
        );
    }
    out
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

fn merchant_xml(products: &[Product]) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss xmlns:g=\"http://base.google.com/ns/1.0\" version=\"2.0\">\n<channel>\n<title>벤치몰</title>\n",
    );
    for (n, p) in products.iter().enumerate() {
        let _ = write!(
            out,
            "<item>\n  <g:id>{n}</g:id>\n  <g:title>{}</g:title>\n  <g:link>{HOME}/product/{}</g:link>\n  <g:image_link>{HOME}/web/product/{n}.jpg</g:image_link>\n  <g:availability>{}</g:availability>\n  <g:price>{} KRW</g:price>\n  <g:product_type>여성의류 &gt; {}</g:product_type>\n  <g:size>{}</g:size>\n</item>\n",
            escape(&p.title),
            number(p),
            if p.in_stock() { "in stock" } else { "out of stock" },
            p.price.amount,
            p.category.label(moa_core::model::Locale::Ko),
            p.variants.first().and_then(|v| v.size.as_deref()).unwrap_or("FREE"),
        );
    }
    out.push_str("</channel>\n</rss>\n");
    out
}

pub fn ingest_bench(rows: usize, runs: usize) -> Result<IngestBench, String> {
    let runs = runs.max(1);
    let world = super::demo_world(DemoSpec { seed: 7, products: rows, now: 1_795_000_000 });
    let limits = Limits { max_bytes: u64::MAX, max_rows: usize::MAX };
    let mut formats = Vec::new();
    for (format, feed) in
        [(Format::NaverEp, ep_file(&world.products)), (Format::MerchantXml, merchant_xml(&world.products))]
    {
        let (mut parse_s, mut normalise_s, mut import_s, mut reimport_s) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let (mut imported, mut unchanged) = (0, 0);
        for _ in 0..runs {
            let started = Instant::now();
            let parsed = ingest::parse(format, feed.as_bytes(), limits).map_err(|e| e.to_string())?;
            parse_s.push(started.elapsed().as_secs_f64());
            if parsed.rows != rows {
                return Err(format!("{}: parsed {} rows of {rows}", format.as_str(), parsed.rows));
            }
            let started = Instant::now();
            let parsed = ingest::parse(format, feed.as_bytes(), limits).map_err(|e| e.to_string())?;
            let normalised = ingest::products_of(&parsed, &bench_mall(), 1_795_000_000);
            normalise_s.push(started.elapsed().as_secs_f64());
            if normalised.products.len() != rows {
                return Err(format!("{}: {} products of {rows}", format.as_str(), normalised.products.len()));
            }
            // A real file, as `moa serve --db` keeps it.
            let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
            let catalog = CatalogDb::open(Some(&dir.path().join("catalog.db"))).map_err(|e| e.to_string())?;
            catalog.put_mall_profile(&bench_mall()).map_err(|e| e.to_string())?;
            let started = Instant::now();
            let report = ingest::ingest(&catalog, "benchmall", format, feed.as_bytes(), limits, 1_795_000_000)
                .map_err(|e| e.to_string())?;
            import_s.push(started.elapsed().as_secs_f64());
            imported = report.imported;
            let started = Instant::now();
            let again = ingest::ingest(&catalog, "benchmall", format, feed.as_bytes(), limits, 1_795_000_100)
                .map_err(|e| e.to_string())?;
            reimport_s.push(started.elapsed().as_secs_f64());
            unchanged = again.unchanged;
        }
        let (parse, import, reimport) = (median(parse_s), median(import_s), median(reimport_s));
        let normalise = median(normalise_s);
        formats.push(FormatBench {
            format: format.as_str().into(),
            rows,
            bytes: feed.len(),
            parse_seconds: parse,
            parse_rows_per_second: rows as f64 / parse,
            normalise_seconds: normalise,
            import_seconds: import,
            import_rows_per_second: rows as f64 / import,
            import_to_parse_ratio: parse / import,
            reimport_seconds: reimport,
            reimport_rows_per_second: rows as f64 / reimport,
            imported,
            unchanged_on_reimport: unchanged,
        });
    }
    Ok(IngestBench { runs, formats })
}

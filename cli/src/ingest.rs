//! `moa ingest` and `moa mall`: partner malls' feeds into a server catalog, and the registry of
//! malls that says how to read them.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use moa_core::model::{AgeBand, Category, Gender, Platform, Style};
use moa_server::ingest::{self, Format, Limits, MallProfile};
use moa_server::CatalogDb;

fn open(db: &Path) -> Result<CatalogDb, String> {
    CatalogDb::open(Some(db)).map_err(|e| format!("{}: {e}", db.display()))
}

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// The feed's bytes, from a file or an http(s) URL, within the size limit.
async fn fetch(source: &str, limits: Limits) -> Result<Vec<u8>, String> {
    if source.starts_with("https://") || source.starts_with("http://") {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(120))
            .user_agent(concat!("moa-ingest/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| e.to_string())?;
        let response = client.get(source).send().await.map_err(|e| format!("{source}: {e}"))?;
        if !response.status().is_success() {
            return Err(format!("{source}: the server answered {}", response.status()));
        }
        if response.content_length().is_some_and(|n| n > limits.max_bytes) {
            return Err(format!("{source}: larger than {} bytes", limits.max_bytes));
        }
        let bytes = response.bytes().await.map_err(|e| format!("{source}: {e}"))?;
        Ok(bytes.to_vec())
    } else {
        let size = std::fs::metadata(source).map_err(|e| format!("{source}: {e}"))?.len();
        if size > limits.max_bytes {
            return Err(format!("{source}: {size} bytes, larger than {}", limits.max_bytes));
        }
        std::fs::read(source).map_err(|e| format!("{source}: {e}"))
    }
}

pub async fn ingest_command(
    db: &Path,
    mall: &str,
    format: &str,
    source: &str,
    limits: Limits,
    json: bool,
    photos: bool,
) -> Result<(), String> {
    let format = Format::parse(format).ok_or_else(|| {
        let names: Vec<&str> = Format::ALL.iter().map(|f| f.as_str()).collect();
        format!("unknown format {format:?}; one of {}", names.join(", "))
    })?;
    let catalog = open(db)?;
    let bytes = fetch(source, limits).await?;
    let prepared = ingest::prepare(&catalog, mall, format, &bytes, limits, now()).map_err(|e| e.to_string())?;
    let hashed = if photos {
        let urls = prepared.photos_to_hash();
        if !json && !urls.is_empty() {
            eprintln!("hashing {} photos…", urls.len());
        }
        ingest::hash_photos(urls, ingest::PhotoOptions::default()).await
    } else {
        ingest::PhotoReport::default()
    };
    let report = ingest::commit(&catalog, prepared, &hashed, now()).map_err(|e| e.to_string())?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report).expect("reports serialise"));
        return Ok(());
    }
    println!(
        "{} ({}): read {}, imported {}, unchanged {}, delisted {}, skipped {}; photos hashed {}, failed {}; \
         sold by other malls too {}",
        report.mall_id,
        report.format,
        report.read,
        report.imported,
        report.unchanged,
        report.delisted,
        report.skipped.len(),
        report.photos_hashed,
        report.photos_failed,
        report.same_item,
    );
    for note in &report.notes {
        println!("  note: {note}");
    }
    for problem in report.skipped.iter().take(20) {
        println!(
            "  skipped line {}{}: {}",
            problem.line,
            problem.id.as_deref().map(|i| format!(" ({i})")).unwrap_or_default(),
            problem.reason
        );
    }
    if report.skipped.len() > 20 {
        println!("  … and {} more (--json lists them all)", report.skipped.len() - 20);
    }
    Ok(())
}

/// `moa mall add`: from a JSON profile file, or from flags.
#[allow(clippy::too_many_arguments)]
pub fn mall_add(
    db: &Path,
    file: Option<&Path>,
    id: Option<String>,
    name: Option<String>,
    platform: Option<String>,
    homepage: Option<String>,
    hosts: Vec<String>,
    currency: String,
    gender: String,
    styles: Vec<String>,
    ages: Vec<String>,
    default_category: Option<String>,
    category_map: Vec<String>,
) -> Result<(), String> {
    let profile = match file {
        Some(file) => {
            let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
            serde_json::from_str::<MallProfile>(&text).map_err(|e| format!("{}: {e}", file.display()))?
        }
        None => {
            let need = |v: Option<String>, flag: &str| v.ok_or_else(|| format!("--{flag} is required (or --file)"));
            let vocab =
                |word: &str, what: &str, ok: bool| if ok { Ok(()) } else { Err(format!("unknown {what} {word:?}")) };
            let platform = need(platform, "platform")?;
            let mut map = BTreeMap::new();
            for entry in &category_map {
                let (word, category) =
                    entry.split_once('=').ok_or_else(|| format!("--category-map {entry:?}: WORD=CATEGORY"))?;
                map.insert(
                    word.to_string(),
                    Category::parse(category).ok_or_else(|| format!("unknown category {category:?}"))?,
                );
            }
            for s in &styles {
                vocab(s, "style", Style::parse(s).is_some())?;
            }
            for a in &ages {
                vocab(a, "age band", AgeBand::parse(a).is_some())?;
            }
            MallProfile {
                id: need(id, "id")?,
                name: need(name, "name")?,
                platform: Platform::parse(&platform).ok_or_else(|| format!("unknown platform {platform:?}"))?,
                homepage: need(homepage, "homepage")?,
                link_hosts: hosts,
                currency,
                gender: Gender::parse(&gender).ok_or_else(|| format!("unknown gender {gender:?}"))?,
                styles: styles.iter().filter_map(|s| Style::parse(s)).collect(),
                age_bands: ages.iter().filter_map(|a| AgeBand::parse(a)).collect(),
                category_map: map,
                default_category: default_category
                    .map(|c| Category::parse(&c).ok_or_else(|| format!("unknown category {c:?}")))
                    .transpose()?,
                style_map: BTreeMap::new(),
            }
        }
    };
    profile.validate()?;
    open(db)?.put_mall_profile(&profile).map_err(|e| e.to_string())?;
    println!("registered {} ({}), links on {}", profile.id, profile.name, profile.mall().link_hosts.join(", "));
    Ok(())
}

pub fn mall_list(db: &Path, json: bool) -> Result<(), String> {
    let profiles = open(db)?.mall_profiles().map_err(|e| e.to_string())?;
    if json {
        println!("{}", serde_json::to_string_pretty(&profiles).expect("profiles serialise"));
    } else if profiles.is_empty() {
        println!("no malls registered (moa mall add)");
    } else {
        for p in profiles {
            println!("{:<16} {:<20} {:<10} {}", p.id, p.name, p.platform.as_str(), p.homepage);
        }
    }
    Ok(())
}

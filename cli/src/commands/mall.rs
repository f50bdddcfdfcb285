//! `moa mall …`: the registry of partner malls.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use std::collections::BTreeMap;

use moa_core::model::{AgeBand, Category, Gender, MallContact, Platform, Style};
use moa_server::ingest::MallProfile;
use moa_server::CatalogDb;

use crate::output::CliResult;

#[derive(Subcommand)]
#[allow(clippy::large_enum_variant)] // parsed once per run
pub enum MallCommand {
    /// Register a mall (or update it): from a JSON profile (--file) or from flags.
    Add(MallAddArgs),
    /// List the registered malls.
    List(MallListArgs),
    /// Set the secret the mall's platform signs its order webhooks with (Shopify's app secret,
    /// Cafe24's): `POST /v1/malls/{id}/webhooks/{shopify|cafe24}` is checked against it.
    WebhookSecret(WebhookSecretArgs),
}

#[derive(Args)]
pub struct WebhookSecretArgs {
    /// The server's catalog: a SQLite file, or a `postgres://` URL.
    #[arg(long = "database", visible_alias = "db")]
    pub db: String,
    #[arg(long)]
    pub id: String,
    /// The secret; read from the environment variable MOA_WEBHOOK_SECRET when not given, so
    /// that it stays out of the shell's history.
    #[arg(long)]
    pub secret: Option<String>,
}

#[derive(Args)]
pub struct MallAddArgs {
    /// The server's catalog: a SQLite file, or a `postgres://` URL.
    #[arg(long = "database", visible_alias = "db")]
    pub db: String,
    /// A JSON mall profile (docs/INGEST.md).
    #[arg(long, conflicts_with_all = ["id", "name", "platform", "homepage", "kakao", "channel_talk", "phone", "email", "hours"])]
    pub file: Option<PathBuf>,
    #[arg(long)]
    pub id: Option<String>,
    #[arg(long)]
    pub name: Option<String>,
    /// cafe24, smartstore, shopify, imweb, godomall, makeshop, or other (a site that only
    /// publishes a Google Merchant or Naver EP feed).
    #[arg(long)]
    pub platform: Option<String>,
    /// https://…
    #[arg(long)]
    pub homepage: Option<String>,
    /// More hosts product links may point at (repeatable).
    #[arg(long = "host")]
    pub hosts: Vec<String>,
    #[arg(long, default_value = "KRW")]
    pub currency: String,
    #[arg(long, default_value = "women")]
    pub gender: String,
    /// The mall's styles (repeatable): lovely, simple_basic, office_look, casual, street, …
    #[arg(long = "style")]
    pub styles: Vec<String>,
    /// Age bands (repeatable): teens, early_20s, …
    #[arg(long = "age")]
    pub ages: Vec<String>,
    /// Where products of unknown category go (else they are skipped and reported).
    #[arg(long)]
    pub default_category: Option<String>,
    /// The mall's word for a category: WORD=CATEGORY, e.g. 원피스=dress or 24=top (repeatable).
    #[arg(long = "category-map")]
    pub category_map: Vec<String>,
    /// Where shoppers ask the mall: its KakaoTalk channel (https://pf.kakao.com/_ID).
    #[arg(long)]
    pub kakao: Option<String>,
    /// Its Channel Talk (https://NAME.channel.io).
    #[arg(long)]
    pub channel_talk: Option<String>,
    #[arg(long)]
    pub phone: Option<String>,
    #[arg(long)]
    pub email: Option<String>,
    /// When someone answers, e.g. "평일 10:00–17:00".
    #[arg(long)]
    pub hours: Option<String>,
}

#[derive(Args)]
pub struct MallListArgs {
    /// The server's catalog: a SQLite file, or a `postgres://` URL.
    #[arg(long = "database", visible_alias = "db")]
    pub db: String,
    #[arg(long)]
    pub json: bool,
}

pub fn run(what: MallCommand) -> CliResult {
    match what {
        MallCommand::Add(a) => mall_add(a),
        MallCommand::List(a) => mall_list(&a.db, a.json),
        MallCommand::WebhookSecret(a) => webhook_secret(a),
    }
}

fn webhook_secret(a: WebhookSecretArgs) -> CliResult {
    let secret = a
        .secret
        .or_else(|| std::env::var("MOA_WEBHOOK_SECRET").ok())
        .filter(|s| s.len() >= 16)
        .ok_or("a secret of at least 16 characters is required (--secret or MOA_WEBHOOK_SECRET)")?;
    let catalog = open(&a.db)?;
    if !catalog.mall_profiles().map_err(|e| e.to_string())?.iter().any(|p| p.id == a.id) {
        return Err(format!("no mall {:?}: register it first (moa mall add)", a.id));
    }
    catalog.set_webhook_secret(&a.id, &secret).map_err(|e| e.to_string())?;
    println!("{}'s order webhooks are checked against the new secret", a.id);
    Ok(())
}

fn open(db: &str) -> Result<CatalogDb, String> {
    CatalogDb::open_at(db).map_err(|e| format!("{db}: {e}"))
}

/// `moa mall add`: from a JSON profile file, or from flags.
pub fn mall_add(a: MallAddArgs) -> Result<(), String> {
    let profile = match &a.file {
        Some(file) => {
            let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
            serde_json::from_str::<MallProfile>(&text).map_err(|e| format!("{}: {e}", file.display()))?
        }
        None => profile_from_flags(&a)?,
    };
    profile.validate()?;
    open(&a.db)?.put_mall_profile(&profile).map_err(|e| e.to_string())?;
    println!("registered {} ({}), links on {}", profile.id, profile.name, profile.mall().link_hosts.join(", "));
    Ok(())
}

/// A mall profile from `moa mall add`'s flags, every word checked against the vocabulary.
fn profile_from_flags(a: &MallAddArgs) -> Result<MallProfile, String> {
    let need = |v: Option<String>, flag: &str| v.ok_or_else(|| format!("--{flag} is required (or --file)"));
    let vocab = |word: &str, what: &str, ok: bool| if ok { Ok(()) } else { Err(format!("unknown {what} {word:?}")) };
    let platform = need(a.platform.clone(), "platform")?;
    let mut map = BTreeMap::new();
    for entry in &a.category_map {
        let (word, category) =
            entry.split_once('=').ok_or_else(|| format!("--category-map {entry:?}: WORD=CATEGORY"))?;
        map.insert(
            word.to_string(),
            Category::parse(category).ok_or_else(|| format!("unknown category {category:?}"))?,
        );
    }
    for s in &a.styles {
        vocab(s, "style", Style::parse(s).is_some())?;
    }
    for age in &a.ages {
        vocab(age, "age band", AgeBand::parse(age).is_some())?;
    }
    Ok(MallProfile {
        id: need(a.id.clone(), "id")?,
        name: need(a.name.clone(), "name")?,
        platform: Platform::parse(&platform).ok_or_else(|| format!("unknown platform {platform:?}"))?,
        homepage: need(a.homepage.clone(), "homepage")?,
        link_hosts: a.hosts.clone(),
        currency: a.currency.clone(),
        gender: Gender::parse(&a.gender).ok_or_else(|| format!("unknown gender {:?}", a.gender))?,
        styles: a.styles.iter().filter_map(|s| Style::parse(s)).collect(),
        age_bands: a.ages.iter().filter_map(|age| AgeBand::parse(age)).collect(),
        category_map: map,
        default_category: a
            .default_category
            .clone()
            .map(|c| Category::parse(&c).ok_or_else(|| format!("unknown category {c:?}")))
            .transpose()?,
        style_map: BTreeMap::new(),
        contact: contact_from_flags(a),
    })
}

/// The contact lines given as flags, if any (checked with the rest of the profile).
fn contact_from_flags(a: &MallAddArgs) -> Option<MallContact> {
    let contact = MallContact {
        kakao_channel: a.kakao.clone(),
        channel_talk: a.channel_talk.clone(),
        phone: a.phone.clone(),
        email: a.email.clone(),
        hours: a.hours.clone(),
    };
    (contact != MallContact::default()).then_some(contact)
}

pub fn mall_list(db: &str, json: bool) -> Result<(), String> {
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

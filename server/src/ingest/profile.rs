//! A partner mall as Moa knows it: what the apps see of it, and how to read its feeds.

use std::collections::BTreeMap;

use moa_protocol::model::{AgeBand, Category, Gender, Mall, MallContact, Platform, Style};
use serde::{Deserialize, Serialize};

/// What Moa knows about a partner mall: what the apps see of it, and how to read its feeds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MallProfile {
    pub id: String,
    pub name: String,
    pub platform: Platform,
    pub homepage: String,
    /// Hosts product links may point at (the homepage's host is always allowed).
    #[serde(default)]
    pub link_hosts: Vec<String>,
    /// The currency of prices written without one (and of a bare "$").
    #[serde(default = "default_currency")]
    pub currency: String,
    #[serde(default = "default_gender")]
    pub gender: Gender,
    #[serde(default)]
    pub styles: Vec<Style>,
    #[serde(default)]
    pub age_bands: Vec<AgeBand>,
    /// The mall's own words for categories (a category path segment, a product type, a tag, a
    /// Cafe24 category number) → Moa's category. Checked before the built-in table.
    #[serde(default)]
    pub category_map: BTreeMap<String, Category>,
    /// Where products whose category no table knows go; None: they are skipped and reported.
    #[serde(default)]
    pub default_category: Option<Category>,
    /// The mall's tags → Moa's style tags (the mall's own styles apply when none match).
    #[serde(default)]
    pub style_map: BTreeMap<String, Style>,
    /// How shoppers ask the mall (KakaoTalk channel, Channel Talk, phone, email, hours).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<MallContact>,
}

fn default_currency() -> String {
    "KRW".into()
}

fn default_gender() -> Gender {
    Gender::Women
}

impl MallProfile {
    /// The mall as the apps see it.
    pub fn mall(&self) -> Mall {
        let mut hosts = self.link_hosts.clone();
        if let Some(host) = url::Url::parse(&self.homepage).ok().and_then(|u| u.host_str().map(str::to_string)) {
            if !hosts.contains(&host) {
                hosts.insert(0, host);
            }
        }
        Mall {
            id: self.id.clone(),
            name: self.name.clone(),
            platform: self.platform,
            homepage: self.homepage.clone(),
            link_hosts: hosts,
            styles: self.styles.clone(),
            gender: self.gender,
            age_bands: self.age_bands.clone(),
            contact: self.contact.clone(),
        }
    }

    /// Problems that make the profile unusable.
    pub fn validate(&self) -> Result<(), String> {
        let id_ok = !self.id.is_empty()
            && self.id.len() <= 40
            && self.id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !id_ok {
            // No '-': a product's id is "{mall}-{its own id}", and with '-' in mall ids mall "rose"
            // item "ribbon-12" and mall "rose-ribbon" item "12" would be one product.
            return Err(format!("mall id {:?}: 1 to 40 of a-z, 0-9 and '_' (no '-')", self.id));
        }
        if self.name.trim().is_empty() {
            return Err("the mall needs a name".into());
        }
        match url::Url::parse(&self.homepage) {
            Ok(u) if u.scheme() == "https" && u.host_str().is_some() => {}
            _ => return Err(format!("homepage {:?} is not an https URL", self.homepage)),
        }
        if moa_protocol::model::minor_digits(&self.currency) > 3 || self.currency.len() != 3 {
            return Err(format!("currency {:?} is not an ISO 4217 code", self.currency));
        }
        // A hostile or mistyped contact link is refused here, before any shopper can tap it.
        if let Some(problems) = self.contact.as_ref().map(MallContact::problems).filter(|p| !p.is_empty()) {
            return Err(format!("contact: {}", problems.join("; ")));
        }
        Ok(())
    }
}

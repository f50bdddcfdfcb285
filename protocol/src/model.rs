//! The shopping domain: malls, products and their variants, money, and the vocabulary
//! (categories, style tags, gender and age bands) that ranking and the apps share.
//!
//! These types are also the wire format of the catalog (see docs/PROTOCOL.md), so the server
//! and the client can never disagree about a field.

use serde::{Deserialize, Serialize};

/// An amount of money in integer minor units of its currency (KRW has none: 39,800원 is 39800).
/// Floating point never touches a price.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Money {
    pub amount: i64,
    /// ISO 4217 code, e.g. "KRW".
    pub currency: String,
}

impl Money {
    pub fn krw(amount: i64) -> Self {
        Money { amount, currency: "KRW".to_string() }
    }

    /// How a shopper reads it: "39,800원" for won, "USD 12.50" style for others.
    pub fn display(&self) -> String {
        match self.currency.as_str() {
            "KRW" => format!("{}원", group_thousands(self.amount)),
            other => {
                let digits = minor_digits(other);
                if digits == 0 {
                    format!("{} {}", other, group_thousands(self.amount))
                } else {
                    let scale = 10i64.pow(digits);
                    let whole = self.amount / scale;
                    let frac = (self.amount % scale).abs();
                    format!("{} {}.{:0width$}", other, group_thousands(whole), frac, width = digits as usize)
                }
            }
        }
    }
}

/// Minor-unit digits of the currencies Moa's partner malls sell in.
pub fn minor_digits(currency: &str) -> u32 {
    match currency {
        "KRW" | "JPY" => 0,
        _ => 2,
    }
}

fn group_thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $wire:literal / $ko:literal / $en:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum $name {
            $(#[serde(rename = $wire)] $variant,)+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The stable wire and database name.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $wire,)+ }
            }

            pub fn parse(s: &str) -> Option<Self> {
                match s { $($wire => Some($name::$variant),)+ _ => None }
            }

            /// The word shoppers see, in Korean or English.
            pub fn label(self, locale: Locale) -> &'static str {
                match (self, locale) {
                    $(($name::$variant, Locale::Ko) => $ko,
                      ($name::$variant, Locale::En) => $en,)+
                }
            }
        }
    };
}

vocabulary! {
    /// Moa's category tree (top level). Malls' own categories are mapped onto it at ingest.
    Category {
        Outer = "outer" / "아우터" / "Outerwear",
        Top = "top" / "상의" / "Tops",
        Dress = "dress" / "원피스" / "Dresses",
        Pants = "pants" / "팬츠" / "Pants",
        Skirt = "skirt" / "스커트" / "Skirts",
        Bag = "bag" / "가방" / "Bags",
        Shoes = "shoes" / "신발" / "Shoes",
        Accessory = "accessory" / "액세서리" / "Accessories",
    }
}

vocabulary! {
    /// Style tags: the words Korean soho malls and their shoppers use for a mall's concept.
    Style {
        Lovely = "lovely" / "러블리" / "Lovely",
        SimpleBasic = "simple_basic" / "심플베이직" / "Simple basic",
        OfficeLook = "office_look" / "오피스룩" / "Office look",
        Casual = "casual" / "캐주얼" / "Casual",
        Street = "street" / "스트릿" / "Street",
        Minimal = "minimal" / "미니멀" / "Minimal",
        Vintage = "vintage" / "빈티지" / "Vintage",
        Feminine = "feminine" / "페미닌" / "Feminine",
        ModernChic = "modern_chic" / "모던시크" / "Modern chic",
    }
}

vocabulary! {
    /// Who a product or mall is made for.
    Gender {
        Women = "women" / "여성" / "Women",
        Men = "men" / "남성" / "Men",
        Unisex = "unisex" / "남녀공용" / "Unisex",
    }
}

vocabulary! {
    /// Age bands as the Korean market speaks of them.
    AgeBand {
        Teens = "teens" / "10대" / "Teens",
        Early20s = "early_20s" / "20대 초반" / "Early 20s",
        Mid20s = "mid_20s" / "20대 중반" / "Mid 20s",
        Late20s = "late_20s" / "20대 후반" / "Late 20s",
        Early30s = "early_30s" / "30대 초반" / "Early 30s",
        Mid30s = "mid_30s" / "30대 중반" / "Mid 30s",
        Late30s = "late_30s" / "30대 후반" / "Late 30s",
        Forties = "forties" / "40대" / "40s",
    }
}

/// The language of everything the core phrases for shoppers (section titles, reasons, prices).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Locale {
    #[default]
    Ko,
    En,
}

impl Locale {
    /// "ko", "ko-KR", "ko_KR" → Korean; anything else → English.
    pub fn from_tag(tag: &str) -> Self {
        if tag.to_ascii_lowercase().starts_with("ko") {
            Locale::Ko
        } else {
            Locale::En
        }
    }
}

/// The storefront platform a partner mall runs on. Korean soho malls run on Cafe24, Naver
/// Smartstore, imweb, godomall and makeshop; others on Shopify; many sites only publish a
/// Google Merchant or Naver EP feed (`other`). A platform this build does not know reads as
/// `other`, so a newer server's malls never break an older app's sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Platform {
    Cafe24,
    Smartstore,
    Shopify,
    Imweb,
    Godomall,
    Makeshop,
    #[serde(other)]
    Other,
}

impl Platform {
    pub const ALL: [Platform; 7] = [
        Platform::Cafe24,
        Platform::Smartstore,
        Platform::Shopify,
        Platform::Imweb,
        Platform::Godomall,
        Platform::Makeshop,
        Platform::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Cafe24 => "cafe24",
            Platform::Smartstore => "smartstore",
            Platform::Shopify => "shopify",
            Platform::Imweb => "imweb",
            Platform::Godomall => "godomall",
            Platform::Makeshop => "makeshop",
            Platform::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Platform::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

/// A partner mall.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mall {
    /// Stable id, lowercase ASCII; product ids are scoped by it.
    pub id: String,
    pub name: String,
    pub platform: Platform,
    /// The mall's home page (https).
    pub homepage: String,
    /// Hosts a product link may point at; anything else is refused at the click-out.
    pub link_hosts: Vec<String>,
    /// The mall's concept, strongest first.
    pub styles: Vec<Style>,
    pub gender: Gender,
    pub age_bands: Vec<AgeBand>,
    /// How shoppers ask the mall before they buy (issue #22); absent: none given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<MallContact>,
}

/// A mall's lines for questions about size and delivery (issue #22): its KakaoTalk channel,
/// Channel Talk, phone, email and the hours someone answers. Every link is checked
/// ([`MallContact::problems`]) where a profile is registered and again before a shopper sees it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MallContact {
    /// The channel's page, `https://pf.kakao.com/_xxxx` (its chat is `…/chat`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kakao_channel: Option<String>,
    /// The mall's Channel Talk, `https://{name}.channel.io`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_talk: Option<String>,
    /// "02-1234-5678", "1588-1234", "+82 10-1234-5678".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// When someone answers, in the mall's words ("평일 10:00–17:00, 점심 12:00–13:00").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hours: Option<String>,
}

impl MallContact {
    /// What is wrong with each link, one line each (empty: all usable). Only `https` to exactly
    /// the channel's own host: `javascript:`, `http:`, credentials, and look-alike hosts
    /// (`pf.kakao.com.evil.example`, `pf-kakao.com`, punycode) are refused.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(link) = &self.kakao_channel {
            if kakao_channel_id(link).is_none() {
                out.push(format!("kakao_channel {link:?}: expected https://pf.kakao.com/_ID"));
            }
        }
        if let Some(link) = &self.channel_talk {
            if channel_talk_host(link).is_none() {
                out.push(format!("channel_talk {link:?}: expected https://NAME.channel.io"));
            }
        }
        if let Some(phone) = &self.phone {
            if phone_digits(phone).is_none() {
                out.push(format!("phone {phone:?}: digits, spaces, dashes and a leading + only"));
            }
        }
        if let Some(email) = &self.email {
            if !plain_email(email) {
                out.push(format!("email {email:?}: not a plain address"));
            }
        }
        if self.hours.as_ref().is_some_and(|h| h.chars().count() > 100 || h.chars().any(char::is_control)) {
            out.push("hours: at most 100 characters on one line".into());
        }
        out
    }
}

/// The split of an https URL into host and path, refusing anything else a link may carry.
fn https_parts(link: &str) -> Option<(&str, &str)> {
    let rest = link.strip_prefix("https://")?;
    let (host, path) = rest.split_once('/').map_or((rest, ""), |(h, p)| (h, p));
    let clean = |s: &str| s.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._/".contains(&b));
    (!host.is_empty() && clean(host) && clean(path)).then_some((host, path))
}

/// `_xxxx` of `https://pf.kakao.com/_xxxx` (or `…/_xxxx/chat`).
pub fn kakao_channel_id(link: &str) -> Option<&str> {
    let (host, path) = https_parts(link.trim_end_matches('/'))?;
    let id = path.strip_suffix("/chat").unwrap_or(path);
    let ok = host == "pf.kakao.com"
        && id.len() > 1
        && id.starts_with('_')
        && id[1..].bytes().all(|b| b.is_ascii_alphanumeric());
    ok.then_some(id)
}

/// `name.channel.io` of `https://name.channel.io`.
pub fn channel_talk_host(link: &str) -> Option<&str> {
    let (host, path) = https_parts(link.trim_end_matches('/'))?;
    let name = host.strip_suffix(".channel.io")?;
    let ok = path.is_empty()
        && !name.is_empty()
        && !name.starts_with("xn--")
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    ok.then_some(host)
}

/// The digits to dial ("+821012345678"), or None when it is not a phone number.
pub fn phone_digits(phone: &str) -> Option<String> {
    let trimmed = phone.trim();
    let ok =
        trimmed.chars().enumerate().all(|(i, c)| c.is_ascii_digit() || c == '-' || c == ' ' || (c == '+' && i == 0));
    let digits: String = trimmed.chars().filter(|c| c.is_ascii_digit() || *c == '+').collect();
    let count = digits.chars().filter(char::is_ascii_digit).count();
    (ok && (7..=15).contains(&count)).then_some(digits)
}

/// A plain address (`local@domain.tld`): nothing a `mailto:` could carry besides it.
pub fn plain_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else { return false };
    let local_ok = !local.is_empty() && local.bytes().all(|b| b.is_ascii_alphanumeric() || b"._+-".contains(&b));
    let domain_ok = domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && domain.bytes().all(|b| b.is_ascii_alphanumeric() || b".-".contains(&b));
    local_ok && domain_ok && email.len() <= 254
}

/// One purchasable option of a product (a size and colour), with its own stock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Variant {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<String>,
    pub available: bool,
}

/// The most extra photos a product carries (malls upload up to 10 in all on Cafe24 and
/// Smartstore; Google Merchant allows 10 additional): more are dropped at ingest and at sync.
pub const MAX_MORE_PHOTOS: usize = 9;

/// A product as a partner mall sells it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Product {
    /// "{mall_id}-{mall's own product number}": unique across malls.
    pub id: String,
    pub mall_id: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub brand: Option<String>,
    pub category: Category,
    #[serde(default)]
    pub styles: Vec<Style>,
    pub gender: Gender,
    #[serde(default)]
    pub age_bands: Vec<AgeBand>,
    /// What the shopper pays now.
    pub price: Money,
    /// The struck-through price when on sale; absent or equal to `price` when not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_price: Option<Money>,
    /// Main image; may be relative to the API server (resolved by the client at sync).
    pub image_url: String,
    /// The product's other photos (back, detail, worn), in the mall's order, at most
    /// [`MAX_MORE_PHOTOS`]; like `image_url`, may be relative. The sheet's gallery swipes through
    /// the main image and these.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub more_image_urls: Vec<String>,
    /// The product page on the mall's own site.
    pub product_url: String,
    pub variants: Vec<Variant>,
    /// Unix seconds, UTC.
    pub created_at: i64,
    pub updated_at: i64,
    /// The server's popularity score (views and wishlists in the recent past), >= 0.
    #[serde(default)]
    pub popularity: f64,
    /// When the sale ends (Unix seconds), when the mall says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sale_ends_at: Option<i64>,
    /// Perceptual hash of the main image (256 bits as 64 hex digits), computed by the server at
    /// ingest: photos of one item re-encoded, resized or lightly cropped differ in a few bits.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "hex_hash")]
    pub image_hash: Option<PhotoHash>,
    /// The same item sold by several malls (one Dongdaemun piece, many soho malls): the key the
    /// server gave the group, shared by every product whose photo is the same item. None: alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub same_item: Option<String>,
}

/// Hashes travel as hex strings, as JSON has no 256-bit numbers.
mod hex_hash {
    use super::PhotoHash;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(hash: &Option<PhotoHash>, s: S) -> Result<S::Ok, S::Error> {
        match hash {
            Some(h) => s.serialize_str(&h.to_hex()),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<PhotoHash>, D::Error> {
        match Option::<String>::deserialize(d)? {
            None => Ok(None),
            Some(text) => PhotoHash::from_hex(&text)
                .map(Some)
                .ok_or_else(|| serde::de::Error::custom(format!("image hash {text:?} is not 64 hex digits"))),
        }
    }
}

impl Product {
    /// Sold out means no variant can be bought; such products never reach a feed.
    pub fn in_stock(&self) -> bool {
        self.variants.iter().any(|v| v.available)
    }

    /// Whole-percent discount when on sale, e.g. 20 for 49,800 → 39,800.
    pub fn discount_percent(&self) -> Option<u8> {
        discount_percent(self.price.amount, self.original_price.as_ref().map(|m| m.amount))
    }

    /// The price to strike through: the original price, only when the product is really on sale.
    pub fn struck_price(&self) -> Option<&Money> {
        self.discount_percent().and(self.original_price.as_ref())
    }

    /// Why this product cannot be shown, if it cannot: the checks a sync applies to every
    /// product it receives, so that one bad record is skipped instead of poisoning the cache.
    pub fn validate(&self) -> Result<(), String> {
        if self.id.trim().is_empty() {
            return Err("empty product id".into());
        }
        if self.mall_id.trim().is_empty() {
            return Err("empty mall id".into());
        }
        if self.title.trim().is_empty() {
            return Err("empty title".into());
        }
        check_currency(&self.price.currency)?;
        if self.price.amount < 0 {
            return Err(format!("negative price {}", self.price.amount));
        }
        if let Some(original) = &self.original_price {
            if original.currency != self.price.currency {
                return Err(format!("original price in {} but price in {}", original.currency, self.price.currency));
            }
            if original.amount < self.price.amount {
                return Err(format!("original price {} below price {}", original.amount, self.price.amount));
            }
        }
        if !self.product_url.starts_with("https://") {
            return Err("product link is not https".into());
        }
        if self.variants.is_empty() {
            return Err("no variants".into());
        }
        if !self.popularity.is_finite() || self.popularity < 0.0 {
            return Err("popularity is not a finite non-negative number".into());
        }
        Ok(())
    }
}

fn check_currency(code: &str) -> Result<(), String> {
    if code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(())
    } else {
        Err(format!("currency {code:?} is not an ISO 4217 code"))
    }
}

pub fn discount_percent(price: i64, original: Option<i64>) -> Option<u8> {
    let original = original?;
    if original <= 0 || original <= price {
        return None;
    }
    let pct = ((original - price) * 100) / original;
    (pct > 0).then_some(pct.min(99) as u8)
}

/// Whether a price that went from `before` to `now` (minor units of `currency`) dropped by
/// enough to tell the shopper: 5 % of the price, or 5,000원 (500 in currencies with cents). The one
/// rule for both the home's "price drops on your 찜" section and the price-drop alert, so the two
/// never disagree about what a drop is.
pub fn is_price_drop_worth_telling(before: i64, now: i64, currency: &str) -> bool {
    let dropped = before - now;
    let amount = match currency {
        "KRW" | "JPY" => 5_000,
        _ => 500,
    };
    dropped > 0 && (dropped * 100 >= 5 * before || dropped >= amount)
}

/// A perceptual hash of a photo: 256 bits of its luminance gradients (a 16×16 difference hash).
/// Near-identical photos — resized, re-encoded, lightly cropped — differ in few bits, different
/// products in many. 64 bits were tried first: real photos separated, but in a catalog of
/// thousands of studio shots of one category too many different items came within reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PhotoHash(pub [u64; 4]);

impl PhotoHash {
    /// How many bits differ.
    pub fn distance(&self, other: &PhotoHash) -> u32 {
        self.0.iter().zip(&other.0).map(|(a, b)| (a ^ b).count_ones()).sum()
    }

    /// 64 hex digits, as the catalog carries it.
    pub fn to_hex(&self) -> String {
        self.0.iter().map(|w| format!("{w:016x}")).collect()
    }

    pub fn from_hex(text: &str) -> Option<PhotoHash> {
        if text.len() != 64 || !text.is_ascii() {
            return None;
        }
        let mut words = [0u64; 4];
        for (k, word) in words.iter_mut().enumerate() {
            *word = u64::from_str_radix(&text[k * 16..k * 16 + 16], 16).ok()?;
        }
        Some(PhotoHash(words))
    }
}

#[cfg(test)]
mod contact_tests {
    use super::*;

    fn contact(kakao: &str, talk: &str) -> MallContact {
        MallContact { kakao_channel: Some(kakao.into()), channel_talk: Some(talk.into()), ..MallContact::default() }
    }

    #[test]
    fn only_the_channels_own_hosts_over_https_are_contact_links() {
        assert!(contact("https://pf.kakao.com/_xaBcD", "https://roseribbon.channel.io").problems().is_empty());
        assert!(contact("https://pf.kakao.com/_xaBcD/chat", "https://rose-ribbon.channel.io/").problems().is_empty());
        for hostile in [
            "javascript:alert(1)",
            "http://pf.kakao.com/_xaBcD",
            "https://pf.kakao.com.evil.example/_xaBcD",
            "https://pf-kakao.com/_xaBcD",
            "https://user@pf.kakao.com/_xaBcD",
            "https://pf.kakao.com/_xa?next=https://evil.example",
            "https://pf.kakao.com/../evil",
        ] {
            assert_eq!(contact(hostile, "https://a.channel.io").problems().len(), 1, "{hostile}");
        }
        for hostile in [
            "https://channel.io.evil.example",
            "https://xn--80ak6aa92e.channel.io",
            "https://evil.example/a.channel.io",
            "https://.channel.io",
        ] {
            assert_eq!(contact("https://pf.kakao.com/_a", hostile).problems().len(), 1, "{hostile}");
        }
    }

    #[test]
    fn phones_and_emails_are_plain() {
        assert_eq!(phone_digits("02-1234-5678").as_deref(), Some("0212345678"));
        assert_eq!(phone_digits("+82 10-1234-5678").as_deref(), Some("+821012345678"));
        assert_eq!(phone_digits("1588-1234").as_deref(), Some("15881234"));
        assert_eq!(phone_digits("tel:02-1234-5678"), None);
        assert_eq!(phone_digits("02-1234-5678;ext=9"), None);
        assert!(plain_email("cs@roseribbon.co.kr"));
        assert!(!plain_email("cs@roseribbon.co.kr?bcc=all@x.kr"));
        assert!(!plain_email("javascript:x@y.z"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_drop_is_worth_telling_from_five_percent_or_five_thousand_won() {
        assert!(is_price_drop_worth_telling(100_000, 95_000, "KRW"), "5 %");
        assert!(!is_price_drop_worth_telling(200_000, 196_000, "KRW"), "2 % and 4,000원");
        assert!(is_price_drop_worth_telling(200_000, 195_000, "KRW"), "5,000원");
        assert!(!is_price_drop_worth_telling(39_800, 39_800, "KRW"));
        assert!(!is_price_drop_worth_telling(39_800, 41_800, "KRW"), "a rise");
        assert!(is_price_drop_worth_telling(20_000, 19_000, "USD"), "5 dollars of cents");
    }

    #[test]
    fn every_kind_of_mall_has_a_platform_and_an_unknown_one_reads_as_other() {
        for p in Platform::ALL {
            assert_eq!(Platform::parse(p.as_str()), Some(p));
            assert_eq!(serde_json::to_string(&p).unwrap(), format!("\"{}\"", p.as_str()));
        }
        let later: Platform = serde_json::from_str("\"wix\"").unwrap();
        assert_eq!(later, Platform::Other);
        assert_eq!(Platform::parse("wix"), None, "the registry still refuses a name it does not know");
    }

    #[test]
    fn won_is_grouped_by_thousands() {
        assert_eq!(Money::krw(39800).display(), "39,800원");
        assert_eq!(Money::krw(1_234_567).display(), "1,234,567원");
        assert_eq!(Money::krw(900).display(), "900원");
        assert_eq!(Money { amount: 203000, currency: "USD".into() }.display(), "USD 2,030.00");
    }

    #[test]
    fn discount_is_whole_percent_and_only_for_real_sales() {
        assert_eq!(discount_percent(39800, Some(49800)), Some(20));
        assert_eq!(discount_percent(39800, Some(39800)), None);
        assert_eq!(discount_percent(39800, None), None);
        assert_eq!(discount_percent(50000, Some(40000)), None);
    }

    #[test]
    fn vocabulary_round_trips_through_its_wire_names() {
        for s in Style::ALL {
            assert_eq!(Style::parse(s.as_str()), Some(*s));
            let json = serde_json::to_string(s).unwrap();
            assert_eq!(json, format!("\"{}\"", s.as_str()));
        }
        assert_eq!(Category::Outer.label(Locale::Ko), "아우터");
        assert_eq!(Locale::from_tag("ko-KR"), Locale::Ko);
        assert_eq!(Locale::from_tag("en_US"), Locale::En);
    }
}

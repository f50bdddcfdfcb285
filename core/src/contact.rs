//! "문의하기" (issue #22): the ways a shopper can ask a mall about size and delivery before
//! buying — its KakaoTalk channel's chat, Channel Talk, a call, an email with the product's link
//! already written in — each link checked again here (a mall's profile was checked at
//! registration; a link that no longer passes is left out, never shown).

use moa_protocol::model::{channel_talk_host, kakao_channel_id, phone_digits, plain_email, Locale, Mall, Product};
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use serde::Serialize;

use crate::copy;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ContactKind {
    KakaoTalk,
    ChannelTalk,
    Phone,
    Email,
}

/// One way to ask the mall: what the button says, and the link it opens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ContactOption {
    pub kind: ContactKind,
    pub label: String,
    /// `https://` (the channel's own host), `tel:` or `mailto:`.
    pub url: String,
    /// The link carries the product the shopper is asking about.
    pub about_product: bool,
}

/// The mall's ways to be asked, in the order shoppers prefer them (chat first), and its hours.
/// `product`, when the question is about one: an email carries its title and link.
pub fn options(mall: &Mall, product: Option<&Product>, locale: Locale) -> (Vec<ContactOption>, Option<String>) {
    let Some(contact) = &mall.contact else { return (Vec::new(), None) };
    let words = copy::phrases(locale);
    let mut out = Vec::new();
    let mut add = |kind, label: &str, url: String, about_product| {
        out.push(ContactOption { kind, label: label.to_string(), url, about_product })
    };
    if let Some(id) = contact.kakao_channel.as_deref().and_then(kakao_channel_id) {
        add(ContactKind::KakaoTalk, words.contact_kakao, format!("https://pf.kakao.com/{id}/chat"), false);
    }
    if let Some(host) = contact.channel_talk.as_deref().and_then(channel_talk_host) {
        add(ContactKind::ChannelTalk, words.contact_channel_talk, format!("https://{host}"), false);
    }
    if let Some(digits) = contact.phone.as_deref().and_then(phone_digits) {
        add(ContactKind::Phone, words.contact_phone, format!("tel:{digits}"), false);
    }
    if let Some(email) = contact.email.as_deref().filter(|e| plain_email(e)) {
        let (url, about) = mailto(email, mall, product, locale);
        add(ContactKind::Email, words.contact_email, url, about);
    }
    let hours = contact.hours.clone().filter(|_| !out.is_empty());
    (out, hours)
}

/// `mailto:` with the subject and the product's link written in, when its link is one of the
/// mall's own (https, on the mall's hosts).
fn mailto(email: &str, mall: &Mall, product: Option<&Product>, locale: Locale) -> (String, bool) {
    let words = copy::phrases(locale);
    let link = product.filter(|p| {
        url::Url::parse(&p.product_url).is_ok_and(|u| {
            u.scheme() == "https"
                && u.host_str().is_some_and(|h| mall.link_hosts.iter().any(|m| m.eq_ignore_ascii_case(h)))
        })
    });
    let Some(p) = link else { return (format!("mailto:{email}"), false) };
    let encode = |s: &str| utf8_percent_encode(s, NON_ALPHANUMERIC).to_string();
    let subject = (words.contact_subject)(&p.title);
    let body = format!("{}\n\n", p.product_url);
    (format!("mailto:{email}?subject={}&body={}", encode(&subject), encode(&body)), true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use moa_protocol::model::{AgeBand, Category, Gender, MallContact, Money, Platform};

    fn mall(contact: MallContact) -> Mall {
        Mall {
            id: "roseribbon".into(),
            name: "로즈리본".into(),
            platform: Platform::Cafe24,
            homepage: "https://www.roseribbon.co.kr/".into(),
            link_hosts: vec!["www.roseribbon.co.kr".into()],
            styles: vec![],
            gender: Gender::Women,
            age_bands: vec![AgeBand::Early20s],
            contact: Some(contact),
        }
    }

    fn product(url: &str) -> Product {
        Product {
            id: "roseribbon-1".into(),
            mall_id: "roseribbon".into(),
            title: "리본 블라우스".into(),
            brand: None,
            category: Category::Top,
            styles: vec![],
            gender: Gender::Women,
            age_bands: vec![],
            price: Money::krw(29_800),
            original_price: None,
            image_url: String::new(),
            more_image_urls: vec![],
            product_url: url.into(),
            variants: vec![],
            created_at: 0,
            updated_at: 0,
            popularity: 0.0,
            sale_ends_at: None,
            image_hash: None,
            same_item: None,
        }
    }

    #[test]
    fn every_good_line_becomes_a_button_and_the_email_carries_the_product() {
        let contact = MallContact {
            kakao_channel: Some("https://pf.kakao.com/_roseribbon".into()),
            channel_talk: Some("https://roseribbon.channel.io".into()),
            phone: Some("02-1234-5678".into()),
            email: Some("cs@roseribbon.co.kr".into()),
            hours: Some("평일 10:00–17:00".into()),
        };
        let (options, hours) = options(&mall(contact), Some(&product("https://www.roseribbon.co.kr/p/1")), Locale::Ko);
        let kinds: Vec<ContactKind> = options.iter().map(|o| o.kind).collect();
        assert_eq!(kinds, [ContactKind::KakaoTalk, ContactKind::ChannelTalk, ContactKind::Phone, ContactKind::Email]);
        assert_eq!(options[0].url, "https://pf.kakao.com/_roseribbon/chat");
        assert_eq!(options[2].url, "tel:0212345678");
        assert!(options[3].about_product);
        assert!(options[3].url.starts_with("mailto:cs@roseribbon.co.kr?subject="), "{}", options[3].url);
        assert!(options[3].url.contains("https%3A%2F%2Fwww%2Eroseribbon%2Eco%2Ekr%2Fp%2F1"), "{}", options[3].url);
        assert_eq!(hours.as_deref(), Some("평일 10:00–17:00"));
    }

    #[test]
    fn a_hostile_line_is_never_shown_and_a_foreign_product_link_is_not_written_in() {
        let contact = MallContact {
            kakao_channel: Some("javascript:alert(1)".into()),
            channel_talk: Some("https://roseribbon.channel.io.evil.example".into()),
            phone: None,
            email: Some("cs@roseribbon.co.kr".into()),
            hours: None,
        };
        let (options, _) = options(&mall(contact), Some(&product("https://evil.example/p/1")), Locale::Ko);
        assert_eq!(options.len(), 1);
        assert_eq!(
            (options[0].kind, options[0].url.as_str(), options[0].about_product),
            (ContactKind::Email, "mailto:cs@roseribbon.co.kr", false)
        );
        let (none, hours) = options_of_nothing();
        assert!(none.is_empty() && hours.is_none());
    }

    fn options_of_nothing() -> (Vec<ContactOption>, Option<String>) {
        let mut m = mall(MallContact::default());
        m.contact = None;
        options(&m, None, Locale::Ko)
    }
}

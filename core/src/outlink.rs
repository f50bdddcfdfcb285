//! The hop to the mall, and the one chance to keep a shopper who comes straight back.
//!
//! Links: only `https`, only to a host the mall declared, never with credentials in them, and
//! with exactly Moa's attribution parameters added. Rescue (Lunasoft's ReLoad, inside the app):
//! a shopper back from the mall within a minute may get one page of alternatives — only then,
//! at most once per product and per mall in a session, never right after dismissing one, and at
//! most a few a day — so it helps without nagging. docs/RANKING.md lists the rules and reasons.

use url::Url;

use crate::error::{Error, Result};

/// The attribution parameters added to every outlink, and nothing else.
pub const ATTRIBUTION_PARAMS: [&str; 5] = ["utm_source", "utm_medium", "utm_campaign", "utm_content", "moa_outlink"];

/// Build the link to a mall's product page, or refuse it with the reason.
pub fn build_link(
    product_url: &str,
    link_hosts: &[String],
    section: &str,
    position: u32,
    outlink_id: &str,
) -> Result<String> {
    attributed(product_url, link_hosts, "app", section, &position.to_string(), outlink_id)
}

/// The link a shopper shares with a friend: the mall's page, checked like an outlink, attributed
/// to Moa as a share (`utm_medium=share`), so the mall can tell what a share brought.
pub fn build_share_link(product_url: &str, link_hosts: &[String], share_id: &str) -> Result<String> {
    attributed(product_url, link_hosts, "share", "share", "0", share_id)
}

fn attributed(
    product_url: &str,
    link_hosts: &[String],
    medium: &str,
    campaign: &str,
    content: &str,
    id: &str,
) -> Result<String> {
    let refuse = |why: &str| Err(Error::InvalidInput(format!("link refused: {why}")));
    let mut url = match Url::parse(product_url.trim()) {
        Ok(url) => url,
        Err(_) => return refuse("not a URL"),
    };
    if url.scheme() != "https" {
        return refuse(&format!("scheme {:?} is not https", url.scheme()));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return refuse("credentials in the URL");
    }
    let Some(host) = url.host_str().map(str::to_ascii_lowercase) else { return refuse("no host") };
    if !link_hosts.iter().any(|h| h.eq_ignore_ascii_case(&host)) {
        return refuse(&format!("host {host} is not one of the mall's"));
    }
    // The mall's own parameters stay; ours replace any of the same name.
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| !ATTRIBUTION_PARAMS.contains(&k.as_ref()))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    url.query_pairs_mut()
        .clear()
        .extend_pairs(kept)
        .append_pair("utm_source", "moa")
        .append_pair("utm_medium", medium)
        .append_pair("utm_campaign", campaign)
        .append_pair("utm_content", content)
        .append_pair("moa_outlink", id);
    Ok(url.into())
}

/// The rescue rules' settings.
#[derive(Debug, Clone, Copy)]
pub struct RescueRules {
    /// Back within this long counts as a quick return.
    pub quick_return_ms: u64,
    /// No sheet this soon after the shopper dismissed one.
    pub quiet_after_dismiss_ms: i64,
    pub max_per_day: u32,
}

impl Default for RescueRules {
    fn default() -> Self {
        RescueRules { quick_return_ms: 60_000, quiet_after_dismiss_ms: 10 * 60_000, max_per_day: 3 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hosts() -> Vec<String> {
        vec!["www.roseribbon.co.kr".into(), "m.roseribbon.co.kr".into()]
    }

    #[test]
    fn every_refused_form_is_refused() {
        for bad in [
            "javascript:alert(1)",
            "intent://scan/#Intent;scheme=zxing;end",
            "http://www.roseribbon.co.kr/product/1",
            "https://evil.example/product/1",
            "https://www.roseribbon.co.kr.evil.example/p",
            "https://user:pass@www.roseribbon.co.kr/p",
            "https://user@www.roseribbon.co.kr/p",
            "data:text/html,hi",
            "not a url",
        ] {
            let err = build_link(bad, &hosts(), "for_you", 3, "o1").unwrap_err();
            assert!(err.to_string().contains("link refused"), "{bad}: {err}");
        }
    }

    #[test]
    fn an_allowed_link_carries_exactly_the_documented_attribution() {
        let link = build_link(
            "https://M.RoseRibbon.co.kr/product/detail.html?product_no=12&utm_source=other",
            &hosts(),
            "for_you",
            7,
            "abc123",
        )
        .unwrap();
        let url = Url::parse(&link).unwrap();
        let pairs: Vec<(String, String)> = url.query_pairs().map(|(k, v)| (k.into(), v.into())).collect();
        assert_eq!(
            pairs,
            vec![
                ("product_no".into(), "12".into()),
                ("utm_source".into(), "moa".into()),
                ("utm_medium".into(), "app".into()),
                ("utm_campaign".into(), "for_you".into()),
                ("utm_content".into(), "7".into()),
                ("moa_outlink".into(), "abc123".into()),
            ]
        );
        assert_eq!(url.host_str(), Some("m.roseribbon.co.kr"));
    }
}

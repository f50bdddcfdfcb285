//! Every phrase a shopper reads, in Korean ([`ko`]) and English ([`en`]): section titles, the
//! reasons under cards, notices, alerts, share texts. Code asks [`phrases`] for the shopper's
//! language and never branches on it, so a phrase changes in one place and a third language is
//! one more file.

mod en;
mod ko;

use moa_protocol::model::Locale;
use moa_protocol::orders::OrderStatus;

/// One language's phrases. Phrases with blanks are functions of what fills them.
pub(crate) struct Phrases {
    // The home's sections.
    pub cover: &'static str,
    pub price_drops: &'static str,
    /// (percent below the price when wishlisted)
    pub price_drop_reason: fn(u8) -> String,
    pub because_you_like: fn(&str) -> String,
    pub picked_by_fans: fn(&str) -> String,
    pub new_from_followed: &'static str,
    /// (mall, days since it arrived)
    pub new_at_followed_mall: fn(&str, i64) -> String,
    pub new_this_week: &'static str,
    pub recently_viewed: &'static str,
    /// (what the price came down by since last viewed, as shoppers read it)
    pub cheaper_since_viewed: fn(&str) -> String,
    /// (times viewed, ≥ 2)
    pub viewed_times: fn(u32) -> String,
    pub viewed_recently: &'static str,
    /// (days since it arrived; 0 is today)
    pub arrived: fn(i64) -> String,
    /// (age band label, gender label)
    pub trending: fn(&str, &str) -> String,
    pub malls_for_you: &'static str,
    /// (the favourite mall whose fans shop there too)
    pub fans_shop_here_too: fn(&str) -> String,
    pub for_you: &'static str,
    /// (how many other malls sell the item, its lowest price)
    pub also_at: fn(usize, &str) -> String,
    // Why a card is there.
    pub viewed_together: &'static str,
    pub favourite_mall: fn(&str) -> String,
    pub your_style: fn(&str) -> String,
    /// (age band label, gender label)
    pub popular_with: fn(&str, &str) -> String,
    pub popular: &'static str,
    pub explore: &'static str,
    // The rescue sheet.
    pub similar_at: fn(&str) -> String,
    pub more_for_you_at: fn(&str) -> String,
    // Before the hop to the mall.
    pub no_longer_sold: &'static str,
    pub sold_out_now: &'static str,
    /// (price seen, price now)
    pub price_changed: fn(&str, &str) -> String,
    /// (title, price, mall)
    pub share_text: fn(&str, &str, &str) -> String,
    pub rescue_title: &'static str,
    // Alerts.
    pub alert_price_drop: &'static str,
    /// (title, price before, price now, percent off)
    pub alert_price_drop_body: fn(&str, &str, &str, u8) -> String,
    pub alert_back_in_stock: &'static str,
    pub alert_sale_ending: &'static str,
    // Nudges (issue #22), each with its reason.
    pub alert_viewed_cheaper: &'static str,
    /// (title, times viewed, percent below the price at the latest view, price now)
    pub alert_viewed_cheaper_body: fn(&str, u32, u8, &str) -> String,
    pub alert_last_size: &'static str,
    /// (title, the size left)
    pub alert_last_size_body: fn(&str, &str) -> String,
    pub alert_cart: &'static str,
    /// (title, price now)
    pub alert_cart_body: fn(&str, &str) -> String,
    // Orders across malls.
    pub alert_order: &'static str,
    /// (what was ordered: the first line's name, "외 N건" when more; the status reached; the
    /// carrier and tracking number once shipped)
    pub order_news: fn(&str, OrderStatus, Option<(&str, &str)>) -> String,
    pub order_status: fn(OrderStatus) -> &'static str,
    /// (the first line's name, how many more lines)
    pub order_title: fn(&str, usize) -> String,
    // Asking the mall (issue #22).
    pub contact_kakao: &'static str,
    pub contact_channel_talk: &'static str,
    pub contact_phone: &'static str,
    pub contact_email: &'static str,
    /// (the product's title) the subject of an email to the mall
    pub contact_subject: fn(&str) -> String,
}

/// Whether the last syllable of `word` ends in a consonant (받침): it picks 이/가, 을/를.
pub(crate) fn has_final_consonant(word: &str) -> bool {
    let last = word.trim_end().chars().last().map(|c| c as u32).unwrap_or(0);
    (0xAC00..=0xD7A3).contains(&last) && (last - 0xAC00) % 28 != 0
}

pub(crate) fn phrases(locale: Locale) -> &'static Phrases {
    match locale {
        Locale::Ko => &ko::PHRASES,
        Locale::En => &en::PHRASES,
    }
}

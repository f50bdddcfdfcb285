//! Every phrase a shopper reads, in Korean ([`ko`]) and English ([`en`]): section titles, the
//! reasons under cards, notices, alerts, share texts. Code asks [`phrases`] for the shopper's
//! language and never branches on it, so a phrase changes in one place and a third language is
//! one more file.

mod en;
mod ko;

use moa_protocol::model::Locale;

/// One language's phrases. Phrases with blanks are functions of what fills them.
pub(crate) struct Phrases {
    pub alert_price_drop: &'static str,
    /// (title, price before, price now, percent off)
    pub alert_price_drop_body: fn(&str, &str, &str, u8) -> String,
    pub alert_back_in_stock: &'static str,
    pub alert_sale_ending: &'static str,
}

pub(crate) fn phrases(locale: Locale) -> &'static Phrases {
    match locale {
        Locale::Ko => &ko::PHRASES,
        Locale::En => &en::PHRASES,
    }
}

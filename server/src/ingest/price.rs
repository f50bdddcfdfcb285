//! Prices in every form malls write them: "39800", "39,800원", "₩39,800", "$2,030", "5499.00",
//! "3.99 AUD", "1230 UAH", "1.234,56 EUR", as minor units of their currency.

use moa_protocol::model::{minor_digits, Money};

/// Currency symbols and words, and what they mean.
const SIGNS: &[(&str, &str)] = &[
    ("원", "KRW"),
    ("won", "KRW"),
    ("₩", "KRW"),
    ("￦", "KRW"),
    ("krw", "KRW"),
    ("us$", "USD"),
    ("$", "USD"),
    ("€", "EUR"),
    ("£", "GBP"),
    ("¥", "JPY"),
    ("円", "JPY"),
    ("₴", "UAH"),
    ("₽", "RUB"),
    ("руб", "RUB"),
];

/// Currency codes malls write next to prices (a word like "won" or "off" is not one).
const ISO_CODES: &[&str] = &[
    "KRW", "USD", "EUR", "GBP", "JPY", "CNY", "AUD", "CAD", "NZD", "HKD", "SGD", "TWD", "INR", "UAH", "RUB", "CHF",
    "SEK", "NOK", "DKK", "THB", "VND", "PHP", "MYR", "IDR",
];

/// Parse `text`; a price without a currency is in `default_currency` (and a bare "$" is the
/// mall's dollar when its currency is one).
pub fn parse(text: &str, default_currency: &str) -> Result<Money, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("empty".into());
    }
    let lower = t.to_lowercase();
    let mut currency: Option<String> = None;
    // An ISO code written out ("3.99 AUD", "USD 12").
    for word in lower.split(|c: char| !c.is_ascii_alphabetic()) {
        let code = word.to_ascii_uppercase();
        if ISO_CODES.contains(&code.as_str()) {
            currency = Some(code);
        }
    }
    if currency.is_none() {
        for (sign, code) in SIGNS {
            if lower.contains(sign) {
                currency = Some(if *code == "USD" && default_currency.ends_with('D') && *sign == "$" {
                    default_currency.to_string()
                } else {
                    code.to_string()
                });
                break;
            }
        }
    }
    let currency = currency.unwrap_or_else(|| default_currency.to_string());
    let number: String = t.chars().filter(|c| c.is_ascii_digit() || *c == ',' || *c == '.' || *c == '-').collect();
    let number = number.trim_matches(|c| c == '.' || c == ',');
    if number.is_empty() || !number.bytes().any(|b| b.is_ascii_digit()) {
        return Err("no number".into());
    }
    if number.starts_with('-') {
        return Err("negative".into());
    }
    // Which separator is the decimal point: the last of two kinds; a lone one followed by
    // exactly three digits is a thousands separator ("39,800", "1.200").
    let (int_part, frac_part) = match (number.rfind(','), number.rfind('.')) {
        (Some(c), Some(d)) => {
            let at = c.max(d);
            (&number[..at], &number[at + 1..])
        }
        (Some(at), None) | (None, Some(at)) => {
            let after = &number[at + 1..];
            let sep = number.as_bytes()[at];
            if after.len() == 3
                && (number.matches(sep as char).count() > 1 || minor_digits(&currency) == 0 || sep == b',')
            {
                (number, "")
            } else {
                (&number[..at], after)
            }
        }
        (None, None) => (number, ""),
    };
    let digits: String = int_part.chars().filter(|c| c.is_ascii_digit()).collect();
    let frac: String = frac_part.chars().filter(|c| c.is_ascii_digit()).collect();
    if digits.len() > 15 {
        return Err("too large".into());
    }
    let minor = minor_digits(&currency);
    let mut amount: i64 = digits.parse().map_err(|_| "not a number".to_string())?;
    amount = amount.checked_mul(10i64.pow(minor)).ok_or("too large")?;
    if !frac.is_empty() {
        let kept: String = frac.chars().take(minor as usize).collect();
        let dropped = &frac[kept.len()..];
        if dropped.bytes().any(|b| b != b'0') {
            return Err(format!("more decimals than {currency} has"));
        }
        if !kept.is_empty() {
            let scale = 10i64.pow(minor - kept.len() as u32);
            amount += kept.parse::<i64>().map_err(|_| "not a number".to_string())? * scale;
        }
    }
    Ok(Money { amount, currency })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> (i64, String) {
        let m = parse(text, "KRW").unwrap();
        (m.amount, m.currency)
    }

    #[test]
    fn every_form_seen_in_real_feeds() {
        assert_eq!(p("39800"), (39_800, "KRW".into()));
        assert_eq!(p("39,800원"), (39_800, "KRW".into()));
        assert_eq!(p("₩ 1,239,800"), (1_239_800, "KRW".into()));
        assert_eq!(p("$2,030"), (203_000, "USD".into()));
        assert_eq!(p("5499.00 INR"), (549_900, "INR".into()));
        assert_eq!(p("3.99 AUD"), (399, "AUD".into()));
        assert_eq!(p("1230 UAH"), (123_000, "UAH".into()));
        assert_eq!(p("1.234,56 EUR"), (123_456, "EUR".into()));
        assert_eq!(p("16400.00"), (16_400, "KRW".into()));
        assert_eq!(parse("$12", "CAD").unwrap().currency, "CAD", "a bare $ is the mall's dollar");
        assert_eq!(parse("19.5", "USD").unwrap().amount, 1_950);
    }

    #[test]
    fn what_is_not_a_price_says_so() {
        assert!(parse("", "KRW").is_err());
        assert!(parse("call us", "KRW").is_err());
        assert!(parse("-5000", "KRW").is_err());
        assert!(parse("39800.50", "KRW").is_err(), "won has no decimals");
        assert!(parse("99999999999999999999", "KRW").is_err());
    }
}

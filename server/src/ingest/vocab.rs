//! The shopping vocabulary in malls' own words: categories, styles and genders found in a feed's
//! category paths, tags and titles (Korean and English), through the mall's mapping table first.

use moa_protocol::model::{Category, Gender, Style};

use super::{text, Item, MallProfile};

/// Built-in words for categories, Korean and English (lowercase), most specific first.
const CATEGORY_WORDS: &[(&str, Category)] = &[
    ("원피스", Category::Dress),
    ("점프수트", Category::Dress),
    ("dress", Category::Dress),
    ("jumpsuit", Category::Dress),
    ("스커트", Category::Skirt),
    ("치마", Category::Skirt),
    ("skirt", Category::Skirt),
    ("아우터", Category::Outer),
    ("코트", Category::Outer),
    ("자켓", Category::Outer),
    ("재킷", Category::Outer),
    ("점퍼", Category::Outer),
    ("패딩", Category::Outer),
    ("가디건", Category::Outer),
    ("outer", Category::Outer),
    ("coat", Category::Outer),
    ("jacket", Category::Outer),
    ("parka", Category::Outer),
    ("cardigan", Category::Outer),
    ("blazer", Category::Outer),
    ("vest", Category::Outer),
    ("gilet", Category::Outer),
    ("windbreaker", Category::Outer),
    ("anorak", Category::Outer),
    ("trench", Category::Outer),
    ("조끼", Category::Outer),
    ("tuxedo", Category::Outer),
    ("블레이저", Category::Outer),
    ("팬츠", Category::Pants),
    ("바지", Category::Pants),
    ("슬랙스", Category::Pants),
    ("청바지", Category::Pants),
    ("데님", Category::Pants),
    ("pants", Category::Pants),
    ("trousers", Category::Pants),
    ("jeans", Category::Pants),
    ("shorts", Category::Pants),
    ("leggings", Category::Pants),
    ("joggers", Category::Pants),
    ("chinos", Category::Pants),
    ("sweatpants", Category::Pants),
    ("slacks", Category::Pants),
    ("조거", Category::Pants),
    ("상의", Category::Top),
    ("티셔츠", Category::Top),
    ("블라우스", Category::Top),
    ("셔츠", Category::Top),
    ("니트", Category::Top),
    ("맨투맨", Category::Top),
    ("후드", Category::Top),
    ("top", Category::Top),
    ("shirt", Category::Top),
    ("blouse", Category::Top),
    ("t-shirt", Category::Top),
    ("tee", Category::Top),
    ("sweater", Category::Top),
    ("jumper", Category::Top),
    ("hoodie", Category::Top),
    ("knit", Category::Top),
    ("sweatshirt", Category::Top),
    ("pullover", Category::Top),
    ("polo", Category::Top),
    ("tank", Category::Top),
    ("camisole", Category::Top),
    ("bodysuit", Category::Top),
    ("나시", Category::Top),
    ("가방", Category::Bag),
    ("백팩", Category::Bag),
    ("bag", Category::Bag),
    ("backpack", Category::Bag),
    ("tote", Category::Bag),
    ("clutch", Category::Bag),
    ("crossbody", Category::Bag),
    ("purse", Category::Bag),
    ("handbag", Category::Bag),
    ("토트", Category::Bag),
    ("클러치", Category::Bag),
    ("신발", Category::Shoes),
    ("슈즈", Category::Shoes),
    ("스니커즈", Category::Shoes),
    ("shoes", Category::Shoes),
    ("sneakers", Category::Shoes),
    ("boots", Category::Shoes),
    // English product types the real feeds use ("Heels" in a Shopify product_type).
    ("heels", Category::Shoes),
    ("heel", Category::Shoes),
    ("sandals", Category::Shoes),
    ("loafers", Category::Shoes),
    ("flats", Category::Shoes),
    ("pumps", Category::Shoes),
    ("mules", Category::Shoes),
    ("slippers", Category::Shoes),
    ("footwear", Category::Shoes),
    ("힐", Category::Shoes),
    ("샌들", Category::Shoes),
    ("로퍼", Category::Shoes),
    ("부츠", Category::Shoes),
    ("슬리퍼", Category::Shoes),
    ("액세서리", Category::Accessory),
    ("악세사리", Category::Accessory),
    ("모자", Category::Accessory),
    ("accessories", Category::Accessory),
    ("accessory", Category::Accessory),
    ("jewelry", Category::Accessory),
    ("hat", Category::Accessory),
    ("cap", Category::Accessory),
    ("belt", Category::Accessory),
    ("scarf", Category::Accessory),
    ("sunglasses", Category::Accessory),
    ("socks", Category::Accessory),
    ("gloves", Category::Accessory),
    ("beanie", Category::Accessory),
    ("necklace", Category::Accessory),
    ("earrings", Category::Accessory),
    ("bracelet", Category::Accessory),
    ("벨트", Category::Accessory),
    ("스카프", Category::Accessory),
    ("목걸이", Category::Accessory),
    ("귀걸이", Category::Accessory),
    ("양말", Category::Accessory),
    // Google product taxonomy ids malls put in `google_product_category`.
    ("2271", Category::Dress),
    ("1581", Category::Skirt),
    ("5598", Category::Outer),
    ("204", Category::Pants),
    ("212", Category::Top),
    ("187", Category::Shoes),
    ("3032", Category::Bag),
    ("167", Category::Accessory),
];

/// The category: the mall's table over its category words, then the built-in words over the
/// category words, then over the title; then the mall's default.
pub(super) fn category_of(item: &Item, mall: &MallProfile, title: &str) -> Option<Category> {
    let words: Vec<String> = item.categories.iter().chain(&item.tags).map(|w| text::clean(w).to_lowercase()).collect();
    // The most specific words are last in a path: look from the end.
    for word in words.iter().rev() {
        // Numbers (Cafe24 category numbers) match exactly; words anywhere in the mall's phrase.
        let matches = |k: &String| {
            let k = k.to_lowercase();
            if k.bytes().all(|b| b.is_ascii_digit()) {
                *word == k
            } else {
                word.contains(&k)
            }
        };
        if let Some(c) = mall.category_map.iter().find(|(k, _)| matches(k)).map(|(_, c)| *c) {
            return Some(c);
        }
    }
    for word in words.iter().rev() {
        if let Some(c) = lookup(CATEGORY_WORDS, word, true) {
            return Some(c);
        }
    }
    lookup(CATEGORY_WORDS, &title.to_lowercase(), false).or(mall.default_category)
}

/// The first entry of `table` whose word occurs in `text` (lowercase): Korean as a substring (no
/// spaces between words there), Latin as a whole word (or its plural), numbers (taxonomy ids)
/// only when `numbers`. The text is split into words once, not once per entry.
fn lookup<T: Copy>(table: &[(&str, T)], text: &str, numbers: bool) -> Option<T> {
    let tokens: Vec<&str> =
        text.split(|c: char| !(c.is_alphanumeric() || c == '-')).filter(|t| !t.is_empty()).collect();
    table
        .iter()
        .find(|(w, _)| {
            if !w.is_ascii() {
                text.contains(w)
            } else if w.bytes().all(|b| b.is_ascii_digit()) {
                numbers && tokens.contains(w)
            } else {
                tokens.iter().any(|t| t == w || t.strip_suffix('s') == Some(w))
            }
        })
        .map(|(_, v)| *v)
}

const STYLE_WORDS: &[(&str, Style)] = &[
    ("러블리", Style::Lovely),
    ("lovely", Style::Lovely),
    ("심플", Style::SimpleBasic),
    ("베이직", Style::SimpleBasic),
    ("basic", Style::SimpleBasic),
    ("오피스", Style::OfficeLook),
    ("office", Style::OfficeLook),
    ("캐주얼", Style::Casual),
    ("casual", Style::Casual),
    ("스트릿", Style::Street),
    ("street", Style::Street),
    ("streetwear", Style::Street),
    ("미니멀", Style::Minimal),
    ("minimal", Style::Minimal),
    ("빈티지", Style::Vintage),
    ("vintage", Style::Vintage),
    ("페미닌", Style::Feminine),
    ("feminine", Style::Feminine),
    ("모던", Style::ModernChic),
    ("시크", Style::ModernChic),
    ("chic", Style::ModernChic),
];

pub(super) fn styles_of(item: &Item, mall: &MallProfile) -> Vec<Style> {
    let mut styles = Vec::new();
    for tag in item.tags.iter().chain(&item.categories) {
        let tag = text::clean(tag).to_lowercase();
        let found = mall
            .style_map
            .iter()
            .find(|(k, _)| tag == k.to_lowercase())
            .map(|(_, s)| *s)
            .or_else(|| lookup(STYLE_WORDS, &tag, false));
        if let Some(s) = found {
            if !styles.contains(&s) {
                styles.push(s);
            }
        }
    }
    if styles.is_empty() {
        styles = mall.styles.clone();
    }
    styles
}

pub(super) fn gender_of(text: &str) -> Option<Gender> {
    match text.trim().to_lowercase().as_str() {
        "female" | "women" | "woman" | "여성" | "여" | "w" | "f" => Some(Gender::Women),
        "male" | "men" | "man" | "남성" | "남" | "m" => Some(Gender::Men),
        "unisex" | "남녀공용" | "공용" => Some(Gender::Unisex),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_english_and_korean_product_types_real_feeds_use_have_a_category() {
        for (title, category) in [
            ("Stiletto Heels", Category::Shoes),
            ("Leather Loafers", Category::Shoes),
            ("스트랩 샌들", Category::Shoes),
            ("Canvas Tote", Category::Bag),
            ("Quilted Crossbody", Category::Bag),
            ("Wool Vest", Category::Outer),
            ("니트 조끼", Category::Outer),
            ("Cargo Joggers", Category::Pants),
            ("Ribbed Tank", Category::Top),
            ("Silk Scarf", Category::Accessory),
            ("진주 목걸이", Category::Accessory),
        ] {
            assert_eq!(lookup(CATEGORY_WORDS, &title.to_lowercase(), false), Some(category), "{title}");
        }
        // Whole words only for Latin: a "tee" is not in "steel", "tank" not in "tankini…" words.
        assert_eq!(lookup(CATEGORY_WORDS, "steel blue", false), None);
    }
}

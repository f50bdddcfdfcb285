//! The home feed and the mall pages.

use super::ContactOption;

/// A core call QA times alone (`Moa::coreCallMs`), to set against the same call across the
/// bindings.
#[derive(uniffi::Enum)]
pub enum CoreCall {
    /// `currentHome()`: every card of the home as it stands.
    CurrentHome,
    /// `rerankForYou()`: "for you" ranked again, its first page.
    RerankForYou,
}

#[derive(uniffi::Enum)]
pub enum SectionLayout {
    Cover,
    Grid,
    Carousel,
    /// A row of mall cards (`FeedSection.malls`).
    MallCarousel,
}

#[derive(uniffi::Record)]
pub struct MallCard {
    pub mall_id: String,
    pub name: String,
    pub styles: Vec<String>,
    pub image_urls: Vec<String>,
    pub reason: String,
    /// The shopper follows it (as of when the card was read): "following" on the button.
    pub followed: bool,
}

#[derive(uniffi::Record)]
pub struct FeedCard {
    pub product_id: String,
    pub mall_id: String,
    pub mall_name: String,
    pub title: String,
    pub price: i64,
    pub original_price: Option<i64>,
    pub currency: String,
    pub price_text: String,
    pub original_price_text: Option<String>,
    pub discount_percent: Option<u8>,
    pub image_url: String,
    /// Width / height of the photo once known; lay the card out at 4:5 until then.
    pub aspect_ratio: Option<f32>,
    /// "#RRGGBB" to fill the card with before the image loads, once known.
    pub placeholder_color: Option<String>,
    pub product_url: String,
    pub reason: String,
    /// How many other malls sell the same item; the feed shows it once.
    pub also_at_malls: u32,
    /// The item's lowest price across those malls, when others sell it too.
    pub lowest_price: Option<i64>,
    /// E.g. "외 2개 쇼핑몰 · 최저 29,800원", to show as it is.
    pub also_at_text: Option<String>,
    /// On the wishlist when the card was read: the heart to draw (`current_home` reads it again).
    pub wishlisted: bool,
}

#[derive(uniffi::Record)]
pub struct FeedSection {
    pub id: String,
    pub title: String,
    pub layout: SectionLayout,
    pub cards: Vec<FeedCard>,
    pub malls: Vec<MallCard>,
}

#[derive(uniffi::Record)]
pub struct FeedPage {
    pub sections: Vec<FeedSection>,
    pub generated_at: i64,
}

/// A mall's own page: what it is, whether the shopper follows it, its products in this
/// shopper's order.
#[derive(uniffi::Record)]
pub struct MallPage {
    pub mall_id: String,
    pub name: String,
    /// Its concept in the shopper's language, strongest first.
    pub styles: Vec<String>,
    /// Who it dresses and which ages, e.g. "여성 · 20대 초반, 20대 중반".
    pub audience: String,
    pub homepage: String,
    pub followed: bool,
    pub products_in_stock: u32,
    pub cards: Vec<FeedCard>,
    /// "문의하기": the ways to ask the mall, and its hours.
    pub contact: Vec<ContactOption>,
    pub contact_hours: Option<String>,
}

/// A thumbnail file in the core's cache, ready to show.
#[derive(uniffi::Record)]
pub struct Thumbnail {
    /// Absolute path of a JPEG file.
    pub path: String,
    pub width: u32,
    pub height: u32,
    pub placeholder_color: String,
    /// A tiny blurred preview (BlurHash).
    pub blurhash: String,
    pub aspect_ratio: f32,
}

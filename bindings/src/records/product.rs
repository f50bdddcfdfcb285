//! The product sheet and the hop to the mall.

use super::*;

#[derive(uniffi::Record)]
pub struct ProductVariant {
    pub id: String,
    pub color: Option<String>,
    pub size: Option<String>,
    pub available: bool,
}

#[derive(uniffi::Record)]
pub struct ProductSheet {
    pub product_id: String,
    pub mall_id: String,
    pub mall_name: String,
    pub title: String,
    pub brand: Option<String>,
    pub category: String,
    pub price: i64,
    pub original_price: Option<i64>,
    pub currency: String,
    pub price_text: String,
    pub original_price_text: Option<String>,
    pub discount_percent: Option<u8>,
    pub image_url: String,
    /// The gallery: the main photo first, then the product's other photos.
    pub photos: Vec<String>,
    pub product_url: String,
    pub variants: Vec<ProductVariant>,
    pub in_stock: bool,
    /// The same item at other malls, cheapest first.
    pub elsewhere: Vec<Offer>,
    /// On the wishlist when the sheet was read.
    pub wishlisted: bool,
    /// The shopper follows this product's mall.
    pub mall_followed: bool,
    /// "문의하기": the ways to ask the mall about this product (checked links), and its hours.
    pub contact: Vec<ContactOption>,
    pub contact_hours: Option<String>,
}

#[derive(uniffi::Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContactKind {
    KakaoTalk,
    ChannelTalk,
    Phone,
    Email,
}

/// One way to ask a mall: the button's words and the link it opens (`https:`, `tel:` or
/// `mailto:`; hand it to the platform as it is).
#[derive(uniffi::Record)]
pub struct ContactOption {
    pub kind: ContactKind,
    pub label: String,
    pub url: String,
    /// The link carries the product asked about (an email with its link written in).
    pub about_product: bool,
}

/// One mall's listing of the item on the sheet.
#[derive(uniffi::Record)]
pub struct Offer {
    pub product_id: String,
    pub mall_id: String,
    pub mall_name: String,
    pub title: String,
    pub price: i64,
    pub currency: String,
    pub price_text: String,
    /// The listing's own photo.
    pub image_url: String,
    /// The cheapest of all the item's listings.
    pub lowest: bool,
}

/// A checked link to the mall's product page, with attribution; open it in a Custom Tab /
/// SFSafariViewController and report the return with `returned_from_mall`.
#[derive(uniffi::Record)]
pub struct Outlink {
    pub outlink_id: String,
    pub url: String,
    pub product_id: String,
    pub mall_id: String,
}

/// Price and stock right before the hop to the mall, and what changed.
#[derive(uniffi::Record)]
pub struct LiveCheck {
    pub product_id: String,
    /// False: the server was unreachable and this is the cache.
    pub live: bool,
    pub delisted: bool,
    pub in_stock: bool,
    pub price: i64,
    pub price_text: String,
    pub previous_price_text: Option<String>,
    pub age_secs: i64,
    /// What to tell the shopper before sending them away; None when nothing changed.
    pub notice: Option<String>,
    /// The product can be bought: "go to mall" leads somewhere.
    pub can_go: bool,
    /// Show `notice` and go only on the shopper's next tap (the price changed).
    pub confirm_first: bool,
}

/// What the share button hands to the share sheet (Android) / `ShareLink` (iOS).
#[derive(uniffi::Record)]
pub struct ShareLink {
    /// The mall's product page, attributed to Moa as a share.
    pub url: String,
    /// A line to go with it, in the shopper's language.
    pub text: String,
}

/// One page of alternatives for a shopper who came straight back from a mall.
#[derive(uniffi::Record)]
pub struct RescueSheet {
    pub outlink_id: String,
    pub title: String,
    pub cards: Vec<FeedCard>,
}

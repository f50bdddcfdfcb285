//! The shopper: profile and vocabulary, behaviour events, lists and account.

/// Onboarding answers; all empty for a guest.
#[derive(uniffi::Record)]
pub struct ShopperProfile {
    /// "women", "men" or "unisex".
    pub gender: Option<String>,
    /// e.g. "early_20s" (see docs/PROTOCOL.md for the list).
    pub age_band: Option<String>,
    /// e.g. ["lovely", "feminine"], strongest first.
    pub styles: Vec<String>,
}

/// One word of Moa's vocabulary: `word` to send back, `label` to show.
#[derive(uniffi::Record)]
pub struct Choice {
    pub word: String,
    pub label: String,
}

/// What onboarding and the search filters offer, in the shopper's language.
#[derive(uniffi::Record)]
pub struct Vocabulary {
    pub genders: Vec<Choice>,
    pub age_bands: Vec<Choice>,
    pub styles: Vec<Choice>,
    pub categories: Vec<Choice>,
}

/// Something the shopper did.
#[derive(uniffi::Enum)]
pub enum ShopperEvent {
    ProductView {
        product_id: String,
        dwell_ms: u64,
    },
    AddToCart {
        product_id: String,
    },
    Purchase {
        product_id: String,
    },
    Search {
        query: String,
    },
    ClickOut {
        product_id: String,
    },
    NotInterested {
        product_id: String,
    },
    HideMall {
        mall_id: String,
    },
    /// A style by its wire name, e.g. "street".
    HideStyle {
        style: String,
    },
    Impression {
        product_id: String,
        section: String,
        position: u32,
    },
    /// A product tapped on the rescue sheet.
    RescueTapped {
        product_id: String,
    },
    /// The rescue sheet closed without a tap.
    RescueDismissed,
}

#[derive(uniffi::Record)]
pub struct WishlistItem {
    pub product_id: String,
    pub variant_id: Option<String>,
    pub added_at: i64,
    pub title: String,
    pub image_url: String,
    pub price: i64,
    pub price_text: String,
    pub mall_id: String,
    pub mall_name: String,
    pub product_url: String,
    /// False once the mall delisted it: shown from its snapshot.
    pub listed: bool,
    pub in_stock: bool,
}

#[derive(uniffi::Record)]
pub struct FollowedMall {
    pub mall_id: String,
    /// The mall's name, for the malls tab (its id until the mall list has synced).
    pub name: String,
    /// A few of its products' photos.
    pub image_urls: Vec<String>,
    pub followed_at: i64,
}

/// The account this device is signed in to.
#[derive(uniffi::Record)]
pub struct Account {
    pub account_id: String,
    pub username: String,
    /// False when the session ended: ask the shopper to sign in again.
    pub session_valid: bool,
}

#[derive(uniffi::Record)]
pub struct AccountSyncReport {
    pub sent: u64,
    pub duplicates: u64,
    pub superseded: u64,
    /// False when the shopper kept changing the lists during the sync (the next sync catches up).
    pub pulled: bool,
    pub wishlist: u64,
    pub followed_malls: u64,
}

//! Alerts about wishlisted products and the shopper's orders.

#[derive(uniffi::Enum)]
pub enum AlertKind {
    PriceDrop,
    BackInStock,
    SaleEnding,
    /// An order at a mall moved: open "주문·배송".
    OrderUpdate,
    /// Nudges from the shopper's own behaviour (each switchable in the settings): a product
    /// viewed again now cheaper, a 찜 item's last size (the shopper's), a cart left a day.
    ViewedCheaper,
    LastSize,
    CartReminder,
}

/// An alert about a wishlisted product, ready to be a notification.
#[derive(uniffi::Record)]
pub struct Alert {
    pub alert_id: i64,
    pub kind: AlertKind,
    pub product_id: String,
    pub variant_id: Option<String>,
    pub title: String,
    pub body: String,
    pub image_url: String,
    pub created_ms: i64,
}

/// How alerts reach the shopper (defaults: a daily digest at 20:00, quiet 22:00–08:00, 3 a day).
#[derive(uniffi::Record)]
pub struct AlertSettings {
    pub enabled: bool,
    pub daily_digest: bool,
    pub digest_hour: u8,
    pub quiet_start_hour: u8,
    pub quiet_end_hour: u8,
    pub max_per_day: u32,
    pub utc_offset_minutes: i32,
    /// Each nudge on or off (all on by default).
    pub nudge_viewed_cheaper: bool,
    pub nudge_last_size: bool,
    pub nudge_cart: bool,
}

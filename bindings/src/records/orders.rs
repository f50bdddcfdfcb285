//! Orders across malls ("주문·배송", issue #21).

#[derive(uniffi::Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderStatus {
    Ordered,
    Paid,
    Preparing,
    Shipped,
    Delivered,
    Cancelled,
    Returned,
}

/// One order as the "주문·배송" list shows it: everything worded and linked by the core.
#[derive(uniffi::Record)]
pub struct OrderCard {
    pub mall_id: String,
    pub mall_name: String,
    pub order_id: String,
    pub status: OrderStatus,
    pub status_label: String,
    pub title: String,
    pub product_id: String,
    /// Empty when the product is not cached: show the placeholder.
    pub image_url: String,
    pub total: String,
    pub items: u32,
    pub carrier: Option<String>,
    pub tracking_number: Option<String>,
    /// The carrier's tracking page, when the core knows the carrier.
    pub tracking_url: Option<String>,
    pub ordered_at_ms: i64,
    pub updated_at_ms: i64,
}

#[derive(uniffi::Record)]
pub struct OrdersReport {
    pub outlinks_registered: u64,
    pub new_orders: u64,
    pub moved: u64,
}

//! Conversions from the core's types to the records the apps receive.

use crate::error::{MoaError, Result};
use crate::records::*;

/// An optional word of Moa's vocabulary (category, style), or `InvalidInput` naming it.
pub(crate) fn vocabulary<T>(value: Option<String>, parse: fn(&str) -> Option<T>, what: &str) -> Result<Option<T>> {
    value
        .map(|v| parse(&v).ok_or_else(|| MoaError::InvalidInput { reason: format!("unknown {what} {v:?}") }))
        .transpose()
}

pub(crate) fn feed_card(c: moa_core::Card) -> FeedCard {
    FeedCard {
        product_id: c.product_id,
        mall_id: c.mall_id,
        mall_name: c.mall_name,
        title: c.title,
        price: c.price,
        original_price: c.original_price,
        currency: c.currency,
        price_text: c.price_text,
        original_price_text: c.original_price_text,
        discount_percent: c.discount_percent,
        image_url: c.image_url,
        aspect_ratio: c.aspect_ratio,
        placeholder_color: c.placeholder_color,
        product_url: c.product_url,
        reason: c.reason,
        also_at_malls: c.also_at_malls,
        lowest_price: c.lowest_price,
        also_at_text: c.also_at_text,
        wishlisted: c.wishlisted,
    }
}

pub(crate) fn section(s: moa_core::Section) -> FeedSection {
    FeedSection {
        id: s.id,
        title: s.title,
        layout: match s.layout {
            moa_core::Layout::Cover => SectionLayout::Cover,
            moa_core::Layout::Grid => SectionLayout::Grid,
            moa_core::Layout::Carousel => SectionLayout::Carousel,
            moa_core::Layout::MallCarousel => SectionLayout::MallCarousel,
        },
        cards: s.cards.into_iter().map(feed_card).collect(),
        malls: s
            .malls
            .into_iter()
            .map(|m| MallCard {
                mall_id: m.mall_id,
                name: m.name,
                styles: m.styles,
                image_urls: m.image_urls,
                reason: m.reason,
                followed: m.followed,
            })
            .collect(),
    }
}

impl From<moa_core::ProductSheet> for ProductSheet {
    fn from(p: moa_core::ProductSheet) -> Self {
        ProductSheet {
            product_id: p.product_id,
            mall_id: p.mall_id,
            mall_name: p.mall_name,
            title: p.title,
            brand: p.brand,
            category: p.category,
            price: p.price,
            original_price: p.original_price,
            currency: p.currency,
            price_text: p.price_text,
            original_price_text: p.original_price_text,
            discount_percent: p.discount_percent,
            image_url: p.image_url,
            photos: p.photos,
            product_url: p.product_url,
            variants: p
                .variants
                .into_iter()
                .map(|v| ProductVariant { id: v.id, color: v.color, size: v.size, available: v.available })
                .collect(),
            in_stock: p.in_stock,
            elsewhere: p
                .elsewhere
                .into_iter()
                .map(|o| Offer {
                    product_id: o.product_id,
                    mall_id: o.mall_id,
                    mall_name: o.mall_name,
                    title: o.title,
                    price: o.price,
                    currency: o.currency,
                    price_text: o.price_text,
                    image_url: o.image_url,
                    lowest: o.lowest,
                })
                .collect(),
            wishlisted: p.wishlisted,
            mall_followed: p.mall_followed,
            contact: p.contact.into_iter().map(contact_option).collect(),
            contact_hours: p.contact_hours,
        }
    }
}

impl From<moa_core::WishlistItem> for WishlistItem {
    fn from(w: moa_core::WishlistItem) -> Self {
        WishlistItem {
            product_id: w.product_id,
            variant_id: w.variant_id,
            added_at: w.added_at,
            title: w.snapshot.title,
            image_url: w.snapshot.image_url,
            price: w.snapshot.price,
            price_text: w.price_text,
            mall_id: w.snapshot.mall_id,
            mall_name: w.snapshot.mall_name,
            product_url: w.snapshot.product_url,
            listed: w.listed,
            in_stock: w.in_stock,
        }
    }
}

impl From<moa_core::LiveCheck> for LiveCheck {
    fn from(c: moa_core::LiveCheck) -> Self {
        LiveCheck {
            product_id: c.product_id,
            live: c.live,
            delisted: c.delisted,
            in_stock: c.in_stock,
            price: c.price,
            price_text: c.price_text,
            previous_price_text: c.previous_price_text,
            age_secs: c.age_secs,
            notice: c.notice,
            can_go: c.can_go,
            confirm_first: c.confirm_first,
        }
    }
}

impl From<moa_core::MallPage> for MallPage {
    fn from(p: moa_core::MallPage) -> Self {
        MallPage {
            mall_id: p.mall_id,
            name: p.name,
            styles: p.styles,
            audience: p.audience,
            homepage: p.homepage,
            followed: p.followed,
            products_in_stock: p.products_in_stock,
            cards: p.cards.into_iter().map(feed_card).collect(),
            contact: p.contact.into_iter().map(contact_option).collect(),
            contact_hours: p.contact_hours,
        }
    }
}

impl From<moa_core::FollowedMall> for FollowedMall {
    fn from(f: moa_core::FollowedMall) -> Self {
        FollowedMall { mall_id: f.mall_id, name: f.name, image_urls: f.image_urls, followed_at: f.followed_at }
    }
}

impl From<moa_core::SyncReport> for SyncReport {
    fn from(r: moa_core::SyncReport) -> Self {
        SyncReport {
            malls: r.malls,
            malls_unchanged: r.malls_unchanged,
            pages: r.pages,
            upserted: r.upserted,
            deleted: r.deleted,
            skipped: r
                .skipped
                .into_iter()
                .map(|s| SkippedProduct { product_id: s.product_id, seq: s.seq, reason: s.reason })
                .collect(),
            retries: r.retries,
            bytes: r.bytes,
            cursor_before: r.cursor_before,
            cursor_after: r.cursor_after,
            products_in_cache: r.products_in_cache,
            evicted: r.evicted,
            took_ms: r.took.as_millis() as u64,
            feed_changed: r.feed_changed,
        }
    }
}

impl From<moa_core::search::SearchResults> for SearchResults {
    fn from(r: moa_core::search::SearchResults) -> Self {
        SearchResults {
            total: r.total,
            capped: r.capped,
            cards: r.cards.into_iter().map(feed_card).collect(),
            typo_tolerant: r.typo_tolerant,
        }
    }
}

impl From<moa_core::orders::OrderCard> for OrderCard {
    fn from(o: moa_core::orders::OrderCard) -> Self {
        OrderCard {
            mall_id: o.mall_id,
            mall_name: o.mall_name,
            order_id: o.order_id,
            status: order_status(o.status),
            status_label: o.status_label,
            title: o.title,
            product_id: o.product_id,
            image_url: o.image_url,
            total: o.total,
            items: o.items,
            carrier: o.carrier,
            tracking_number: o.tracking_number,
            tracking_url: o.tracking_url,
            ordered_at_ms: o.ordered_at_ms,
            updated_at_ms: o.updated_at_ms,
        }
    }
}

fn order_status(s: moa_core::orders::OrderStatus) -> OrderStatus {
    use moa_core::orders::OrderStatus as S;
    match s {
        S::Ordered => OrderStatus::Ordered,
        S::Paid => OrderStatus::Paid,
        S::Preparing => OrderStatus::Preparing,
        S::Shipped => OrderStatus::Shipped,
        S::Delivered => OrderStatus::Delivered,
        S::Cancelled => OrderStatus::Cancelled,
        S::Returned => OrderStatus::Returned,
    }
}

fn contact_option(o: moa_core::contact::ContactOption) -> ContactOption {
    use moa_core::contact::ContactKind as K;
    let kind = match o.kind {
        K::KakaoTalk => ContactKind::KakaoTalk,
        K::ChannelTalk => ContactKind::ChannelTalk,
        K::Phone => ContactKind::Phone,
        K::Email => ContactKind::Email,
    };
    ContactOption { kind, label: o.label, url: o.url, about_product: o.about_product }
}

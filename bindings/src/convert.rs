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

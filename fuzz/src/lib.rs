//! What every feed target does: read the bytes as one format, turn what was read into products
//! for a mall, and check what must hold for any input — no panic, nothing unbounded, and every
//! product the mall's own (the id scoped by the mall, no other mall's id).

use std::collections::BTreeMap;

use moa_server::ingest::{self, Format, MallProfile};

pub fn feed(format: Format, bytes: &[u8]) {
    let limits = ingest::Limits { max_bytes: 1 << 20, max_rows: 10_000 };
    let Ok(parsed) = ingest::parse(format, bytes, limits) else { return };
    let normalised = ingest::products_of(&parsed, &mall(), 1_795_000_000);
    for product in &normalised.products {
        assert_eq!(product.mall_id, "fuzzmall");
        assert!(product.id.starts_with("fuzzmall-"), "{}", product.id);
        assert!(product.price.amount >= 0, "{:?}", product.price);
    }
}

fn mall() -> MallProfile {
    MallProfile {
        id: "fuzzmall".into(),
        name: "퍼즈몰".into(),
        platform: moa_protocol::model::Platform::Cafe24,
        homepage: "https://fuzzmall.example".into(),
        link_hosts: vec!["cdn.fuzzmall.example".into()],
        currency: "KRW".into(),
        gender: moa_protocol::model::Gender::Women,
        styles: vec![],
        age_bands: vec![],
        category_map: BTreeMap::new(),
        default_category: Some(moa_protocol::model::Category::Top),
        style_map: BTreeMap::new(),
        contact: None,
    }
}

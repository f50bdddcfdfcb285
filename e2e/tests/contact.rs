//! "문의하기" (issue #22) over a real server: a mall's contact lines travel with the mall list,
//! the product sheet and the mall page offer them (an email with the product's link written in),
//! and a hostile contact link is refused when the mall's profile is registered — nothing of it
//! reaches a shopper.

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;

use moa_core::contact::ContactKind;
use moa_core::model::{Gender, MallContact, Platform};
use moa_core::{FixedClock, Moa, MoaConfig};
use moa_server::ingest::MallProfile;
use moa_server::{DemoSpec, RunningServer};

const NOW: i64 = 1_795_000_000;

fn profile(contact: MallContact) -> MallProfile {
    MallProfile {
        id: "lacemuse".into(),
        name: "레이스뮤즈".into(),
        platform: Platform::Cafe24,
        homepage: "https://www.lacemuse.co.kr".into(),
        link_hosts: vec![],
        currency: "KRW".into(),
        gender: Gender::Women,
        styles: vec![],
        age_bands: vec![],
        category_map: BTreeMap::new(),
        default_category: None,
        style_map: BTreeMap::new(),
        contact: Some(contact),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sheet_and_the_mall_page_offer_the_malls_lines_and_hostile_ones_never_register() {
    let (catalog, world) = moa_server::demo_catalog(DemoSpec { seed: 22, products: 400, now: NOW }).unwrap();
    // Registering a mall with a hostile line is refused whole: nothing of it is stored.
    for hostile in [
        MallContact { kakao_channel: Some("javascript:alert(document.cookie)".into()), ..MallContact::default() },
        MallContact { kakao_channel: Some("https://pf.kakao.com.evil.example/_lace".into()), ..MallContact::default() },
        MallContact { channel_talk: Some("https://lacemuse.channel.io.evil.example".into()), ..MallContact::default() },
        MallContact { email: Some("cs@lacemuse.co.kr?bcc=everyone@evil.example".into()), ..MallContact::default() },
    ] {
        let refused = catalog.put_mall_profile(&profile(hostile.clone()));
        assert!(refused.is_err(), "{hostile:?} was accepted");
        assert!(catalog.mall_profile("lacemuse").unwrap().is_none());
    }
    let good = MallContact { kakao_channel: Some("https://pf.kakao.com/_lacemuse".into()), ..MallContact::default() };
    catalog.put_mall_profile(&profile(good)).unwrap();
    assert!(catalog.malls().unwrap().malls.iter().any(|m| m.id == "lacemuse" && m.contact.is_some()));

    let server = RunningServer::start(Arc::clone(&catalog), SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let moa = Moa::open(MoaConfig::new(dir.path()).clock(FixedClock::at_secs(NOW)).server(&server.url)).unwrap();
    moa.sync().await.unwrap();

    // A Cafe24 mall of the demo world: its KakaoTalk chat, a call, an email about the product.
    let cafe24 = world.malls.iter().find(|m| m.platform == Platform::Cafe24).unwrap();
    let product = world.products.iter().find(|p| p.mall_id == cafe24.id && p.in_stock()).unwrap();
    let sheet = moa.product_sheet(&product.id).unwrap();
    let kinds: Vec<ContactKind> = sheet.contact.iter().map(|o| o.kind).collect();
    assert_eq!(kinds, [ContactKind::KakaoTalk, ContactKind::Phone, ContactKind::Email]);
    assert_eq!(sheet.contact[0].label, "카카오톡 문의");
    assert!(sheet.contact[0].url.starts_with("https://pf.kakao.com/_") && sheet.contact[0].url.ends_with("/chat"));
    assert!(sheet.contact[1].url.starts_with("tel:02"));
    let email = &sheet.contact[2];
    assert!(email.about_product, "{email:?}");
    assert!(email.url.contains("subject=") && email.url.contains("body="), "{}", email.url);
    assert_eq!(sheet.contact_hours.as_deref(), cafe24.contact.as_ref().unwrap().hours.as_deref());

    // A mall on its own domain: Channel Talk on its page.
    let shopify = world.malls.iter().find(|m| m.platform == Platform::Shopify).unwrap();
    let page = moa.mall_page(&shopify.id, 10).unwrap();
    assert!(page.contact.iter().any(|o| o.kind == ContactKind::ChannelTalk && o.url.ends_with(".channel.io")));
    assert!(page.contact.iter().all(|o| !o.about_product), "a mall page is about no product");
    server.shutdown().await;
}

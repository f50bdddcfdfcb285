//! 한국어.

use moa_protocol::orders::OrderStatus;

use super::Phrases;

pub(super) static PHRASES: Phrases = Phrases {
    cover: "오늘의 커버",
    price_drops: "찜한 상품 가격 인하",
    price_drop_reason: |pct| format!("찜할 때보다 {pct}% 내렸어요"),
    because_you_like: |mall| format!("{mall} 팬들이 좋아하는 상품"),
    picked_by_fans: |mall| format!("{mall} 팬들의 선택"),
    new_from_followed: "팔로우한 몰의 신상",
    new_at_followed_mall: |mall, days| format!("{mall} 신상 · {days}일 전"),
    new_this_week: "이번 주 신상",
    recently_viewed: "최근 본 상품",
    cheaper_since_viewed: |by| format!("본 뒤로 {by} 내렸어요"),
    viewed_times: |n| format!("{n}번 본 상품"),
    viewed_recently: "최근에 봤어요",
    arrived: |days| if days == 0 { "오늘 입고".into() } else { format!("{days}일 전 입고") },
    trending: |age, gender| format!("{age} {gender}에게 인기"),
    malls_for_you: "취향에 맞는 쇼핑몰",
    fans_shop_here_too: |mall| format!("{mall} 팬들이 자주 가요"),
    for_you: "당신을 위한 추천",
    also_at: |n, lowest| format!("외 {n}개 쇼핑몰 · 최저 {lowest}"),
    viewed_together: "방금 본 상품과 함께 많이 봤어요",
    favourite_mall: |mall| format!("자주 보는 {mall}"),
    your_style: |style| format!("{style} 취향"),
    popular_with: |age, gender| format!("{age} {gender}에게 인기"),
    popular: "많이 찾는 상품",
    explore: "새로운 스타일 제안",
    similar_at: |mall| format!("{mall}에도 비슷한 상품이 있어요"),
    more_for_you_at: |mall| format!("{mall}에서 취향에 맞는 상품"),
    no_longer_sold: "판매가 종료된 상품이에요",
    sold_out_now: "지금은 품절이에요",
    price_changed: |was, now| format!("가격이 {was}에서 {now}(으)로 바뀌었어요"),
    share_text: |title, price, mall| format!("{title} · {price} ({mall}) — 모아에서 발견했어요"),
    rescue_title: "이런 상품은 어떠세요?",
    alert_price_drop: "찜한 상품 가격이 내렸어요",
    alert_price_drop_body: |title, was, now, percent| format!("{title} {was} → {now} ({percent}%↓)"),
    alert_back_in_stock: "찜한 상품이 다시 입고됐어요",
    alert_sale_ending: "찜한 상품 세일이 곧 끝나요",
    alert_viewed_cheaper: "보던 상품 가격이 내렸어요",
    alert_viewed_cheaper_body: |title, views, percent, price| {
        format!("{views}번 보신 {title}, 지금 {percent}% 내렸어요 · {price}")
    },
    alert_last_size: "찜한 상품, 마지막 사이즈예요",
    alert_last_size_body: |title, size| format!("찜하신 {title}, 고르신 {size}만 남았어요"),
    alert_cart: "장바구니에 담은 상품이 기다려요",
    alert_cart_body: |title, price| format!("어제 담으신 {title} · {price}, 아직 고민 중이세요?"),
    alert_order: "주문·배송 소식",
    order_news: |what, status, parcel| {
        let (i_ga, eul_reul) = if super::has_final_consonant(what) { ("이", "을") } else { ("가", "를") };
        match (status, parcel) {
            (OrderStatus::Ordered, _) => format!("주문하신 {what}{i_ga} 접수됐어요"),
            (OrderStatus::Paid, _) => format!("주문하신 {what}의 결제가 완료됐어요"),
            (OrderStatus::Preparing, _) => format!("주문하신 {what}{eul_reul} 준비하고 있어요"),
            (OrderStatus::Shipped, Some((carrier, number))) => {
                format!("주문하신 {what}{i_ga} 배송을 시작했어요 · {carrier} {number}")
            }
            (OrderStatus::Shipped, None) => format!("주문하신 {what}{i_ga} 배송을 시작했어요"),
            (OrderStatus::Delivered, _) => format!("주문하신 {what}{i_ga} 도착했어요"),
            (OrderStatus::Cancelled, _) => format!("주문하신 {what}의 주문이 취소됐어요"),
            (OrderStatus::Returned, _) => format!("주문하신 {what}의 반품이 완료됐어요"),
        }
    },
    order_status: |status| match status {
        OrderStatus::Ordered => "주문 접수",
        OrderStatus::Paid => "결제 완료",
        OrderStatus::Preparing => "상품 준비 중",
        OrderStatus::Shipped => "배송 중",
        OrderStatus::Delivered => "배송 완료",
        OrderStatus::Cancelled => "주문 취소",
        OrderStatus::Returned => "반품 완료",
    },
    order_title: |first, more| if more == 0 { first.to_string() } else { format!("{first} 외 {more}건") },
    contact_kakao: "카카오톡 문의",
    contact_channel_talk: "채팅 상담",
    contact_phone: "전화 문의",
    contact_email: "이메일 문의",
    contact_subject: |title| format!("[모아] 상품 문의: {title}"),
};

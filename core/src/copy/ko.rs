//! 한국어.

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
    arrived: |days| if days == 0 { "오늘 입고".into() } else { format!("{days}일 전 입고") },
    trending: |age, gender| format!("{age} {gender}에게 인기"),
    malls_for_you: "취향에 맞는 쇼핑몰",
    fans_shop_here_too: |mall| format!("{mall} 팬들이 자주 가요"),
    for_you: "당신을 위한 추천",
    viewed_together: "방금 본 상품과 함께 많이 봤어요",
    favourite_mall: |mall| format!("자주 보는 {mall}"),
    your_style: |style| format!("{style} 취향"),
    popular_with: |age, gender| format!("{age} {gender}에게 인기"),
    popular: "많이 찾는 상품",
    explore: "새로운 스타일 제안",
    similar_at: |mall| format!("{mall}에도 비슷한 상품이 있어요"),
    more_for_you_at: |mall| format!("{mall}에서 취향에 맞는 상품"),
    alert_price_drop: "찜한 상품 가격이 내렸어요",
    alert_price_drop_body: |title, was, now, percent| format!("{title} {was} → {now} ({percent}%↓)"),
    alert_back_in_stock: "찜한 상품이 다시 입고됐어요",
    alert_sale_ending: "찜한 상품 세일이 곧 끝나요",
};

//! English.

use super::Phrases;

pub(super) static PHRASES: Phrases = Phrases {
    cover: "Today's cover",
    price_drops: "Price drops on your wishlist",
    price_drop_reason: |pct| format!("{pct}% below when you saved it"),
    because_you_like: |mall| format!("Because you like {mall}"),
    picked_by_fans: |mall| format!("Picked by {mall} fans"),
    new_from_followed: "New from malls you follow",
    new_at_followed_mall: |mall, days| format!("New at {mall} · {days} days ago"),
    new_this_week: "New this week",
    arrived: |days| if days == 0 { "New today".into() } else { format!("New {days} days ago") },
    trending: |age, gender| format!("Trending with {} in their {}", gender.to_lowercase(), age.to_lowercase()),
    malls_for_you: "Malls you might like",
    fans_shop_here_too: |mall| format!("{mall} fans shop here too"),
    for_you: "For you",
    viewed_together: "Often viewed with what you just saw",
    favourite_mall: |mall| format!("From {mall}, a favourite"),
    your_style: |style| format!("Your {} taste", style.to_lowercase()),
    popular_with: |age, gender| format!("Popular with {} in their {}", gender.to_lowercase(), age.to_lowercase()),
    popular: "Shoppers' favourite",
    explore: "Something new to try",
    similar_at: |mall| format!("Something similar at {mall}"),
    more_for_you_at: |mall| format!("More for you at {mall}"),
    alert_price_drop: "A wishlisted item got cheaper",
    alert_price_drop_body: |title, was, now, percent| format!("{title} {was} → {now} ({percent}% off)"),
    alert_back_in_stock: "Back in stock",
    alert_sale_ending: "Sale ends soon",
};

//! The home's sections, each a small builder run from one list. A builder sees what the ones
//! before it showed (`Home::shown`) and leaves it out, so no product appears twice on a home.

use std::collections::{HashMap, HashSet};

use moa_protocol::model::{Gender, Money, Style};
use moa_protocol::wire::segment_key;

use super::{
    card, for_you_session, hash, next_page, normalise, outside_for_you, pick_diverse, reason, section, segment_phrase,
    top, FeedContext, FeedPage, FeedSession, Layout, MallCard, Scored, Section, Shown, CAROUSEL, DAY,
    FOLLOWED_NEW_WITHIN_DAYS, FOR_YOU_PAGE, NEW_WITHIN_DAYS, PER_MALL_CAROUSEL, RANKED_POOL,
};
use crate::copy::{self, Phrases};
use crate::profile::StatedTaste;
use crate::rank::catalog::{age_bit, style_bit};

/// A home being composed.
struct Home<'a, 'c> {
    ctx: &'a FeedContext<'c>,
    words: &'static Phrases,
    scored: Scored,
    ranked: Vec<u32>,
    shown: Shown,
    /// The mall the shopper likes most (or follows first), if any.
    favourite: Option<usize>,
    /// "For you": ranked in its place in [`SECTIONS`], shown last (see [`compose_home`]).
    for_you: Option<(Section, FeedSession)>,
}

type Builder = fn(&mut Home<'_, '_>) -> Option<Section>;

/// The sections in the order they are ranked: each leaves out what those before it showed.
const SECTIONS: [Builder; 9] = [
    cover,
    price_drops,
    recently_viewed,
    for_you,
    because_you_like,
    new_from_followed,
    new_this_week,
    trending,
    malls_for_you,
];

/// Compose the shopper's home. Also returns the session that pages "for you" further.
pub fn compose_home(ctx: &FeedContext<'_>) -> (FeedPage, FeedSession) {
    let c = ctx.catalog;
    let scored = super::score(ctx);
    let ranked = top(&scored, |_| true, RANKED_POOL);
    let favourite = ctx
        .taste
        .favourite_mall()
        .or_else(|| ctx.followed.first().and_then(|m| c.mall_by_id.get(m)).map(|m| *m as usize));
    let mut home =
        Home { ctx, words: copy::phrases(ctx.locale), scored, ranked, shown: Shown::new(c), favourite, for_you: None };
    let mut sections: Vec<Section> = SECTIONS.iter().filter_map(|build| build(&mut home)).collect();
    let (for_you, mut session) = home.for_you.take().expect("the for-you builder runs");
    // Shown last: it pages on without end, and a section after it would move away each time the
    // shopper neared it.
    sections.push(for_you);
    sections.retain(|s| !s.cards.is_empty() || !s.malls.is_empty());
    let page = FeedPage { sections, generated_at: ctx.now };
    session.shown = home.shown;
    session.reserved = outside_for_you(c, &page);
    (page, session)
}

fn cover(home: &mut Home<'_, '_>) -> Option<Section> {
    let (ctx, scored) = (home.ctx, &home.scored);
    let picked = pick_diverse(ctx.catalog, &home.ranked, 1, 1, &mut home.shown);
    let cards = picked.iter().map(|&i| card(ctx, i, reason(ctx, i, scored.why[i as usize]))).collect();
    Some(section("cover", home.words.cover.into(), Layout::Cover, cards))
}

/// Price drops on the wishlist: the shopper's own intent, worth a place near the top.
fn price_drops(home: &mut Home<'_, '_>) -> Option<Section> {
    let (ctx, c) = (home.ctx, home.ctx.catalog);
    let drops: Vec<(u32, u8)> = ctx
        .wishlist
        .iter()
        .filter_map(|w| {
            let i = c.get(&w.product_id)?;
            let then = w.price_at_add?;
            let now = &c.products[i as usize].price;
            // The alert's rule exactly: a drop the home shows is one the shopper was told about.
            let pct = moa_protocol::model::discount_percent(now.amount, Some(then))?;
            moa_protocol::model::is_price_drop_worth_telling(then, now.amount, &now.currency).then_some((i, pct))
        })
        .filter(|(i, _)| home.scored.eligible[*i as usize])
        .collect();
    if drops.is_empty() {
        return None;
    }
    let cards = drops
        .iter()
        .take(CAROUSEL)
        .map(|&(i, pct)| {
            home.shown.insert(i);
            card(ctx, i, (home.words.price_drop_reason)(pct))
        })
        .collect();
    Some(section("price_drops", home.words.price_drops.into(), Layout::Carousel, cards))
}

/// Recently viewed (최근 본 상품): what the shopper opened, the latest first, still on sale —
/// shoppers go back to what they looked at before deciding. A card says what changed: cheaper
/// since they looked, or how often they came back to it. Two at least, or it is no row.
fn recently_viewed(home: &mut Home<'_, '_>) -> Option<Section> {
    let (ctx, c, words) = (home.ctx, home.ctx.catalog, home.words);
    let mut cards = Vec::new();
    for view in ctx.recently_viewed {
        let Some(i) = c.get(&view.product_id) else { continue };
        if !home.scored.eligible[i as usize] || home.shown.contains(&i) {
            continue;
        }
        let now = &c.products[i as usize].price;
        let cheaper = view.price_then.filter(|&then| then > now.amount);
        let reason = match cheaper {
            Some(then) => (words.cheaper_since_viewed)(
                &Money { amount: then - now.amount, currency: now.currency.clone() }.display(),
            ),
            None if view.times >= 2 => (words.viewed_times)(view.times),
            None => words.viewed_recently.to_string(),
        };
        home.shown.insert(i);
        cards.push(card(ctx, i, reason));
        if cards.len() == CAROUSEL {
            break;
        }
    }
    (cards.len() >= 2).then(|| section("recently_viewed", words.recently_viewed.into(), Layout::Carousel, cards))
}

/// For you, with something new to try every few cards: ranked here, shown last.
fn for_you(home: &mut Home<'_, '_>) -> Option<Section> {
    let mut session = for_you_session(home.ctx, &home.scored, &home.ranked, home.shown.clone());
    let first_page = next_page(home.ctx, &mut session, FOR_YOU_PAGE);
    home.shown = session.shown.clone();
    home.for_you = Some((first_page, session));
    None
}

/// Because you like {mall}: what that mall's fans look at, in keeping with its concept.
fn because_you_like(home: &mut Home<'_, '_>) -> Option<Section> {
    let (ctx, c, scored) = (home.ctx, home.ctx.catalog, &home.scored);
    let m = home.favourite?;
    let mall = &c.malls[m];
    let mut seed: Vec<u32> =
        ctx.taste.visit_products().into_iter().filter(|&i| c.mall[i as usize] as usize == m).collect();
    if seed.is_empty() {
        seed = top(scored, |i| c.mall[i] as usize == m, 5);
    }
    let mut scores = HashMap::new();
    c.sessions.score_next(&seed, &c.session_params, c.sessions.len(), &mut scores);
    let concept = mall.styles.iter().fold(0u16, |acc, s| acc | style_bit(*s));
    let mut fans: Vec<(u32, f64)> = scores
        .into_iter()
        .filter(|(i, _)| scored.eligible[*i as usize] && (concept == 0 || c.style_mask[*i as usize] & concept != 0))
        .collect();
    fans.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut order: Vec<u32> = fans.into_iter().map(|(i, _)| i).collect();
    order.extend(top(scored, |i| c.style_mask[i] & concept != 0, 200));
    let picked = pick_diverse(c, &order, CAROUSEL, PER_MALL_CAROUSEL + 1, &mut home.shown);
    if picked.len() < 4 {
        return None;
    }
    let cards = picked.iter().map(|&i| card(ctx, i, (home.words.picked_by_fans)(&mall.name))).collect();
    Some(section("because_you_like", (home.words.because_you_like)(&mall.name), Layout::Carousel, cards))
}

/// New from malls you follow.
fn new_from_followed(home: &mut Home<'_, '_>) -> Option<Section> {
    let (ctx, c) = (home.ctx, home.ctx.catalog);
    if ctx.followed.is_empty() {
        return None;
    }
    let followed: HashSet<u16> = ctx.followed.iter().filter_map(|m| c.mall_by_id.get(m).copied()).collect();
    let order = top(
        &home.scored,
        |i| followed.contains(&c.mall[i]) && ctx.now - c.created_at[i] < FOLLOWED_NEW_WITHIN_DAYS * DAY,
        200,
    );
    let picked = pick_diverse(c, &order, CAROUSEL, CAROUSEL, &mut home.shown);
    let cards = picked
        .iter()
        .map(|&i| {
            let days = (ctx.now - c.created_at[i as usize]).max(0) / DAY;
            card(ctx, i, (home.words.new_at_followed_mall)(&c.mall_of(i).name, days))
        })
        .collect();
    Some(section("new_from_followed", home.words.new_from_followed.into(), Layout::Carousel, cards))
}

/// New this week, in the shopper's order.
fn new_this_week(home: &mut Home<'_, '_>) -> Option<Section> {
    let (ctx, c) = (home.ctx, home.ctx.catalog);
    let order = top(&home.scored, |i| ctx.now - c.created_at[i] < NEW_WITHIN_DAYS * DAY, 300);
    let picked = pick_diverse(c, &order, CAROUSEL, PER_MALL_CAROUSEL, &mut home.shown);
    let cards = picked
        .iter()
        .map(|&i| card(ctx, i, (home.words.arrived)((ctx.now - c.created_at[i as usize]).max(0) / DAY)))
        .collect();
    Some(section("new_this_week", home.words.new_this_week.into(), Layout::Carousel, cards))
}

/// Trending in the shopper's segment (gender × age band).
fn trending(home: &mut Home<'_, '_>) -> Option<Section> {
    let (ctx, c, scored) = (home.ctx, home.ctx.catalog, &home.scored);
    let (g, a) = (ctx.profile.gender?, ctx.profile.age_band?);
    let list = c.segments.get(&segment_key(g, a))?;
    let mut order: Vec<u32> = list.iter().copied().filter(|i| scored.eligible[*i as usize]).collect();
    // A small segment's list runs short: go on with what suits its age and gender best.
    let age = age_bit(a);
    order.extend(top(scored, |i| c.age_mask[i] & age != 0 && c.popularity[i] > 0.5, 300));
    let picked = pick_diverse(c, &order, CAROUSEL, PER_MALL_CAROUSEL, &mut home.shown);
    let phrase = segment_phrase(ctx).unwrap_or_default();
    let cards = picked.iter().map(|&i| card(ctx, i, phrase.clone())).collect();
    let title = (home.words.trending)(a.label(ctx.locale), g.label(ctx.locale));
    Some(section("trending", title, Layout::Carousel, cards))
}

/// Malls you might like: their concept against the shopper's styles, their ages, and where the
/// favourite mall's fans also shop. Not the followed ones, not hidden ones.
fn malls_for_you(home: &mut Home<'_, '_>) -> Option<Section> {
    let (ctx, c, scored, favourite) = (home.ctx, home.ctx.catalog, &home.scored, home.favourite);
    let co_view = co_viewed_malls(ctx, scored, favourite);
    let (stated, styles) = (StatedTaste::from(ctx.profile), normalise(&ctx.taste.styles));
    let mut ranked: Vec<(usize, f32, bool)> = c
        .malls
        .iter()
        .enumerate()
        .filter(|(m, mall)| {
            Some(*m) != favourite && !ctx.followed.contains(&mall.id) && !ctx.excluded.malls.contains(&mall.id)
        })
        .map(|(m, _)| (m, mall_fit(ctx, &stated, &styles, m, co_view[m]), co_view[m] > 0.3))
        .collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let cards = ranked
        .into_iter()
        .take(6)
        .map(|(m, _, co)| {
            let mall = &c.malls[m];
            let images = top(scored, |i| c.mall[i] as usize == m, 3)
                .iter()
                .map(|&i| c.products[i as usize].image_url.clone())
                .collect();
            let labels: Vec<String> = mall.styles.iter().map(|s| s.label(ctx.locale).to_string()).collect();
            let reason = match favourite.filter(|_| co) {
                Some(f) => (home.words.fans_shop_here_too)(&c.malls[f].name),
                None => {
                    let ages: Vec<&str> = mall.age_bands.iter().take(2).map(|a| a.label(ctx.locale)).collect();
                    format!("{} · {}", labels.join(" "), ages.join(", "))
                }
            };
            let followed = ctx.followed.contains(&mall.id);
            MallCard {
                followed,
                mall_id: mall.id.clone(),
                name: mall.name.clone(),
                styles: labels,
                image_urls: images,
                reason,
            }
        })
        .collect();
    let title = home.words.malls_for_you.into();
    Some(Section { id: "malls_for_you".into(), title, layout: Layout::MallCarousel, cards: Vec::new(), malls: cards })
}

/// 0..1 per mall: how much the favourite mall's fans also view its products.
fn co_viewed_malls(ctx: &FeedContext<'_>, scored: &Scored, favourite: Option<usize>) -> Vec<f32> {
    let c = ctx.catalog;
    let mut co_view = vec![0f64; c.malls.len()];
    if let Some(f) = favourite {
        let seed = top(scored, |i| c.mall[i] as usize == f, 5);
        let mut scores = HashMap::new();
        c.sessions.score_next(&seed, &c.session_params, c.sessions.len(), &mut scores);
        for (i, s) in scores {
            co_view[c.mall[i as usize] as usize] += s;
        }
    }
    normalise(&co_view)
}

/// How well the mall at `m` suits the shopper: its styles (the first counts most) against the
/// learned and stated ones, its ages, its fans' overlap; another gender's mall sinks.
/// `stated` and `styles` (the learned ones, normalised) are the shopper's, computed once per home.
fn mall_fit(ctx: &FeedContext<'_>, stated: &StatedTaste, styles: &[f32], m: usize, co_view: f32) -> f32 {
    let mall = &ctx.catalog.malls[m];
    let style: f32 = mall
        .styles
        .iter()
        .enumerate()
        .map(|(k, s)| {
            let weight = if k == 0 { 1.0 } else { 0.5 };
            let learned = styles[Style::ALL.iter().position(|x| x == s).unwrap_or(0)];
            let said = if stated.style_mask & style_bit(*s) != 0 { 1.0 } else { 0.0 };
            weight * (learned + said)
        })
        .sum();
    let age = mall.age_bands.iter().any(|a| ctx.profile.age_band == Some(*a)) as u8 as f32;
    let clash = matches!(
        (ctx.profile.gender, mall.gender),
        (Some(Gender::Women), Gender::Men) | (Some(Gender::Men), Gender::Women)
    );
    style + 0.5 * age + 1.5 * co_view - if clash { 5.0 } else { 0.0 } + 0.05 * hash(ctx.seed, m as u64)
}

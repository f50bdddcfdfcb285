//! What every feature of [`crate::Moa`] shares: the config and its clock, the store, the API
//! client, the change hub, the ranker's state and the thumbnail cache — and the few things they
//! all do with them: record an event, gather what the ranker reads, guard store results.
//! Features (`search`, `live`, `trips`, `delivery`, `upload`, `account`) take `&Parts`; `Moa`
//! holds one and delegates.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, MutexGuard};

use moa_protocol::model::{AgeBand, Gender, Locale, Product};

use crate::api::{ApiClient, RawChangePage};
use crate::changes::{ChangeHub, ChangeKind};
use crate::config::MoaConfig;
use crate::error::{Error, Result};
use crate::events::Event;
use crate::feed::state::FeedState;
use crate::feed::{self, FeedContext, FeedPage, MallPage, ProductSheet, Section};
use crate::images::cache::{ImageCache, Thumbnail};
use crate::images::ImageLimits;
use crate::profile::{ShopperProfile, Taste};
use crate::rank::catalog::CatalogIndex;
use crate::store::Store;
use crate::sync::{self, SyncOptions, SyncReport};
use tokio_util::sync::CancellationToken;

/// Products a search asks the whole catalog for: the best of them by popularity, ranked with
/// the working set's for the shopper.
const SEARCH_CANDIDATES: u32 = 100;
/// The shopper's latest products whose neighbours are fetched, and how many of those at most.
const VIEWED_TOGETHER_SEEDS: usize = 10;
const VIEWED_TOGETHER_FETCHED: usize = 60;
/// Ranks of the shelf's reserve fetched at a time when "for you" runs out.
const RESERVE_WINDOW: u32 = 100;

pub(crate) struct Parts {
    pub config: MoaConfig,
    pub locale: Locale,
    pub store: Arc<Store>,
    pub api: Option<Arc<ApiClient>>,
    pub changes: ChangeHub,
    pub feed: Mutex<FeedState>,
    pub images: ImageCache,
    /// How far into the shelf's reserve "for you" has read (back to 0 when a sync let go of
    /// what it brought).
    reserve_read: std::sync::atomic::AtomicU32,
}

impl Parts {
    /// Open (or create) the cache and the thumbnail cache. Local: no network here.
    pub fn open(config: MoaConfig) -> Result<Parts> {
        std::fs::create_dir_all(&config.data_dir)?;
        let store = Arc::new(Store::open_with_clock(&config.database_path(), config.clock.clone())?);
        let api =
            config.server_url.as_deref().map(|url| ApiClient::new(url, &config.network).map(Arc::new)).transpose()?;
        let locale = Locale::from_tag(&config.locale);
        let images =
            ImageCache::open(&config.data_dir.join("images"), config.image_cache_bytes, ImageLimits::default())?;
        Ok(Parts {
            config,
            locale,
            store,
            api,
            changes: ChangeHub::new(),
            feed: Mutex::new(FeedState::default()),
            images,
            reserve_read: std::sync::atomic::AtomicU32::new(0),
        })
    }

    pub fn api(&self) -> Result<&Arc<ApiClient>> {
        self.api.as_ref().ok_or_else(|| Error::InvalidInput("no server configured".into()))
    }

    /// The time by the config's clock, in milliseconds since the epoch.
    pub fn now_ms(&self) -> i64 {
        self.config.clock.now_ms()
    }

    /// Every store error passes here: a damaged file is noted so that the next open recovers it.
    pub fn guard<T>(&self, result: Result<T>) -> Result<T> {
        self.store.guard(result)
    }

    pub fn feed(&self) -> MutexGuard<'_, FeedState> {
        self.feed.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Record something the shopper did. Local and instant; the taste learns at once, so the
    /// next feed already reflects it.
    pub fn record(&self, event: Event) -> Result<()> {
        let event_id = format!("{:032x}", rand::random::<u128>());
        let at = self.now_ms();
        self.guard(self.store.record_event(&event, &event_id, at))?;
        let mut feed = self.feed();
        if let (Some(catalog), Some(taste)) = (feed.catalog.clone(), feed.taste.as_mut()) {
            taste.learn(at, &event, &catalog);
        }
        // Searching and scrolling past do not move the taste scores search ranks by; keeping
        // them makes the next keystroke's search cheap.
        if !matches!(event, Event::Search { .. } | Event::Impression { .. }) {
            feed.search_scores = None;
        }
        drop(feed);
        if event.changes_feed() {
            self.changes.notify(ChangeKind::Feed);
        }
        Ok(())
    }

    /// The server's shelf for this shopper's segment: the profile's gender and age band, the
    /// guest persona's where the shopper has not said (unisex shoppers follow the women's shelf,
    /// the larger one).
    fn shelf(&self) -> Result<String> {
        let (stated, guest) = (self.profile()?, ShopperProfile::guest_default());
        let gender = match stated.gender.or(guest.gender) {
            Some(Gender::Men) => Gender::Men,
            _ => Gender::Women,
        };
        let age = stated.age_band.or(guest.age_band).unwrap_or(AgeBand::Late20s);
        Ok(moa_protocol::wire::segment_key(gender, age))
    }

    /// The onboarding profile (empty for a guest who skipped it).
    pub fn profile(&self) -> Result<ShopperProfile> {
        self.guard(self.store.profile())
    }

    /// One product from the cache.
    pub fn product(&self, product_id: &str) -> Result<Product> {
        self.guard(self.store.product(product_id))?.ok_or_else(|| Error::NotFound(format!("product {product_id}")))
    }

    /// Gather what the ranker reads and run `work` with it (store errors guarded).
    pub fn compose<T>(&self, work: impl FnOnce(&FeedContext<'_>, &mut FeedState) -> T) -> Result<T> {
        self.guard(self.compose_unguarded(work))
    }

    fn compose_unguarded<T>(&self, work: impl FnOnce(&FeedContext<'_>, &mut FeedState) -> T) -> Result<T> {
        let mut state = self.feed();
        if state.catalog.is_none() {
            let store = &self.store;
            let catalog = CatalogIndex::build(store.in_stock_products()?, store.malls()?, &store.population_stats()?);
            let mut taste = Taste::new(catalog.malls.len(), self.now_ms());
            for (at, event) in store.profile_events()? {
                taste.learn(at, &event, &catalog);
            }
            // The home the shopper has on screen stays (its paging continues over the new
            // index without repeats, `continue_session`); the rest is the old index's.
            let home = state.home.take();
            *state = FeedState { catalog: Some(Arc::new(catalog)), taste: Some(taste), home, ..FeedState::default() };
        }
        let catalog = state.catalog.clone().expect("built above");
        let taste = state.taste.clone().expect("built with the catalog");
        let stated = self.store.profile()?;
        let guest = stated.is_empty();
        let profile = if guest { ShopperProfile::guest_default() } else { stated };
        let (excluded, impressions) = (self.store.exclusions()?, self.store.impressions()?);
        let (followed, wishlist) = (self.store.followed_mall_ids()?, self.store.wishlist()?);
        let recently_viewed = self.store.recent_views(feed::RECENTLY_VIEWED_KEPT)?;
        let image_meta = self.images.metas()?;
        let now = self.config.clock.now_secs();
        let ctx = FeedContext {
            catalog: &catalog,
            taste: &taste,
            profile: &profile,
            guest,
            excluded: &excluded,
            impressions: &impressions,
            followed: &followed,
            wishlist: &wishlist,
            recently_viewed: &recently_viewed,
            image_meta: &image_meta,
            locale: self.locale,
            now,
            seed: feed::daily_seed(&self.config.install_id, now),
        };
        Ok(work(&ctx, &mut state))
    }

    /// A new home for this shopper; paging continues it.
    pub fn home_feed(&self) -> Result<FeedPage> {
        self.compose(|ctx, state| {
            let (page, session) = feed::compose_home(ctx);
            state.session = Some(session);
            state.home = Some(page.clone());
            page
        })
    }

    /// The current home again, with hearts, follows and hidden products as they are now.
    pub fn current_home(&self) -> Result<FeedPage> {
        let page = self.feed().home.clone();
        let Some(mut page) = page else { return self.home_feed() };
        let wishlisted: HashSet<String> =
            self.guard(self.store.wishlist())?.into_iter().map(|w| w.product_id).collect();
        let followed: HashSet<String> = self.guard(self.store.followed_mall_ids())?.into_iter().collect();
        let excluded = self.guard(self.store.exclusions())?;
        for section in &mut page.sections {
            section
                .cards
                .retain(|c| !excluded.products.contains(&c.product_id) && !excluded.malls.contains(&c.mall_id));
            for card in &mut section.cards {
                card.wishlisted = wishlisted.contains(&card.product_id);
            }
            for mall in &mut section.malls {
                mall.followed = followed.contains(&mall.mall_id);
            }
        }
        Ok(page)
    }

    /// The next page of the current home's "for you" grid.
    pub fn more_for_you(&self, count: u32) -> Result<Section> {
        self.compose(|ctx, state| {
            let session = continue_session(ctx, state);
            let more = feed::next_page(ctx, session, count.clamp(1, 100) as usize);
            if let Some(section) = state.home.as_mut().and_then(|h| h.sections.iter_mut().find(|s| s.id == more.id)) {
                section.cards.extend(more.cards.iter().cloned());
            }
            more
        })
    }

    /// The next page of "for you", and when the working set runs out of it and the server is
    /// there, the products ranked just after the shelf (its reserve, a window at a time) come
    /// in as visitors and the page is filled from them — without repeating anything shown.
    pub async fn more_for_you_everywhere(&self, count: u32) -> Result<Section> {
        let mut page = self.more_for_you(count)?;
        let (Some(api), true) = (self.api.as_ref(), self.config.working_set) else { return Ok(page) };
        let mut tries = 0;
        while page.cards.len() < count as usize && tries < 3 {
            tries += 1;
            let shelf = self.shelf()?;
            let offset = self.reserve_read.fetch_add(RESERVE_WINDOW, std::sync::atomic::Ordering::SeqCst);
            let Ok(raw) = api.shelf_reserve(&shelf, offset, RESERVE_WINDOW).await else {
                // Offline or refused: the window is read again next time.
                self.reserve_read.fetch_sub(RESERVE_WINDOW, std::sync::atomic::Ordering::SeqCst);
                break;
            };
            if self.keep_visitors(api, raw)?.0 == 0 {
                break; // the reserve is exhausted too
            }
            let more = self.more_for_you(count - page.cards.len() as u32)?;
            page.cards.extend(more.cards);
        }
        Ok(page)
    }

    /// The current home's "for you" grid ranked again from its first page.
    pub fn rerank_for_you(&self) -> Result<Section> {
        self.compose(|ctx, state| {
            let session = continue_session(ctx, state);
            let fresh = feed::rerank_for_you(ctx, session);
            if let Some(section) = state.home.as_mut().and_then(|h| h.sections.iter_mut().find(|s| s.id == fresh.id)) {
                section.cards = fresh.cards.clone();
            }
            fresh
        })
    }

    /// A mall's page for this shopper; `NotFound` for a mall the catalog does not have.
    pub fn mall_page(&self, mall_id: &str, limit: u32) -> Result<MallPage> {
        let page = self.compose(|ctx, _| {
            ctx.catalog.mall_by_id.get(mall_id).map(|&m| feed::mall_page(ctx, m, limit.clamp(1, 200) as usize))
        })?;
        page.ok_or_else(|| Error::NotFound(format!("mall {mall_id}")))
    }

    /// The home's paging starts over (the lists became an account's).
    pub fn forget_feed_session(&self) {
        self.feed().session = None;
    }

    /// Bring the cache up to the server's catalog; when the feed's inputs changed, the ranker's
    /// index is built again at the next feed and the apps hear of it.
    pub async fn sync(&self, options: SyncOptions, shares_behaviour: bool) -> Result<SyncReport> {
        let shelf = self.config.working_set.then(|| self.shelf()).transpose()?;
        let mut report = self.guard(sync::sync_catalog(self.api()?, &self.store, options, shelf).await)?;
        report.feed_changed = report.upserted + report.deleted > 0 || report.stats_changed || !report.malls_unchanged;
        if report.feed_changed {
            self.feed().catalog_changed();
        }
        // What searches (or the reserve) brought an hour ago and more goes: the feed does not
        // keep it fresh. The reserve is read from its start again when it may have gone.
        if self.guard(self.store.drop_visitors())? > 0 {
            self.reserve_read.store(0, std::sync::atomic::Ordering::SeqCst);
            report.feed_changed = true;
            self.feed().catalog_changed();
        }
        if shares_behaviour {
            report.viewed_together_fetched = self.fetch_viewed_together().await?;
            report.feed_changed |= report.viewed_together_fetched > 0;
        }
        report.evicted = self.keep_within_budget()?;
        if report.evicted > 0 {
            report.products_in_cache = self.guard(self.store.product_count())?;
            report.feed_changed = true;
        }
        if report.feed_changed {
            self.changes.notify(ChangeKind::Feed);
            self.changes.notify(ChangeKind::Wishlist);
        }
        Ok(report)
    }

    /// Bring the cache under its budget (`MoaConfig::cache_budget_bytes`), evicting the products
    /// this shopper is least likely to need: sold-out ones, then by `feed::least_needed_first`.
    /// It aims a tenth below the budget, so the next syncs' changes fit before it runs again;
    /// a few rounds, as rows freed from half-full pages free less than their share.
    fn keep_within_budget(&self) -> Result<u64> {
        let Some(budget) = self.config.cache_budget_bytes else { return Ok(0) };
        let mut evicted = 0;
        for _ in 0..4 {
            let (used, products) = (self.guard(self.store.used_bytes())?, self.guard(self.store.product_count())?);
            if used <= budget || products == 0 {
                break;
            }
            let per_product = used as f64 / products as f64;
            let over = ((used as f64 - budget as f64 * 0.9) / per_product).ceil() as usize;
            let mut least_needed = self.guard(self.store.sold_out_product_ids())?;
            least_needed.extend(self.compose(|ctx, _| feed::least_needed_first(ctx))?);
            let gone = self.guard(self.store.evict_products(&least_needed, over))?;
            self.feed().catalog_changed();
            evicted += gone;
            if gone == 0 {
                break; // all that is left is needed
            }
        }
        Ok(evicted)
    }

    /// Bring into the cache what the whole catalog has for `text` beyond the working set
    /// (issue #23), so that the search that follows ranks it with the rest for this shopper.
    /// Only a device holding a working set asks, and only online: offline, or when the server
    /// cannot answer, the working set alone answers. Returns how many products came.
    pub async fn fetch_search_candidates(&self, text: &str) -> Result<u64> {
        let (Some(api), true) = (self.api.as_ref(), self.config.working_set) else { return Ok(0) };
        if text.trim().is_empty() {
            return Ok(0);
        }
        // Whatever keeps the server from answering (offline, slow, an older server without
        // search), the working set answers alone.
        let Ok(raw) = api.search(text, SEARCH_CANDIDATES).await else { return Ok(0) };
        Ok(self.keep_visitors(api, raw)?.1)
    }

    /// Per-shopper candidates (issue #23): the products the population viewed together with
    /// what this shopper opened lately that the working set does not hold, fetched by id as
    /// visitors. Only for a shopper who shares behaviour (the caller says), only online.
    async fn fetch_viewed_together(&self) -> Result<u64> {
        let (Some(api), true) = (self.api.as_ref(), self.config.working_set) else { return Ok(0) };
        let recent = self.guard(self.store.recent_views(VIEWED_TOGETHER_SEEDS))?;
        let wanted = self.compose(|ctx, _| feed::unheld_viewed_together(ctx, &recent, VIEWED_TOGETHER_FETCHED))?;
        if wanted.is_empty() {
            return Ok(0);
        }
        // Offline or refused: the working set stands as it is.
        let Ok(raw) = api.products(&wanted).await else { return Ok(0) };
        Ok(self.keep_visitors(api, raw)?.1)
    }

    /// What an answer beyond the feed brought (a search, products by id, the shelf's reserve),
    /// checked as a sync checks it and kept as visitors; the ranking index is built again when
    /// any came. Returns (products found, products written).
    fn keep_visitors(&self, api: &ApiClient, raw: RawChangePage) -> Result<(usize, u64)> {
        let malls = self.guard(self.store.malls())?.into_iter().map(|m| m.id).collect();
        let found = sync::accepted_upserts(api, raw, &malls);
        let came = self.guard(self.store.put_visitors(&found))?;
        if came > 0 {
            self.feed().catalog_changed();
        }
        Ok((found.len(), came))
    }

    /// The product sheet, with its heart and its mall's follow as they are now.
    pub fn product_sheet(&self, product_id: &str) -> Result<ProductSheet> {
        let product = self.product(product_id)?;
        let malls = self.guard(self.store.malls())?;
        let listings = self.guard(self.store.same_item_listings(&product))?;
        let mut sheet = ProductSheet::with_listings(&product, &malls, &listings, self.locale);
        sheet.wishlisted = self.guard(self.store.is_wishlisted(product_id))?;
        sheet.mall_followed = self.guard(self.store.followed_mall_ids())?.contains(&sheet.mall_id);
        Ok(sheet)
    }

    pub fn set_profile(&self, profile: &ShopperProfile) -> Result<()> {
        self.guard(self.store.set_profile(profile))?;
        self.changes.notify(ChangeKind::Feed);
        Ok(())
    }

    pub fn add_to_wishlist(&self, product_id: &str, variant_id: Option<&str>) -> Result<()> {
        self.guard(self.store.add_to_wishlist(product_id, variant_id, self.now_ms()))?;
        self.changes.notify(ChangeKind::Wishlist);
        self.record(Event::WishlistAdd { product_id: product_id.to_string() })
    }

    pub fn remove_from_wishlist(&self, product_id: &str) -> Result<bool> {
        let removed = self.guard(self.store.remove_from_wishlist(product_id, self.now_ms()))?;
        if removed {
            self.changes.notify(ChangeKind::Wishlist);
            self.record(Event::WishlistRemove { product_id: product_id.to_string() })?;
        }
        Ok(removed)
    }

    pub fn follow_mall(&self, mall_id: &str) -> Result<()> {
        self.guard(self.store.follow_mall(mall_id, self.now_ms()))?;
        self.changes.notify(ChangeKind::FollowedMalls);
        self.record(Event::FollowMall { mall_id: mall_id.to_string() })
    }

    pub fn unfollow_mall(&self, mall_id: &str) -> Result<bool> {
        let removed = self.guard(self.store.unfollow_mall(mall_id, self.now_ms()))?;
        if removed {
            self.changes.notify(ChangeKind::FollowedMalls);
            self.record(Event::UnfollowMall { mall_id: mall_id.to_string() })?;
        }
        Ok(removed)
    }

    /// SQLite's full consistency check; damage found is recorded, and the next open recovers.
    pub fn verify_integrity(&self) -> Result<bool> {
        let problems = self.guard(self.store.integrity_check())?;
        if !problems.is_empty() {
            self.store.mark_damaged(&problems.join("; "));
        }
        Ok(problems.is_empty())
    }

    /// A thumbnail from the disk cache, or fetched and made now.
    pub async fn thumbnail(&self, url: &str, width: u32) -> Result<Thumbnail> {
        let api = self.api.clone();
        let max_bytes = ImageLimits::default().max_bytes;
        self.images
            .get(url, width, |url| async move {
                match api {
                    Some(api) => api.fetch_image(&url, max_bytes, &CancellationToken::new()).await,
                    None => Err(Error::Offline("no server configured".into())),
                }
            })
            .await
    }
}

/// The "for you" session to page on: the current one; after the index was rebuilt under the
/// shopper's home (a search or a sync brought products), one over the new index that shows
/// nothing the home already has; with no home at all, a new home's.
fn continue_session<'s>(ctx: &FeedContext<'_>, state: &'s mut FeedState) -> &'s mut feed::FeedSession {
    if state.session.is_none() {
        state.session = Some(match &state.home {
            Some(home) => feed::continue_home(ctx, home),
            None => feed::compose_home(ctx).1,
        });
    }
    state.session.as_mut().expect("set above")
}

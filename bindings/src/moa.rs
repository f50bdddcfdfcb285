//! The entry point the apps hold: `Moa`, one call per core call, converting on the way.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use moa_ffi_macros::export;

use crate::convert::*;
use crate::error::{MoaError, Result};
use crate::listeners::*;
use crate::records::*;

/// Moa: open it once per app process, keep it, and call everything on it.
#[derive(uniffi::Object)]
pub struct Moa {
    inner: Arc<moa_core::Moa>,
}

#[export]
impl Moa {
    /// Open (or create) the cache. Local and quick: no network, so the cached home can show at
    /// once. A damaged cache is rebuilt here (see `recovery`).
    #[uniffi::constructor]
    pub fn open(config: MoaConfig) -> Result<Arc<Self>> {
        let mut core = moa_core::MoaConfig::new(config.data_dir).locale(config.locale);
        core.server_url = config.server_url;
        core.install_id = config.install_id;
        core.working_set = config.working_set;
        core.cache_budget_bytes = config.cache_budget_bytes;
        if let Some(ms) = config.request_timeout_ms {
            core.network.request_timeout = Duration::from_millis(ms);
        }
        if let Some(clock) = config.clock {
            core.clock = moa_core::SharedClock(Arc::new(ClockBridge(clock)));
        }
        Ok(Arc::new(Moa { inner: Arc::new(moa_core::Moa::open(core)?) }))
    }

    /// Bring the cache up to the server's catalog. Runs on the core's runtime; cancelling the
    /// calling coroutine/task, or `cancellation`, stops it between pages.
    pub async fn sync(
        self: Arc<Self>,
        listener: Option<Arc<dyn SyncProgressListener>>,
        cancellation: Option<Arc<SyncCancellation>>,
    ) -> Result<SyncReport> {
        let options = moa_core::SyncOptions {
            page_limit: None,
            listener: listener.map(|l| Arc::new(ProgressBridge(l)) as Arc<dyn moa_core::SyncListener>),
            cancel: cancellation.map(|c| c.token.clone()),
        };
        Ok(self.inner.sync_with(options).await?.into())
    }

    /// The home feed from the cache (blocking, local: call it off the main thread). Starts a
    /// new home; `more_for_you` pages its "for you" grid.
    pub fn home_feed(&self) -> Result<FeedPage> {
        let page = self.inner.home_feed()?;
        Ok(FeedPage { generated_at: page.generated_at, sections: page.sections.into_iter().map(section).collect() })
    }

    /// The next `count` cards of the current home's "for you" grid, never repeating.
    pub fn more_for_you(&self, count: u32) -> Result<FeedSection> {
        Ok(section(self.inner.more_for_you(count)?))
    }

    /// `moreForYou`, and when a working set has no more for the shopper, online, the products
    /// ranked just after its shelf on the server fill the page. Runs on the core's runtime.
    pub async fn more_for_you_everywhere(self: Arc<Self>, count: u32) -> Result<FeedSection> {
        Ok(section(self.inner.more_for_you_everywhere(count).await?))
    }

    /// After an event: the "for you" grid ranked again from its first page; the home's other
    /// sections stay as they are.
    pub fn rerank_for_you(&self) -> Result<FeedSection> {
        Ok(section(self.inner.rerank_for_you()?))
    }

    /// Whether behaviour events may leave the device (off until the shopper agrees).
    pub fn set_event_consent(&self, granted: bool) -> Result<()> {
        Ok(self.inner.set_event_consent(granted)?)
    }

    /// Whether the shopper agreed to send behaviour events (off until they say so).
    pub fn event_consent(&self) -> Result<bool> {
        Ok(self.inner.event_consent()?)
    }

    /// Send the events not yet sent, only with consent; returns how many were sent.
    pub async fn upload_events(self: Arc<Self>) -> Result<u64> {
        Ok(self.inner.upload_events().await?.sent)
    }

    /// Search the cached catalog (offline too). A search still running when the next starts
    /// ends with `Cancelled`; the first page of a query is recorded as a search event.
    pub fn search(&self, request: SearchRequest) -> Result<SearchResults> {
        Ok(self.inner.search(&search_query(request)?)?.into())
    }

    /// Search the whole catalog when online: with `workingSet`, what the server finds beyond
    /// the cache comes in first and is ranked with the rest for the shopper; offline (or without
    /// a working set) the same as `search`. Runs on the core's runtime.
    pub async fn search_everywhere(self: Arc<Self>, request: SearchRequest) -> Result<SearchResults> {
        Ok(self.inner.search_everywhere(&search_query(request)?).await?.into())
    }

    /// Malls by name, id or 초성, forgiving a typo.
    pub fn search_malls(&self, text: String) -> Result<Vec<MallHit>> {
        Ok(self
            .inner
            .search_malls(&text)?
            .into_iter()
            .map(|m| MallHit { mall_id: m.mall_id, name: m.name, styles: m.styles })
            .collect())
    }

    /// A `width`-pixel-wide thumbnail of a product photo: from the core's disk cache, or fetched
    /// and made now. A bad image is `BadImage` and nothing is cached.
    pub async fn thumbnail(self: Arc<Self>, url: String, width: u32) -> Result<Thumbnail> {
        let t = self.inner.thumbnail(&url, width).await?;
        Ok(Thumbnail {
            path: t.path.display().to_string(),
            width: t.width,
            height: t.height,
            placeholder_color: t.placeholder_color,
            blurhash: t.blurhash,
            aspect_ratio: t.aspect_ratio,
        })
    }

    /// Give the core the platform's secret store (Keystore/Keychain) before signing in.
    pub fn set_secret_store(&self, store: Arc<dyn SecretStore>) {
        self.inner.set_secret_store(Arc::new(SecretBridge(store)));
    }

    /// The signed-in account, if any.
    pub fn account(&self) -> Result<Option<Account>> {
        Ok(self.inner.account()?.map(|a| Account {
            account_id: a.account_id,
            username: a.username,
            session_valid: a.session_valid,
        }))
    }

    /// Sign in; the guest's wishlist and follows join the account. Wrong credentials are
    /// `Unauthorized`.
    pub async fn sign_in(self: Arc<Self>, username: String, password: String) -> Result<Account> {
        let a = self.inner.sign_in(&username, &password).await?;
        Ok(Account { account_id: a.account_id, username: a.username, session_valid: a.session_valid })
    }

    /// Send unsent wishlist/follow changes and bring the account's lists to this device.
    pub async fn sync_account(self: Arc<Self>) -> Result<AccountSyncReport> {
        let r = self.inner.sync_account().await?;
        Ok(AccountSyncReport {
            sent: r.sent,
            duplicates: r.duplicates,
            superseded: r.superseded,
            pulled: r.pulled,
            wishlist: r.wishlist,
            followed_malls: r.followed_malls,
        })
    }

    /// Sign out; with `keep_on_device` the lists stay as the guest's. Returns how many changes
    /// could not reach the account first (offline).
    pub async fn sign_out(self: Arc<Self>, keep_on_device: bool) -> Result<u64> {
        Ok(self.inner.sign_out(keep_on_device).await?.unsent)
    }

    /// Sign out on every device of the account (a lost phone). Needs the server: offline it
    /// fails and this device stays signed in; this device keeps the lists as the guest's.
    /// Returns what `sign_out` returns.
    pub async fn sign_out_everywhere(self: Arc<Self>) -> Result<u64> {
        Ok(self.inner.sign_out_everywhere().await?.unsent)
    }

    /// Hear alerts about wishlisted products when due; None stops.
    pub fn set_alert_listener(&self, listener: Option<Arc<dyn AlertListener>>) {
        self.inner.set_alert_listener(listener.map(|l| Arc::new(AlertBridge(l)) as Arc<dyn moa_core::AlertListener>));
    }

    pub fn alert_settings(&self) -> Result<AlertSettings> {
        let s = self.inner.alert_settings()?;
        Ok(AlertSettings {
            enabled: s.enabled,
            daily_digest: s.daily_digest,
            digest_hour: s.digest_hour,
            quiet_start_hour: s.quiet_start_hour,
            quiet_end_hour: s.quiet_end_hour,
            max_per_day: s.max_per_day,
            utc_offset_minutes: s.utc_offset_minutes,
            nudge_viewed_cheaper: s.nudge_viewed_cheaper,
            nudge_last_size: s.nudge_last_size,
            nudge_cart: s.nudge_cart,
        })
    }

    pub fn set_alert_settings(&self, settings: AlertSettings) -> Result<()> {
        Ok(self.inner.set_alert_settings(&moa_core::AlertSettings {
            enabled: settings.enabled,
            daily_digest: settings.daily_digest,
            digest_hour: settings.digest_hour,
            quiet_start_hour: settings.quiet_start_hour,
            quiet_end_hour: settings.quiet_end_hour,
            max_per_day: settings.max_per_day,
            utc_offset_minutes: settings.utc_offset_minutes,
            nudge_viewed_cheaper: settings.nudge_viewed_cheaper,
            nudge_last_size: settings.nudge_last_size,
            nudge_cart: settings.nudge_cart,
        })?)
    }

    /// The shopper tapped an alert's notification (a nudge's opening counts in its mall's
    /// numbers, with consent; a click-out within the hour counts as clicked through).
    pub fn alert_opened(&self, alert_id: i64) -> Result<()> {
        Ok(self.inner.alert_opened(alert_id)?)
    }

    /// Deliver the alerts due now to the listener (and return them): call it from periodic
    /// background work; syncs call it too.
    pub fn deliver_alerts(&self) -> Result<Vec<Alert>> {
        Ok(self.inner.deliver_alerts()?.into_iter().map(alert).collect())
    }

    /// Check price and stock with the server before opening the mall (the cache answers offline).
    pub async fn live_check(self: Arc<Self>, product_id: String) -> Result<LiveCheck> {
        Ok(self.inner.live_check(&product_id).await?.into())
    }

    /// The hop to the mall: the checked, attributed link (refused with `InvalidInput` when it is
    /// not https on one of the mall's hosts); the click-out is recorded.
    pub fn click_out(&self, product_id: String, section: String, position: u32) -> Result<Outlink> {
        let o = self.inner.click_out(&product_id, &section, position)?;
        Ok(Outlink { outlink_id: o.outlink_id, url: o.url, product_id: o.product_id, mall_id: o.mall_id })
    }

    /// The click-out the shopper has not come back from yet (also after the app was killed
    /// while they were at the mall): report it with `returned_from_mall` when the app is back.
    pub fn pending_return(&self) -> Result<Option<String>> {
        Ok(self.inner.pending_return()?)
    }

    /// The product to share: its mall's page, attributed as a share, and a line about it.
    pub fn share_link(&self, product_id: String) -> Result<ShareLink> {
        let s = self.inner.share_link(&product_id)?;
        Ok(ShareLink { url: s.url, text: s.text })
    }

    /// The shopper is back from the mall (the core times how long they were away since the
    /// click-out): a rescue sheet to show, or None.
    pub fn returned_from_mall(&self, outlink_id: String) -> Result<Option<RescueSheet>> {
        Ok(self.inner.returned_from_mall(&outlink_id)?.map(|r| RescueSheet {
            outlink_id: r.outlink_id,
            title: r.title,
            cards: r.cards.into_iter().map(feed_card).collect(),
        }))
    }

    /// Onboarding answers (or all empty for a guest). Unknown words are refused.
    pub fn set_profile(&self, profile: ShopperProfile) -> Result<()> {
        let bad = |what: &str, v: &str| MoaError::InvalidInput { reason: format!("unknown {what} {v:?}") };
        let core = moa_core::ShopperProfile {
            gender: profile
                .gender
                .map(|g| moa_core::model::Gender::parse(&g).ok_or_else(|| bad("gender", &g)))
                .transpose()?,
            age_band: profile
                .age_band
                .map(|a| moa_core::model::AgeBand::parse(&a).ok_or_else(|| bad("age band", &a)))
                .transpose()?,
            styles: profile
                .styles
                .iter()
                .map(|s| moa_core::model::Style::parse(s).ok_or_else(|| bad("style", s)))
                .collect::<Result<_>>()?,
        };
        Ok(self.inner.set_profile(&core)?)
    }

    /// The onboarding answers given so far; all empty for a guest who skipped (or never saw)
    /// onboarding.
    pub fn profile(&self) -> Result<ShopperProfile> {
        let p = self.inner.profile()?;
        Ok(ShopperProfile {
            gender: p.gender.map(|g| g.as_str().to_string()),
            age_band: p.age_band.map(|a| a.as_str().to_string()),
            styles: p.styles.iter().map(|s| s.as_str().to_string()).collect(),
        })
    }

    /// The product sheet was closed: the view is recorded with how long the sheet was open (the
    /// core timed it from `product`). False when no sheet of that product was open.
    pub fn sheet_closed(&self, product_id: String) -> Result<bool> {
        Ok(self.inner.sheet_closed(&product_id)?)
    }

    /// The current home again, as the shopper has it (the same cards, the pages loaded so far),
    /// with hearts and follows as they are now and hidden cards gone; nothing re-ranked. Call it
    /// when a `ChangeListener` reports a wishlist or follow change.
    pub fn current_home(&self) -> Result<FeedPage> {
        let page = self.inner.current_home()?;
        Ok(FeedPage { sections: page.sections.into_iter().map(section).collect(), generated_at: page.generated_at })
    }

    /// QA (issue #20): what `call` costs the core alone, without crossing into Kotlin or Swift —
    /// the median of `runs` calls, in milliseconds — to set against the same call timed across
    /// the bindings (docs/BENCHMARKS.md).
    pub fn core_call_ms(&self, call: CoreCall, runs: u32) -> Result<f64> {
        let mut times = Vec::with_capacity(runs.max(1) as usize);
        for _ in 0..runs.max(1) {
            let started = std::time::Instant::now();
            match call {
                CoreCall::CurrentHome => drop(self.inner.current_home()?),
                CoreCall::RerankForYou => drop(self.inner.rerank_for_you()?),
            }
            times.push(started.elapsed().as_secs_f64() * 1e3);
        }
        times.sort_by(f64::total_cmp);
        Ok(times[times.len() / 2])
    }

    /// A mall's page (from a mall card, the sheet or the malls tab): name, concept, follow, and
    /// its first `limit` products in this shopper's order. From the cache; `NotFound` for an
    /// unknown mall.
    pub fn mall_page(&self, mall_id: String, limit: u32) -> Result<MallPage> {
        Ok(self.inner.mall_page(&mall_id, limit)?.into())
    }

    /// The words onboarding and the search filters offer, with labels in the shopper's language.
    pub fn vocabulary(&self) -> Vocabulary {
        let v = self.inner.vocabulary();
        let choices =
            |c: Vec<moa_core::Choice>| c.into_iter().map(|c| Choice { word: c.word, label: c.label }).collect();
        Vocabulary {
            genders: choices(v.genders),
            age_bands: choices(v.age_bands),
            styles: choices(v.styles),
            categories: choices(v.categories),
        }
    }

    /// The product sheet, from the cache. Opening it starts the clock of the view (see
    /// `sheet_closed`).
    pub fn product(&self, product_id: String) -> Result<ProductSheet> {
        Ok(self.inner.product_sheet(&product_id)?.into())
    }

    /// Record something the shopper did; "not interested" and "hide this mall" apply at once.
    pub fn record(&self, event: ShopperEvent) -> Result<()> {
        use moa_core::Event as E;
        Ok(self.inner.record(match event {
            ShopperEvent::ProductView { product_id, dwell_ms } => E::ProductView { product_id, dwell_ms },
            ShopperEvent::AddToCart { product_id } => E::AddToCart { product_id },
            ShopperEvent::Purchase { product_id } => E::Purchase { product_id },
            ShopperEvent::Search { query } => E::Search { query },
            ShopperEvent::ClickOut { product_id } => E::ClickOut { product_id },
            ShopperEvent::NotInterested { product_id } => E::NotInterested { product_id },
            ShopperEvent::HideMall { mall_id } => E::HideMall { mall_id },
            ShopperEvent::HideStyle { style } => E::HideStyle {
                style: moa_core::model::Style::parse(&style)
                    .ok_or_else(|| MoaError::InvalidInput { reason: format!("unknown style {style:?}") })?,
            },
            ShopperEvent::Impression { product_id, section, position } => {
                E::Impression { product_id, section, position }
            }
            ShopperEvent::RescueTapped { product_id } => E::RescueTapped { product_id },
            ShopperEvent::RescueDismissed => E::RescueDismissed,
        })?)
    }

    pub fn add_to_wishlist(&self, product_id: String, variant_id: Option<String>) -> Result<()> {
        Ok(self.inner.add_to_wishlist(&product_id, variant_id.as_deref())?)
    }

    /// True when it was on the wishlist.
    pub fn remove_from_wishlist(&self, product_id: String) -> Result<bool> {
        Ok(self.inner.remove_from_wishlist(&product_id)?)
    }

    /// The shopper's orders across malls ("주문·배송"), the latest moved first, from the cache.
    pub fn orders(&self) -> Result<Vec<OrderCard>> {
        Ok(self.inner.orders()?.into_iter().map(OrderCard::from).collect())
    }

    /// Tell the server about new click-outs and bring the orders malls reported (a sync does
    /// this too): pull-to-refresh on the orders screen.
    pub async fn sync_orders(self: Arc<Self>) -> Result<OrdersReport> {
        let r = self.inner.sync_orders().await?;
        Ok(OrdersReport { outlinks_registered: r.outlinks_registered, new_orders: r.new_orders, moved: r.moved })
    }

    /// Delete the order history on the server and the device (offline: an error, nothing
    /// deleted).
    pub async fn delete_order_history(self: Arc<Self>) -> Result<u64> {
        Ok(self.inner.delete_order_history().await?)
    }

    pub fn wishlist(&self) -> Result<Vec<WishlistItem>> {
        Ok(self.inner.wishlist()?.into_iter().map(WishlistItem::from).collect())
    }

    pub fn follow_mall(&self, mall_id: String) -> Result<()> {
        Ok(self.inner.follow_mall(&mall_id)?)
    }

    pub fn unfollow_mall(&self, mall_id: String) -> Result<bool> {
        Ok(self.inner.unfollow_mall(&mall_id)?)
    }

    pub fn followed_malls(&self) -> Result<Vec<FollowedMall>> {
        Ok(self.inner.followed_malls()?.into_iter().map(FollowedMall::from).collect())
    }

    /// Hear what changes, in batches, on a core thread, until the handle is cancelled or
    /// released.
    pub fn subscribe(&self, listener: Arc<dyn ChangeListener>) -> Arc<ListenerHandle> {
        let subscription = self.inner.subscribe(Arc::new(ChangeBridge(listener)));
        Arc::new(ListenerHandle { subscription: Mutex::new(Some(subscription)) })
    }

    /// What opening had to do about a damaged cache file, if anything.
    pub fn recovery(&self) -> Option<RecoveryReport> {
        self.inner.recovery().map(|r| RecoveryReport {
            reason: r.reason.clone(),
            moved_to: r.moved_to.display().to_string(),
            salvaged_wishlist: r.salvaged_wishlist,
            salvaged_followed_malls: r.salvaged_followed_malls,
            salvaged_settings: r.salvaged_settings,
            salvaged_events: r.salvaged_events,
            salvaged_unsent_changes: r.salvaged_list_ops,
        })
    }
}

/// A search request as the core reads it (its vocabulary checked).
fn search_query(request: SearchRequest) -> Result<moa_core::search::SearchQuery> {
    let filter = moa_core::search::SearchFilter {
        category: vocabulary(request.category, moa_core::model::Category::parse, "category")?,
        min_price: request.min_price,
        max_price: request.max_price,
        color: request.color,
        size: request.size,
        mall_id: request.mall_id,
        style: vocabulary(request.style, moa_core::model::Style::parse, "style")?,
    };
    let query = moa_core::search::SearchQuery {
        text: request.text,
        filter,
        sort: match request.sort {
            SearchSort::Relevance => moa_core::search::SearchSort::Relevance,
            SearchSort::Newest => moa_core::search::SearchSort::Newest,
            SearchSort::PriceLow => moa_core::search::SearchSort::PriceLow,
            SearchSort::PriceHigh => moa_core::search::SearchSort::PriceHigh,
        },
        offset: request.offset,
        limit: request.limit,
    };
    Ok(query)
}

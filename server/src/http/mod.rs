//! The app protocol over HTTP (axum): routes, handlers, and every error as an
//! `application/problem+json` document.

pub mod faults;
mod limits;
mod orders;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use moa_protocol::wire::{
    Conversion, EventBatch, ListKind, ListOpBatch, MallStats, Problem, SignIn, DEFAULT_PAGE_LIMIT, EVENT_TIME_RANGE_MS,
    INSTALL_KEY_HEADER, MAX_EVENT_BATCH, MAX_EVENT_FIELD, MAX_LIST_OP_BATCH, MAX_PAGE_LIMIT, PROBLEM_CONTENT_TYPE,
};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::timeout::TimeoutLayer;

use crate::clock::Clock;
use crate::db::{CatalogDb, CatalogError};
pub use faults::FaultPlan;

use crate::{accounts, images};

/// The OpenAPI description of the protocol, served at `/v1/openapi.yaml`.
pub const OPENAPI: &str = include_str!("../../../docs/openapi.yaml");

#[derive(Clone)]
pub struct AppState {
    pub catalog: Arc<CatalogDb>,
    /// Every time the server compares against (sessions, the events' window).
    pub clock: Clock,
    /// Failed sign-ins per name and per address (see `limits`).
    failed_sign_ins: Arc<limits::FailedSignIns>,
    /// New installs per address (see `limits`).
    new_installs: Arc<limits::NewInstalls>,
    /// Whether a proxy (a load balancer, nginx) stands in front: see [`ServerOptions::behind_proxy`].
    behind_proxy: bool,
}

impl AppState {
    pub fn new(catalog: Arc<CatalogDb>, clock: Clock) -> AppState {
        AppState {
            catalog,
            clock,
            failed_sign_ins: Arc::default(),
            new_installs: Arc::new(limits::NewInstalls::new(limits::INSTALLS_PER_ADDRESS)),
            behind_proxy: false,
        }
    }

    /// The address a request came from, for the limits: the connection's peer; behind a proxy,
    /// the last address of `X-Forwarded-For` — the one the proxy itself saw and appended (those
    /// before it are the client's to write, so they are not trusted).
    fn client_address(&self, peer: SocketAddr, headers: &HeaderMap) -> std::net::IpAddr {
        if !self.behind_proxy {
            return peer.ip();
        }
        headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .last()
            .and_then(|a| a.trim().parse().ok())
            .unwrap_or(peer.ip())
    }

    fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }
}

/// How a server runs besides its catalog.
#[derive(Clone, Default)]
pub struct ServerOptions {
    /// Misbehave on purpose (see [`faults`]).
    pub faults: Option<Arc<FaultPlan>>,
    /// The demo world's controls (`POST /v1/demo/…`): a mall changing its products, so QA and
    /// the apps' tests can watch syncs and alerts react. Never on a real deployment.
    pub demo_controls: bool,
    /// The server's clock; the machine's when None. A demo world built at a fixed time starts
    /// the clock there, so sessions and the events' window agree with the world on any date.
    pub clock: Option<Clock>,
    /// Requests come through a proxy that appends the client's address to `X-Forwarded-For`
    /// (`moa serve --behind-proxy`): the limits count that address, not the proxy's — else every
    /// shopper behind one load balancer would share one allowance of failed sign-ins.
    pub behind_proxy: bool,
}

/// The app protocol's routes; with a fault plan, misbehaving on purpose (see [`faults`]).
pub fn router(catalog: Arc<CatalogDb>, options: ServerOptions) -> Router {
    let state = AppState {
        behind_proxy: options.behind_proxy,
        ..AppState::new(catalog, options.clock.clone().unwrap_or_default())
    };
    let mut app = Router::new()
        .route("/v1/malls", get(malls))
        .route("/v1/catalog/changes", get(catalog_changes))
        .route("/v1/search", get(search))
        .route("/v1/products", get(products_by_id))
        .route("/v1/shelves/{shelf}/reserve", get(shelf_reserve))
        .route("/v1/stats", get(stats))
        .route("/v1/installs", axum::routing::post(register_install).layer(limit::SMALL))
        .route("/v1/events", axum::routing::post(upload_events).layer(limit::BATCH))
        .route("/v1/malls/{mall}/stats", get(mall_stats))
        .route("/v1/malls/{mall}/conversions", axum::routing::post(report_conversion).layer(limit::SMALL))
        .route("/v1/malls/{mall}/orders", axum::routing::post(orders::report_order).layer(limit::SMALL))
        .route(
            "/v1/malls/{mall}/webhooks/{platform}",
            axum::routing::post(orders::platform_webhook).layer(limit::BATCH),
        )
        .route("/v1/outlinks", axum::routing::post(orders::register_outlinks).layer(limit::SMALL))
        .route("/v1/me/orders", get(orders::my_orders).delete(orders::forget_my_orders))
        .route("/v1/images/{file}", get(product_image))
        .route("/v1/products/{id}/live", get(live_product))
        .route("/v1/session", axum::routing::post(sign_in).delete(sign_out).layer(limit::SMALL))
        .route("/v1/me/sessions", axum::routing::delete(sign_out_everywhere))
        .route("/v1/me/wishlist", get(my_wishlist))
        .route("/v1/me/wishlist/ops", axum::routing::post(my_wishlist_ops).layer(limit::BATCH))
        .route("/v1/me/follows", get(my_follows))
        .route("/v1/me/follows/ops", axum::routing::post(my_follows_ops).layer(limit::BATCH))
        .route("/v1/openapi.yaml", get(openapi));
    if options.demo_controls {
        app = app.route("/v1/demo/products/{id}/reprice", axum::routing::post(demo_reprice).layer(limit::SMALL));
    }
    let mut app = app
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state)
        // A panicking handler answers 500 instead of dropping the connection; a request that
        // takes longer than REQUEST_TIMEOUT (a body trickling in, say) answers 408.
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, REQUEST_TIMEOUT))
        .layer(CatchPanicLayer::new())
        // Every error is a problem document, the framework's own (405, 408, 413, 500) too.
        .layer(axum::middleware::map_response(as_problem));
    if let Some(plan) = options.faults {
        // Outside the server's own answers, inside compression: the faults break what a real
        // server would send, plain bodies and all.
        app = app.layer(axum::middleware::from_fn_with_state(plan, faults::inject));
    }
    // Fastest gzip: most of the win of compression at a fraction of the server's CPU.
    app.layer(CompressionLayer::new().quality(tower_http::CompressionLevel::Fastest))
}

/// A server running in this process (the CLI's `serve` and `demo`, and the tests).
pub struct RunningServer {
    pub addr: SocketAddr,
    /// Base URL, e.g. "http://127.0.0.1:38211".
    pub url: String,
    shutdown: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl RunningServer {
    /// Bind `addr` (port 0 picks a free one) and serve `catalog` until shut down.
    pub async fn start(catalog: Arc<CatalogDb>, addr: SocketAddr) -> std::io::Result<RunningServer> {
        RunningServer::start_with(catalog, addr, ServerOptions::default()).await
    }

    /// Like [`RunningServer::start`], injecting the faults of `plan`.
    pub async fn start_with_faults(
        catalog: Arc<CatalogDb>,
        addr: SocketAddr,
        plan: Option<Arc<FaultPlan>>,
    ) -> std::io::Result<RunningServer> {
        RunningServer::start_with(catalog, addr, ServerOptions { faults: plan, ..ServerOptions::default() }).await
    }

    pub async fn start_with(
        catalog: Arc<CatalogDb>,
        addr: SocketAddr,
        options: ServerOptions,
    ) -> std::io::Result<RunningServer> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let (tx, rx) = oneshot::channel::<()>();
        let app = router(catalog, options);
        let task = tokio::spawn(serve(listener, app, rx));
        Ok(RunningServer { addr, url: format!("http://{addr}"), shutdown: Some(tx), task })
    }

    /// Stop accepting, finish requests in flight, and wait until the server is gone.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = (&mut self.task).await;
    }

    /// Serve until the task ends (for `moa serve`).
    pub async fn wait(self) {
        let _ = self.task.await;
    }
}

/// An error answered as a problem document.
#[derive(Debug)]
pub struct ApiProblem(Problem);

impl ApiProblem {
    pub fn new(status: StatusCode, kind: &str, title: &str, detail: impl Into<Option<String>>) -> Self {
        ApiProblem(Problem {
            kind: format!("https://moa.app/problems/{kind}"),
            title: title.to_string(),
            status: status.as_u16(),
            detail: detail.into(),
        })
    }

    fn bad_query(detail: String) -> Self {
        ApiProblem::new(StatusCode::BAD_REQUEST, "bad-query", "Invalid query parameter", detail)
    }

    fn internal(e: impl std::fmt::Display) -> Self {
        // The cause goes to the server log, not to the client.
        eprintln!("moa-server internal error: {e}");
        ApiProblem::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "Internal server error", None)
    }
}

impl IntoResponse for ApiProblem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.0.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_string(&self.0).unwrap_or_default();
        (status, [(header::CONTENT_TYPE, PROBLEM_CONTENT_TYPE)], body).into_response()
    }
}

impl From<CatalogError> for ApiProblem {
    fn from(e: CatalogError) -> Self {
        ApiProblem::internal(e)
    }
}

/// Run catalog work off the async workers.
async fn with_catalog<T: Send + 'static>(
    state: &AppState,
    work: impl FnOnce(&CatalogDb) -> Result<T, CatalogError> + Send + 'static,
) -> Result<T, ApiProblem> {
    let catalog = Arc::clone(&state.catalog);
    tokio::task::spawn_blocking(move || work(&catalog)).await.map_err(ApiProblem::internal)?.map_err(ApiProblem::from)
}

fn json_response(body: String) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

async fn malls(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiProblem> {
    let list = with_catalog(&state, |c| c.malls()).await?;
    let body = serde_json::to_string(&list).map_err(ApiProblem::internal)?;
    conditional_json(body, &headers, "m", cache::LISTS)
}

/// `POST /v1/installs`: a new install's id and key. Counted per address (see `limits`).
async fn register_install(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Result<Response, ApiProblem> {
    let address = state.client_address(peer, &headers);
    if let Err(wait) = state.new_installs.begin(address, std::time::Instant::now()) {
        return Ok(slow_down("Too many new installs from this address", wait));
    }
    let now = state.now_ms();
    let credential = with_catalog(&state, move |c| c.register_install(now)).await?;
    let mut response = json_response(serde_json::to_string(&credential).map_err(ApiProblem::internal)?);
    *response.status_mut() = StatusCode::CREATED;
    Ok(response)
}

/// 429 with `Retry-After`.
fn slow_down(title: &str, wait: std::time::Duration) -> Response {
    let mut problem = ApiProblem::new(StatusCode::TOO_MANY_REQUESTS, "slow-down", title, None).into_response();
    problem.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(wait.as_secs().max(1)));
    problem
}

async fn upload_events(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, ApiProblem> {
    let batch: EventBatch = serde_json::from_slice(&body)
        .map_err(|e| ApiProblem::new(StatusCode::BAD_REQUEST, "bad-events", "Unreadable event batch", e.to_string()))?;
    if batch.events.len() > MAX_EVENT_BATCH {
        return Err(ApiProblem::new(
            StatusCode::BAD_REQUEST,
            "bad-events",
            "Event batch too large",
            format!("{} events; at most {MAX_EVENT_BATCH} a batch", batch.events.len()),
        ));
    }
    // Only the install itself can send its events: the key it was given proves it. A missing,
    // wrong or unknown key all answer alike; the device registers again.
    let unknown = || ApiProblem::new(StatusCode::UNAUTHORIZED, "unknown-install", "Register this install again", None);
    let key = headers.get(INSTALL_KEY_HEADER).and_then(|v| v.to_str().ok()).map(str::to_string).ok_or_else(unknown)?;
    let install = batch.install_id.clone();
    if with_catalog(&state, move |c| c.install_key_matches(&install, &key)).await? != Some(true) {
        return Err(unknown());
    }
    let now = state.now_ms();
    let result = with_catalog(&state, move |c| c.ingest_events(&batch, now)).await?;
    Ok(json_response(serde_json::to_string(&result).map_err(ApiProblem::internal)?))
}

/// The largest purchase a mall may report (a trillion in minor units).
const MAX_CONVERSION_AMOUNT: i64 = 1_000_000_000_000;

/// An amount a mall may report: bounded, so that a day's sum can never overflow, in an ISO 4217
/// code (found by schemathesis: "" was summed as if it were a currency).
fn reportable_money(m: &moa_protocol::model::Money) -> bool {
    (0..=MAX_CONVERSION_AMOUNT).contains(&m.amount)
        && m.currency.len() == 3
        && m.currency.bytes().all(|b| b.is_ascii_uppercase())
}

/// Check that the request carries `mall`'s own key (`Authorization: Bearer …`): none or an
/// unknown key is 401, another mall's key 403 (saying nothing of the mall asked for).
async fn authorise(state: &AppState, headers: &HeaderMap, mall: &str) -> Result<(), ApiProblem> {
    let unauthorised = || ApiProblem::new(StatusCode::UNAUTHORIZED, "unauthorised", "A mall key is required", None);
    let key = bearer(headers).ok_or_else(unauthorised)?;
    let owner = with_catalog(state, move |c| c.mall_of_key(&key)).await?.ok_or_else(unauthorised)?;
    if owner != mall {
        return Err(ApiProblem::new(StatusCode::FORBIDDEN, "forbidden", "This key is for another mall", None));
    }
    Ok(())
}

/// The bearer token of a request, if it has one.
fn bearer(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(str::to_string)
}

/// The account whose session token the request carries. Missing, unknown, expired and forged
/// tokens all get the same 401, which says nothing about any account.
async fn shopper(state: &AppState, headers: &HeaderMap) -> Result<String, ApiProblem> {
    let unauthorised = || ApiProblem::new(StatusCode::UNAUTHORIZED, "unauthorised", "Sign in again", None);
    let token = bearer(headers).ok_or_else(unauthorised)?;
    let now = state.now_ms();
    with_catalog(state, move |c| c.account_of_token(&token, now)).await?.ok_or_else(unauthorised)
}

async fn sign_in(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, ApiProblem> {
    let address = state.client_address(peer, &headers);
    let request: SignIn = serde_json::from_slice(&body)
        .map_err(|e| ApiProblem::new(StatusCode::BAD_REQUEST, "bad-sign-in", "Unreadable sign-in", e.to_string()))?;
    let (name, guard) = (request.username.clone(), Arc::clone(&state.failed_sign_ins));
    if let Err(wait) = guard.begin(&name, address, std::time::Instant::now()) {
        return Ok(slow_down("Too many failed sign-ins", wait));
    }
    let now = state.now_ms();
    let session =
        with_catalog(&state, move |c| c.sign_in(&request.username, &request.password, now, accounts::SESSION_TTL_MS))
            .await?;
    let Some(session) = session else {
        return Err(ApiProblem::new(StatusCode::UNAUTHORIZED, "bad-credentials", "Wrong username or password", None));
    };
    guard.succeeded(&name, address);
    Ok(json_response(serde_json::to_string(&session).map_err(ApiProblem::internal)?))
}

async fn sign_out(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiProblem> {
    shopper(&state, &headers).await?;
    let token = bearer(&headers).unwrap_or_default();
    with_catalog(&state, move |c| c.end_session(&token)).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `DELETE /v1/me/sessions`: sign out everywhere (a lost phone); this session too.
async fn sign_out_everywhere(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiProblem> {
    let account = shopper(&state, &headers).await?;
    with_catalog(&state, move |c| c.end_all_sessions(&account)).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn my_list(state: AppState, headers: HeaderMap, list: ListKind) -> Result<Response, ApiProblem> {
    let account = shopper(&state, &headers).await?;
    let items = with_catalog(&state, move |c| c.account_list(&account, list)).await?;
    Ok(json_response(serde_json::to_string(&items).map_err(ApiProblem::internal)?))
}

async fn my_list_ops(
    state: AppState,
    headers: HeaderMap,
    body: axum::body::Bytes,
    list: ListKind,
) -> Result<Response, ApiProblem> {
    let account = shopper(&state, &headers).await?;
    let bad = |detail: String| ApiProblem::new(StatusCode::BAD_REQUEST, "bad-ops", "Unreadable operations", detail);
    let batch: ListOpBatch = serde_json::from_slice(&body).map_err(|e| bad(e.to_string()))?;
    if batch.ops.len() > MAX_LIST_OP_BATCH {
        return Err(bad(format!("{} operations; at most {MAX_LIST_OP_BATCH} a batch", batch.ops.len())));
    }
    if let Some(op) = batch.ops.iter().find(|op| {
        op.op_id.is_empty() || op.op_id.len() > 64 || op.target.is_empty() || op.target.len() > 200 || op.at_ms < 0
    }) {
        return Err(bad(format!("operation {:?} needs an id of at most 64 characters, a target and a time", op.op_id)));
    }
    let result = with_catalog(&state, move |c| c.apply_list_ops(&account, list, &batch.ops)).await?;
    Ok(json_response(serde_json::to_string(&result).map_err(ApiProblem::internal)?))
}

async fn my_wishlist(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiProblem> {
    my_list(state, headers, ListKind::Wishlist).await
}

async fn my_wishlist_ops(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, ApiProblem> {
    my_list_ops(state, headers, body, ListKind::Wishlist).await
}

async fn my_follows(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiProblem> {
    my_list(state, headers, ListKind::Follows).await
}

async fn my_follows_ops(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, ApiProblem> {
    my_list_ops(state, headers, body, ListKind::Follows).await
}

/// A mall's statistics, for that mall only.
async fn mall_stats(
    State(state): State<AppState>,
    Path(mall): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiProblem> {
    authorise(&state, &headers, &mall).await?;
    let id = mall.clone();
    let days = with_catalog(&state, move |c| c.mall_stats(&id)).await?;
    let body = serde_json::to_string(&MallStats { mall_id: mall, days }).map_err(ApiProblem::internal)?;
    Ok(json_response(body))
}

/// A purchase the mall reports for one of Moa's click-outs.
async fn report_conversion(
    State(state): State<AppState>,
    Path(mall): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, ApiProblem> {
    authorise(&state, &headers, &mall).await?;
    let conversion: Conversion = serde_json::from_slice(&body).map_err(|e| {
        ApiProblem::new(StatusCode::BAD_REQUEST, "bad-conversion", "Unreadable conversion", e.to_string())
    })?;
    // Bounded so that a day's sum can never overflow, and the day is on the calendar.
    let sane = reportable_money(&conversion.amount)
        && EVENT_TIME_RANGE_MS.contains(&conversion.at_ms)
        && !conversion.outlink_id.is_empty()
        && conversion.outlink_id.len() <= MAX_EVENT_FIELD;
    if !sane {
        return Err(ApiProblem::new(
            StatusCode::BAD_REQUEST,
            "bad-conversion",
            "Unreadable conversion",
            format!(
                "an outlink id, an amount from 0 to {MAX_CONVERSION_AMOUNT} in a currency (ISO 4217) and a time on the calendar are required"
            ),
        ));
    }
    let new = with_catalog(&state, move |c| c.put_conversion(&mall, &conversion)).await?;
    Ok(json_response(serde_json::json!({ "new": new }).to_string()))
}

async fn stats(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiProblem> {
    let body = with_catalog(&state, |c| c.stats_json()).await?;
    conditional_json(body, &headers, "s", cache::LISTS)
}

/// Request bodies per route: what the largest honest request needs, and no more (413 past it).
mod limit {
    use axum::extract::DefaultBodyLimit;

    /// A sign-in, a conversion, a reprice: a few hundred bytes.
    pub const SMALL: DefaultBodyLimit = DefaultBodyLimit::max(16 * 1024);
    /// A batch of events or list changes: at most 1,000 events (about 300 bytes each) or 500
    /// list changes with their snapshots (about 1 KB each).
    pub const BATCH: DefaultBodyLimit = DefaultBodyLimit::max(1024 * 1024);
}

/// How long caches (the apps' HTTP stacks, a CDN, nginx) may keep what the server answers.
mod cache {
    /// A full change-feed page: once full, a page after a sequence number is a valid answer
    /// forever (a later change to one of its products comes again, at a higher number).
    pub const FULL_PAGE: &str = "public, max-age=31536000, immutable";
    /// The open tail of the change feed: new changes land here.
    pub const TAIL_PAGE: &str = "public, max-age=5";
    /// The mall list and the population statistics change with ingests, a few times a day.
    pub const LISTS: &str = "public, max-age=60";
}

/// A JSON body with a strong ETag of its content (the same on every replica) and its cache
/// rule; 304 when the client already has it.
fn conditional_json(
    body: String,
    headers: &HeaderMap,
    prefix: &str,
    cache_control: &'static str,
) -> Result<Response, ApiProblem> {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(body.as_bytes());
    let etag = format!("\"{prefix}-{}\"", digest[..12].iter().map(|b| format!("{b:02x}")).collect::<String>());
    let etag_value = HeaderValue::from_str(&etag).map_err(ApiProblem::internal)?;
    let cache_value = HeaderValue::from_static(cache_control);
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|tag| tag.trim() == etag || tag.trim() == "*"));
    if matches {
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, etag_value), (header::CACHE_CONTROL, cache_value)])
            .into_response());
    }
    let mut response = json_response(body);
    response.headers_mut().insert(header::ETAG, etag_value);
    response.headers_mut().insert(header::CACHE_CONTROL, cache_value);
    Ok(response)
}

/// A shelf a request names must be a segment's.
fn known_shelf(shelf: &str) -> Result<(), ApiProblem> {
    if crate::shelves::is_shelf(shelf) {
        Ok(())
    } else {
        Err(ApiProblem::bad_query(format!("shelf {shelf:?} is not a segment (e.g. women.early_20s)")))
    }
}

/// `GET /v1/search?q=&limit=`: in-stock products of the whole catalog whose words contain
/// every word of `q`, most popular first, as a change page of upserts (issue #23: a device
/// holding a working set searches everything when online).
async fn search(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiProblem> {
    let (mut text, mut limit) = (None, 50u32);
    for (key, value) in url::form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        match key.as_ref() {
            "q" => text = Some(value.into_owned()),
            "limit" => {
                let max = crate::search::MAX_RESULTS;
                limit = value.parse().ok().filter(|l| (1..=max).contains(l)).ok_or_else(|| {
                    ApiProblem::bad_query(format!("limit must be an integer from 1 to {max}, got {value:?}"))
                })?
            }
            _ => {}
        }
    }
    let text = text.filter(|t| !t.trim().is_empty()).ok_or_else(|| ApiProblem::bad_query("q is required".into()))?;
    if text.chars().count() > 100 {
        return Err(ApiProblem::bad_query("q is longer than 100 characters".into()));
    }
    // (PostgreSQL text cannot hold NUL, and no shopper types control characters.)
    if text.chars().any(char::is_control) {
        return Err(ApiProblem::bad_query("q has control characters".into()));
    }
    let body = with_catalog(&state, move |c| c.search_json(&text, limit)).await?;
    conditional_json(body, &headers, "s", cache::TAIL_PAGE)
}

/// `GET /v1/products?ids=a,b,c`: the listed, in-stock products among at most 100 ids, as a
/// change page of upserts (issue #23: what a working set lacks, fetched by a device that may).
async fn products_by_id(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiProblem> {
    let mut ids: Vec<String> = Vec::new();
    for (key, value) in url::form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        if key == "ids" {
            ids.extend(value.split(',').map(str::trim).filter(|id| !id.is_empty()).map(str::to_string));
        }
    }
    let max = crate::search::MAX_IDS;
    if ids.is_empty() || ids.len() > max {
        return Err(ApiProblem::bad_query(format!("ids must name 1 to {max} products, comma-separated")));
    }
    if ids.iter().any(|id| id.len() > 200 || id.chars().any(char::is_control)) {
        return Err(ApiProblem::bad_query("an id is too long or has control characters".into()));
    }
    let body = with_catalog(&state, move |c| c.products_json(&ids)).await?;
    conditional_json(body, &headers, "p", cache::TAIL_PAGE)
}

/// `GET /v1/shelves/{shelf}/reserve?offset=&limit=`: the in-stock products ranked just after a
/// shelf, ranks `offset..offset + limit` (issue #23: a device whose "for you" runs out).
async fn shelf_reserve(
    State(state): State<AppState>,
    Path(shelf): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiProblem> {
    known_shelf(&shelf)?;
    let (mut offset, mut limit) = (0u32, 50u32);
    for (key, value) in url::form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        let bad = || ApiProblem::bad_query(format!("{key} must be a whole number in range, got {value:?}"));
        match key.as_ref() {
            "offset" => offset = value.parse().ok().filter(|o| *o <= 1_000_000).ok_or_else(bad)?,
            "limit" => limit = value.parse().ok().filter(|l| (1..=100).contains(l)).ok_or_else(bad)?,
            _ => {}
        }
    }
    let body = with_catalog(&state, move |c| c.reserve_json(&shelf, offset, limit)).await?;
    conditional_json(body, &headers, "r", cache::LISTS)
}

async fn catalog_changes(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiProblem> {
    let mut after: u64 = 0;
    let mut limit: u32 = DEFAULT_PAGE_LIMIT;
    let mut shelf: Option<String> = None;
    for (key, value) in url::form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        match key.as_ref() {
            // A segment's working set (issue #23): its products' changes and its moves only.
            "shelf" => {
                known_shelf(&value)?;
                shelf = Some(value.into_owned());
            }
            "after" => {
                after = value.parse().map_err(|_| {
                    ApiProblem::bad_query(format!("after must be a non-negative integer, got {value:?}"))
                })?
            }
            "limit" => {
                limit = value.parse().ok().filter(|l| (1..=MAX_PAGE_LIMIT).contains(l)).ok_or_else(|| {
                    ApiProblem::bad_query(format!("limit must be an integer from 1 to {MAX_PAGE_LIMIT}, got {value:?}"))
                })?
            }
            // Unknown parameters are ignored, so that newer clients can talk to older servers.
            _ => {}
        }
    }
    if after > i64::MAX as u64 {
        return Err(ApiProblem::bad_query(format!("after {after} is beyond any sequence number")));
    }
    let body = with_catalog(&state, move |c| match &shelf {
        Some(shelf) => c.shelf_changes_json(shelf, after, limit),
        None => c.changes_json(after, limit),
    })
    .await?;
    // A page with more after it is full; the serialiser writes `"more":true` only then.
    let full = body.ends_with(",\"more\":true}");
    conditional_json(body, &headers, "c", if full { cache::FULL_PAGE } else { cache::TAIL_PAGE })
}

/// Price and stock right now, for the check before the shopper is sent to the mall. The
/// reference server answers from its catalog (which the importers keep current); the catalog row
/// is the freshest knowledge it has, so its update time is what it reports.
async fn live_product(State(state): State<AppState>, Path(id): Path<String>) -> Result<Response, ApiProblem> {
    let key = id.clone();
    let product = with_catalog(&state, move |c| c.product(&key)).await?;
    let Some(p) = product else {
        return Err(ApiProblem::new(
            StatusCode::NOT_FOUND,
            "delisted",
            "No longer sold",
            format!("{id} is not listed"),
        ));
    };
    let live = moa_protocol::wire::LiveProduct {
        product_id: p.id,
        price: p.price,
        original_price: p.original_price,
        variants: p.variants,
        checked_at_ms: p.updated_at * 1000,
    };
    Ok(json_response(serde_json::to_string(&live).map_err(ApiProblem::internal)?))
}

/// Demo control: the mall sets a product's price (an original price makes it a sale). The
/// change enters the change feed like any import.
async fn demo_reprice(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, ApiProblem> {
    #[derive(serde::Deserialize)]
    struct Reprice {
        price: i64,
        original_price: Option<i64>,
    }
    let bad = |detail: String| ApiProblem::new(StatusCode::BAD_REQUEST, "bad-reprice", "Unreadable reprice", detail);
    let r: Reprice = serde_json::from_slice(&body).map_err(|e| bad(e.to_string()))?;
    let key = id.clone();
    let Some(mut product) = with_catalog(&state, move |c| c.product(&key)).await? else {
        return Err(ApiProblem::new(
            StatusCode::NOT_FOUND,
            "not-found",
            "No such product",
            format!("no product {id:?}"),
        ));
    };
    product.price.amount = r.price;
    product.original_price =
        r.original_price.map(|amount| moa_protocol::model::Money { amount, ..product.price.clone() });
    product.updated_at = (state.now_ms() / 1000).max(product.updated_at + 1);
    product.validate().map_err(bad)?;
    let changed = with_catalog(&state, move |c| c.upsert_products(&[product])).await?;
    Ok(json_response(serde_json::json!({ "changed": changed }).to_string()))
}

async fn product_image(State(state): State<AppState>, Path(file): Path<String>) -> Result<Response, ApiProblem> {
    let Some((design, copy, view)) = images::parse_photo_file(&file) else {
        return Err(ApiProblem::new(
            StatusCode::NOT_FOUND,
            "not-found",
            "No such image",
            format!("{file:?} is not a product photo"),
        ));
    };
    let (design, copy) = (design.to_string(), copy.map(str::to_string));
    let id = design.clone();
    let product = with_catalog(&state, move |c| c.product(&id)).await?;
    let Some(product) = product else {
        return Err(ApiProblem::new(
            StatusCode::NOT_FOUND,
            "not-found",
            "No such product",
            format!("no product {design:?}"),
        ));
    };
    if view > images::gallery_views(&design) {
        return Err(ApiProblem::new(
            StatusCode::NOT_FOUND,
            "not-found",
            "No such image",
            format!("{design:?} has {} photos besides the main one", images::gallery_views(&design)),
        ));
    }
    let jpeg = tokio::task::spawn_blocking(move || images::product_view(&product, copy.as_deref(), view))
        .await
        .map_err(ApiProblem::internal)?;
    Ok(([(header::CONTENT_TYPE, "image/jpeg"), (header::CACHE_CONTROL, "public, max-age=86400")], jpeg).into_response())
}

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/yaml")], OPENAPI).into_response()
}

/// How long a connection may take to send a request's headers: a client that opens connections
/// and trickles (or never sends) its headers is cut off, so idle sockets cannot pile up.
const HEADER_READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);
/// Connections served at once; past it, new ones wait to be accepted.
const MAX_CONNECTIONS: usize = 4096;

/// Accept and serve connections until `shutdown`: HTTP/1.1 and HTTP/2, each connection's peer
/// address given to the handlers (`ConnectInfo`), headers read within [`HEADER_READ_TIMEOUT`], at
/// most [`MAX_CONNECTIONS`] at once; at shutdown, connections in flight get a few seconds.
async fn serve(listener: TcpListener, app: Router, shutdown: oneshot::Receiver<()>) {
    use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
    use tower::ServiceExt;
    let permits = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
    builder.http1().timer(TokioTimer::new()).header_read_timeout(HEADER_READ_TIMEOUT);
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            permit = Arc::clone(&permits).acquire_owned() => permit.expect("the semaphore is never closed"),
            _ = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                // Out of file descriptors, say: pause rather than spin.
                Err(_) => { tokio::time::sleep(std::time::Duration::from_millis(50)).await; continue }
            },
            _ = &mut shutdown => break,
        };
        // Without TCP_NODELAY a response written in two parts can wait for the client's delayed
        // ACK (40 ms on Linux): with pages of ~1 MB this cost a 100k sync two seconds.
        let _ = stream.set_nodelay(true);
        let service = app.clone().map_request(move |request: hyper::Request<hyper::body::Incoming>| {
            let mut request = request.map(axum::body::Body::new);
            request.extensions_mut().insert(ConnectInfo(peer));
            request
        });
        let service = hyper_util::service::TowerToHyperService::new(service);
        let (builder, watcher) = (builder.clone(), graceful.watcher());
        tokio::spawn(async move {
            // A connection that sends nothing at all is dropped too: HTTP/1's timer starts only
            // once the protocol is known, which takes the first bytes.
            let mut first = [0u8; 1];
            if let Ok(Ok(1)) = tokio::time::timeout(HEADER_READ_TIMEOUT, stream.peek(&mut first)).await {
                let connection = builder.serve_connection_with_upgrades(TokioIo::new(stream), service);
                let _ = watcher.watch(connection.into_owned()).await;
            }
            drop(permit);
        });
    }
    drop(listener);
    tokio::select! {
        _ = graceful.shutdown() => {}
        _ = tokio::time::sleep(std::time::Duration::from_secs(5)) => {}
    }
}

/// The longest a request may take, body included.
const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

async fn method_not_allowed() -> ApiProblem {
    ApiProblem::new(StatusCode::METHOD_NOT_ALLOWED, "method-not-allowed", "Method not allowed", None)
}

/// An error answer that is not a problem document yet (the framework's and the layers' own)
/// becomes one, with its status kept.
async fn as_problem(response: Response) -> Response {
    let status = response.status();
    let is_problem = response.headers().get(header::CONTENT_TYPE).is_some_and(|t| t == PROBLEM_CONTENT_TYPE);
    if !(status.is_client_error() || status.is_server_error()) || is_problem {
        return response;
    }
    let title = status.canonical_reason().unwrap_or("Error");
    let kind = title.to_lowercase().replace(' ', "-");
    let mut problem = ApiProblem::new(status, &kind, title, None).into_response();
    // What the original said of retrying stays (a 503's or 429's Retry-After).
    if let Some(retry) = response.headers().get(header::RETRY_AFTER) {
        problem.headers_mut().insert(header::RETRY_AFTER, retry.clone());
    }
    problem
}

async fn not_found() -> ApiProblem {
    ApiProblem::new(
        StatusCode::NOT_FOUND,
        "not-found",
        "Not found",
        "no such endpoint; see /v1/openapi.yaml".to_string(),
    )
}

//! `moa preview`: a QA page on 127.0.0.1 that renders the home feed, product sheet and search
//! results from the same core calls the apps make (no second ranking anywhere), with thumbnails
//! from the core's image cache, a persona switcher and buttons that record events — so QA can
//! watch the feed react. It is a QA tool, and the page says so.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use moa_core::model::{AgeBand, Gender, Style};
use moa_core::search::{SearchQuery, SearchSort};
use moa_core::{Event, Moa, MoaConfig, ShopperProfile};
use moa_server::{DemoSpec, RunningServer, ServerOptions};
use serde::Deserialize;

const PAGE: &str = include_str!("preview.html");

/// The personas QA can switch between (guest: the onboarding was skipped).
fn persona(name: &str) -> Option<ShopperProfile> {
    Some(match name {
        "guest" => ShopperProfile::default(),
        "lovely-20s" => ShopperProfile {
            gender: Some(Gender::Women),
            age_band: Some(AgeBand::Early20s),
            styles: vec![Style::Lovely, Style::Feminine],
        },
        "office-30s" => ShopperProfile {
            gender: Some(Gender::Women),
            age_band: Some(AgeBand::Early30s),
            styles: vec![Style::OfficeLook, Style::SimpleBasic],
        },
        "street-men" => ShopperProfile {
            gender: Some(Gender::Men),
            age_band: Some(AgeBand::Mid20s),
            styles: vec![Style::Street, Style::Casual],
        },
        _ => return None,
    })
}

type Shared = Arc<Moa>;

struct Failure(StatusCode, String);

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        (self.0, Json(serde_json::json!({ "error": self.1 }))).into_response()
    }
}

impl From<moa_core::Error> for Failure {
    fn from(e: moa_core::Error) -> Self {
        let status = match e {
            moa_core::Error::NotFound(_) => StatusCode::NOT_FOUND,
            moa_core::Error::InvalidInput(_) => StatusCode::BAD_REQUEST,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        Failure(status, e.to_string())
    }
}

/// Core calls are local SQLite work: off the async workers.
async fn core<T: Send + 'static>(
    moa: &Shared,
    work: impl FnOnce(&Moa) -> moa_core::Result<T> + Send + 'static,
) -> Result<T, Failure> {
    let moa = Arc::clone(moa);
    tokio::task::spawn_blocking(move || work(&moa))
        .await
        .map_err(|e| Failure(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?
        .map_err(Failure::from)
}

async fn page() -> Html<&'static str> {
    Html(PAGE)
}

async fn home(State(moa): State<Shared>) -> Result<Response, Failure> {
    let (page, profile) = core(&moa, |m| Ok((m.home_feed()?, m.profile()?))).await?;
    Ok(Json(serde_json::json!({ "home": page, "profile": profile })).into_response())
}

async fn product(State(moa): State<Shared>, Path(id): Path<String>) -> Result<Response, Failure> {
    let sheet = core(&moa, move |m| m.product_sheet(&id)).await?;
    Ok(Json(sheet).into_response())
}

#[derive(Deserialize)]
struct SearchParams {
    q: String,
}

async fn search(State(moa): State<Shared>, Query(params): Query<SearchParams>) -> Result<Response, Failure> {
    let (results, malls) = core(&moa, move |m| {
        let query =
            SearchQuery { text: params.q.clone(), sort: SearchSort::Relevance, limit: 20, ..Default::default() };
        Ok((m.search(&query)?, m.search_malls(&params.q)?))
    })
    .await?;
    Ok(Json(serde_json::json!({ "results": results, "malls": malls })).into_response())
}

#[derive(Deserialize)]
struct Action {
    kind: String,
    product_id: Option<String>,
    persona: Option<String>,
}

async fn act(State(moa): State<Shared>, Json(action): Json<Action>) -> Result<Response, Failure> {
    core(&moa, move |m| {
        let product = || action.product_id.clone().ok_or_else(|| moa_core::Error::InvalidInput("product_id".into()));
        match action.kind.as_str() {
            "view" => m.record(Event::ProductView { product_id: product()?, dwell_ms: 8_000 }),
            "wish" => m.add_to_wishlist(&product()?, None),
            "not_interested" => m.record(Event::NotInterested { product_id: product()? }),
            "persona" => {
                let name = action.persona.clone().unwrap_or_default();
                let profile = persona(&name).ok_or_else(|| moa_core::Error::InvalidInput(format!("persona {name}")))?;
                m.set_profile(&profile)
            }
            other => Err(moa_core::Error::InvalidInput(format!("action {other}"))),
        }
    })
    .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize)]
struct ThumbParams {
    url: String,
    w: Option<u32>,
}

async fn thumb(State(moa): State<Shared>, Query(params): Query<ThumbParams>) -> Result<Response, Failure> {
    let t = moa.thumbnail(&params.url, params.w.unwrap_or(400)).await?;
    let bytes = std::fs::read(&t.path).map_err(|e| Failure(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    Ok(([(header::CONTENT_TYPE, "image/jpeg"), (header::CACHE_CONTROL, "max-age=3600")], bytes).into_response())
}

#[derive(clap::Args)]
pub struct PreviewArgs {
    #[arg(long, default_value_t = 3000)]
    pub products: usize,
    #[arg(long, default_value_t = DemoSpec::DEFAULT_SEED)]
    pub seed: u64,
    /// 0 picks a free port; the first line printed is the URL.
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// Keep the cache here (a temporary directory otherwise).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
}

pub async fn run(a: PreviewArgs) -> Result<(), String> {
    preview(a.products, a.seed, a.port, a.data_dir).await
}

async fn preview(products: usize, seed: u64, port: u16, data_dir: Option<PathBuf>) -> Result<(), String> {
    let (catalog, _) = moa_server::demo_catalog(DemoSpec { seed, products, now: crate::output::unix_now() })
        .map_err(|e| e.to_string())?;
    let options = ServerOptions { demo_controls: true, ..ServerOptions::default() };
    let server = RunningServer::start_with(catalog, SocketAddr::from((Ipv4Addr::LOCALHOST, 0)), options)
        .await
        .map_err(|e| e.to_string())?;
    let temp = tempfile::tempdir().map_err(|e| e.to_string())?;
    let dir = data_dir.unwrap_or_else(|| temp.path().to_path_buf());
    let mut config = MoaConfig::new(dir).server(&server.url);
    config.install_id = "moa-preview".into();
    let moa = Arc::new(Moa::open(config).map_err(|e| e.to_string())?);
    moa.sync().await.map_err(|e| format!("sync: {e}"))?;
    let app = Router::new()
        .route("/", get(page))
        .route("/api/home", get(home))
        .route("/api/product/{id}", get(product))
        .route("/api/search", get(search))
        .route("/api/action", post(act))
        .route("/thumb", get(thumb))
        .with_state(moa);
    let listener = tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))
        .await
        .map_err(|e| format!("cannot listen on port {port}: {e}"))?;
    // The first line is the URL, so scripts and tests can read where to go.
    println!("http://{}/", listener.local_addr().map_err(|e| e.to_string())?);
    eprintln!("moa preview: a QA page over the demo world ({products} products); Ctrl-C to stop");
    tokio::select! {
        result = axum::serve(listener, app) => result.map_err(|e| e.to_string())?,
        _ = tokio::signal::ctrl_c() => {}
    }
    server.shutdown().await;
    Ok(())
}

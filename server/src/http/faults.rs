//! Fault injection: the server misbehaving the ways real networks and servers do, on purpose,
//! so that the client's resilience is tested over real HTTP (`moa serve --faults SPEC`).
//!
//! SPEC is a comma-separated list of rules `KIND[:ARG]@TRIGGER[@TARGET]`, first match wins:
//!
//! | KIND | what the client gets |
//! |---|---|
//! | `500` | a 500 problem document |
//! | `503[:S]`, `429[:S]` | that status with `Retry-After: S` (default 1) |
//! | `stall[:S]` | nothing for S seconds (default 30), then the real answer |
//! | `cut` | the real answer's headers and half its body, then the connection is cut |
//! | `truncate` | a complete 200 response holding only the first half of the body |
//! | `badjson` | a body that is not valid JSON |
//! | `skipseq` | a change page whose `next` jumps past its last change |
//! | `repeatseq` | a change page with one sequence number twice |
//! | `badproduct` | a change page whose first product is malformed (price not a number) |
//!
//! TRIGGER: `always`, a probability like `0.2`, `req=N` (the Nth request to the target,
//! counting from 1) or `req=N-M`. TARGET: `changes` (default), `malls` or `any`. A rule
//! `seed=N` seeds the random triggers.

use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::ApiProblem;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    Status500,
    Unavailable { retry_after: u64 },
    TooManyRequests { retry_after: u64 },
    Stall { secs: u64 },
    Cut,
    Truncate,
    BadJson,
    SkipSeq,
    RepeatSeq,
    BadProduct,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Trigger {
    Always,
    Rate(f64),
    Requests { from: u64, to: u64 },
}

/// Which endpoint a rule is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Changes,
    Malls,
    Any,
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Rule {
    kind: FaultKind,
    trigger: Trigger,
    target: Target,
}

/// One request the plan saw, and the fault it got (if any). Tests read these.
#[derive(Debug, Clone)]
pub struct RequestRecord {
    pub target: Target,
    /// 1-based count of requests to this target.
    pub number: u64,
    pub fault: Option<FaultKind>,
    pub at: Instant,
}

pub struct FaultPlan {
    rules: Vec<Rule>,
    changes_requests: AtomicU64,
    malls_requests: AtomicU64,
    rng: Mutex<ChaCha8Rng>,
    log: Mutex<Vec<RequestRecord>>,
}

#[derive(Debug, thiserror::Error)]
#[error("fault spec {rule:?}: {reason}")]
pub struct FaultSpecError {
    rule: String,
    reason: String,
}

impl FromStr for FaultPlan {
    type Err = FaultSpecError;

    fn from_str(spec: &str) -> Result<Self, Self::Err> {
        let mut rules = Vec::new();
        let mut seed = 1;
        for text in spec.split(',').map(str::trim).filter(|r| !r.is_empty()) {
            let bad = |reason: &str| FaultSpecError { rule: text.to_string(), reason: reason.to_string() };
            if let Some(n) = text.strip_prefix("seed=") {
                seed = n.parse().map_err(|_| bad("seed must be an integer"))?;
                continue;
            }
            let mut parts = text.split('@');
            let kind_text = parts.next().unwrap_or_default();
            let trigger_text = parts.next().ok_or_else(|| bad("missing @TRIGGER"))?;
            let target = match parts.next() {
                None | Some("changes") => Target::Changes,
                Some("malls") => Target::Malls,
                Some("any") => Target::Any,
                Some(_) => return Err(bad("target must be changes, malls or any")),
            };
            let (name, arg) = match kind_text.split_once(':') {
                Some((name, arg)) => (name, Some(arg.parse::<u64>().map_err(|_| bad("argument must be seconds"))?)),
                None => (kind_text, None),
            };
            let kind = match name {
                "500" => FaultKind::Status500,
                "503" => FaultKind::Unavailable { retry_after: arg.unwrap_or(1) },
                "429" => FaultKind::TooManyRequests { retry_after: arg.unwrap_or(1) },
                "stall" => FaultKind::Stall { secs: arg.unwrap_or(30) },
                "cut" => FaultKind::Cut,
                "truncate" => FaultKind::Truncate,
                "badjson" => FaultKind::BadJson,
                "skipseq" => FaultKind::SkipSeq,
                "repeatseq" => FaultKind::RepeatSeq,
                "badproduct" => FaultKind::BadProduct,
                _ => return Err(bad("unknown fault kind")),
            };
            let trigger = if trigger_text == "always" {
                Trigger::Always
            } else if let Some(range) = trigger_text.strip_prefix("req=") {
                let (from, to) = range.split_once('-').unwrap_or((range, range));
                let from = from.parse().map_err(|_| bad("req=N needs a number"))?;
                let to = to.parse().map_err(|_| bad("req=N-M needs numbers"))?;
                if from == 0 || to < from {
                    return Err(bad("requests count from 1, and N-M needs N <= M"));
                }
                Trigger::Requests { from, to }
            } else {
                let rate: f64 = trigger_text.parse().map_err(|_| bad("trigger must be always, req=N or a rate"))?;
                if !(0.0..=1.0).contains(&rate) {
                    return Err(bad("rate must be between 0 and 1"));
                }
                Trigger::Rate(rate)
            };
            rules.push(Rule { kind, trigger, target });
        }
        Ok(FaultPlan {
            rules,
            changes_requests: AtomicU64::new(0),
            malls_requests: AtomicU64::new(0),
            rng: Mutex::new(ChaCha8Rng::seed_from_u64(seed)),
            log: Mutex::new(Vec::new()),
        })
    }
}

impl FaultPlan {
    /// Every request to the catalog and mall endpoints so far, in arrival order.
    pub fn log(&self) -> Vec<RequestRecord> {
        self.log.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn decide(&self, target: Target) -> Option<FaultKind> {
        let number = match target {
            Target::Changes => self.changes_requests.fetch_add(1, Ordering::SeqCst) + 1,
            Target::Malls => self.malls_requests.fetch_add(1, Ordering::SeqCst) + 1,
            Target::Any => return None,
        };
        let fault = self.rules.iter().find_map(|rule| {
            if rule.target != target && rule.target != Target::Any {
                return None;
            }
            let fires = match rule.trigger {
                Trigger::Always => true,
                Trigger::Requests { from, to } => (from..=to).contains(&number),
                Trigger::Rate(rate) => self.rng.lock().unwrap_or_else(|e| e.into_inner()).random_bool(rate),
            };
            fires.then_some(rule.kind)
        });
        self.log.lock().unwrap_or_else(|e| e.into_inner()).push(RequestRecord {
            target,
            number,
            fault,
            at: Instant::now(),
        });
        fault
    }
}

/// The middleware: sits inside the compression layer, so it sees and breaks plain bodies.
pub async fn inject(State(plan): State<Arc<FaultPlan>>, request: Request, next: Next) -> Response {
    let target = match request.uri().path() {
        "/v1/catalog/changes" => Target::Changes,
        "/v1/malls" => Target::Malls,
        _ => Target::Any,
    };
    let Some(fault) = plan.decide(target) else { return next.run(request).await };
    match fault {
        FaultKind::Status500 => {
            ApiProblem::new(StatusCode::INTERNAL_SERVER_ERROR, "injected", "Injected server error", None)
                .into_response()
        }
        FaultKind::Unavailable { retry_after } => with_retry_after(
            ApiProblem::new(StatusCode::SERVICE_UNAVAILABLE, "injected", "Injected: try later", None).into_response(),
            retry_after,
        ),
        FaultKind::TooManyRequests { retry_after } => with_retry_after(
            ApiProblem::new(StatusCode::TOO_MANY_REQUESTS, "injected", "Injected: slow down", None).into_response(),
            retry_after,
        ),
        FaultKind::Stall { secs } => {
            tokio::time::sleep(Duration::from_secs(secs)).await;
            next.run(request).await
        }
        FaultKind::Cut => {
            let (parts, body) = next.run(request).await.into_parts();
            let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap_or_default();
            let half = bytes.slice(..bytes.len() / 2);
            let stream = futures_stream(half);
            let mut response = Response::from_parts(parts, Body::from_stream(stream));
            response.headers_mut().remove(header::CONTENT_LENGTH);
            response
        }
        FaultKind::Truncate => map_body(next.run(request).await, |b| b.slice(..b.len() / 2)).await,
        FaultKind::BadJson => {
            map_body(next.run(request).await, |b| {
                let mid = b.len() / 2;
                let mut broken = b[..mid].to_vec();
                broken.extend_from_slice(b"}{\"oops\":");
                broken.extend_from_slice(&b[mid..]);
                Bytes::from(broken)
            })
            .await
        }
        FaultKind::SkipSeq | FaultKind::RepeatSeq | FaultKind::BadProduct => {
            map_body(next.run(request).await, |b| {
                let Ok(mut page) = serde_json::from_slice::<serde_json::Value>(&b) else { return b };
                match fault {
                    FaultKind::SkipSeq => {
                        let next = page["next"].as_u64().unwrap_or(0);
                        page["next"] = (next + 5).into();
                    }
                    FaultKind::RepeatSeq => {
                        if let Some(changes) = page["changes"].as_array_mut() {
                            if let Some(first) = changes.first().cloned() {
                                changes.insert(1, first);
                            }
                        }
                    }
                    _ => {
                        if let Some(product) = page["changes"].get_mut(0).and_then(|c| c.get_mut("product")) {
                            product["price"] = "free".into();
                        }
                    }
                }
                Bytes::from(serde_json::to_vec(&page).unwrap_or_default())
            })
            .await
        }
    }
}

fn with_retry_after(mut response: Response, secs: u64) -> Response {
    response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
    response
}

async fn map_body(response: Response, change: impl FnOnce(Bytes) -> Bytes) -> Response {
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap_or_default();
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(change(bytes)))
}

/// A body that sends `first` and then fails, which makes the server drop the connection.
fn futures_stream(first: Bytes) -> impl futures_core::Stream<Item = Result<Bytes, std::io::Error>> + Send {
    struct CutStream {
        first: Option<Bytes>,
        failed: bool,
    }
    impl futures_core::Stream for CutStream {
        type Item = Result<Bytes, std::io::Error>;
        fn poll_next(
            mut self: std::pin::Pin<&mut Self>,
            _cx: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Option<Self::Item>> {
            if let Some(first) = self.first.take() {
                return std::task::Poll::Ready(Some(Ok(first)));
            }
            if !self.failed {
                self.failed = true;
                return std::task::Poll::Ready(Some(Err(std::io::Error::new(
                    std::io::ErrorKind::ConnectionReset,
                    "injected: connection cut mid-body",
                ))));
            }
            std::task::Poll::Ready(None)
        }
    }
    CutStream { first: Some(first), failed: false }
}

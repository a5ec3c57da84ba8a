//! Prometheus metrics: requests by route and status, webhook latency, jobs by outcome, jobs
//! that ran late, and chat-platform API errors by code. One registry per process.

use std::sync::OnceLock;
use std::time::Instant;

use axum::body::Body;
use axum::extract::{MatchedPath, Request};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteStatus {
    pub route: String,
    pub status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct Route {
    pub route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct JobOutcome {
    pub kind: String,
    pub outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ApiError {
    pub platform: String,
    pub code: String,
}

pub struct Metrics {
    registry: Registry,
    pub requests: Family<RouteStatus, Counter>,
    pub webhook_seconds: Family<Route, Histogram>,
    pub jobs: Family<JobOutcome, Counter>,
    pub jobs_late: Counter,
    pub api_errors: Family<ApiError, Counter>,
    /// Slack Socket Mode connections open now (after Slack's hello), in this process.
    pub socket_connections: prometheus_client::metrics::gauge::Gauge,
    /// Socket Mode connections that ended with an error or silence and were replaced.
    pub socket_reconnects: Counter,
}

fn latency_histogram() -> Histogram {
    Histogram::new([0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0])
}

/// The process's metrics.
pub fn metrics() -> &'static Metrics {
    static METRICS: OnceLock<Metrics> = OnceLock::new();
    METRICS.get_or_init(|| {
        let mut registry = Registry::with_prefix("pacer");
        let requests = Family::<RouteStatus, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests by route and status",
            requests.clone(),
        );
        let webhook_seconds = Family::<Route, Histogram>::new_with_constructor(
            latency_histogram as fn() -> Histogram,
        );
        registry.register(
            "webhook_duration_seconds",
            "Time to answer a chat-platform webhook",
            webhook_seconds.clone(),
        );
        let jobs = Family::<JobOutcome, Counter>::default();
        registry.register(
            "jobs",
            "Scheduled jobs by kind and outcome (claimed, sent, skipped, retried, failed)",
            jobs.clone(),
        );
        let jobs_late = Counter::default();
        registry.register(
            "jobs_due_late",
            "Jobs claimed more than a minute after they were due",
            jobs_late.clone(),
        );
        let api_errors = Family::<ApiError, Counter>::default();
        registry.register(
            "platform_api_errors",
            "Slack and Teams API errors by code",
            api_errors.clone(),
        );
        let socket_connections = prometheus_client::metrics::gauge::Gauge::default();
        registry.register(
            "slack_socket_connections",
            "Slack Socket Mode connections open now",
            socket_connections.clone(),
        );
        let socket_reconnects = Counter::default();
        registry.register(
            "slack_socket_reconnects",
            "Slack Socket Mode connections lost (an error or silence) and replaced",
            socket_reconnects.clone(),
        );
        Metrics {
            registry,
            socket_connections,
            socket_reconnects,
            requests,
            webhook_seconds,
            jobs,
            jobs_late,
            api_errors,
        }
    })
}

pub fn job(kind: &str, outcome: &str) {
    metrics()
        .jobs
        .get_or_create(&JobOutcome {
            kind: kind.to_string(),
            outcome: outcome.to_string(),
        })
        .inc();
}

pub fn api_error(platform: &str, code: &str) {
    metrics()
        .api_errors
        .get_or_create(&ApiError {
            platform: platform.to_string(),
            code: code.to_string(),
        })
        .inc();
}

/// The route pattern a request matched (never the raw path: ids would explode the label set).
fn route_of(request: &Request) -> String {
    request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".to_string())
}

/// Count every request by its route pattern (never the raw path: ids would explode the
/// label set).
pub async fn track(request: Request, next: Next) -> Response {
    let route = route_of(&request);
    let response = next.run(request).await;
    let m = metrics();
    m.requests
        .get_or_create(&RouteStatus {
            route: route.clone(),
            status: response.status().as_u16(),
        })
        .inc();
    response
}

/// Time the requests a chat platform sends (its webhooks), by route pattern; the registry puts
/// this on every platform's routes.
pub async fn time_platform_route(request: Request, next: Next) -> Response {
    let route = route_of(&request);
    let started = Instant::now();
    let response = next.run(request).await;
    metrics()
        .webhook_seconds
        .get_or_create(&Route { route })
        .observe(started.elapsed().as_secs_f64());
    response
}

pub async fn render() -> Response {
    let mut out = String::new();
    if prometheus_client::encoding::text::encode(&mut out, &metrics().registry).is_err() {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    Response::builder()
        .header(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )
        .body(Body::from(out))
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

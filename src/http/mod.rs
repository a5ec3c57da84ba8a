//! Routes that belong to no chat platform: health, readiness, metrics and the dashboard.

pub mod dashboard;
mod dashboard_team;
#[cfg(test)]
pub mod hostile;
pub mod metrics;
pub mod trend_chart;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

use crate::startup::AppState;

/// Health, readiness, the dashboard, and `/metrics` unless it has a listener of its own
/// (`PACER_METRICS_LISTEN`).
pub fn router(metrics_apart: bool) -> Router<AppState> {
    let app = Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/dashboard", get(dashboard::show));
    if metrics_apart {
        app
    } else {
        app.merge(metrics_router())
    }
}

/// `/metrics` alone, for `PACER_METRICS_LISTEN`.
pub fn metrics_router() -> Router<AppState> {
    Router::new().route("/metrics", get(metrics::render))
}

async fn healthz() -> Json<serde_json::Value> {
    Json(json!({"status": "ok"}))
}

/// Ready when the database answers, every migration is applied, and the background loops
/// (the scheduler, unless configured off, and the inbound worker) are running; a bounded wait
/// so a load balancer learns quickly that the database is gone.
async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<serde_json::Value>) {
    use crate::lifecycle::LoopState;
    let check = tokio::time::timeout(std::time::Duration::from_secs(2), state.store.ready()).await;
    let unavailable = |status: &str| {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": status })),
        )
    };
    match check {
        Ok(Ok(true)) => {}
        Ok(Ok(false)) => return unavailable("migrations pending"),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness check failed");
            return unavailable("database unreachable");
        }
        Err(_) => return unavailable("database timed out"),
    }
    let loops = [
        ("scheduler", &state.scheduler_health),
        ("inbound", &state.inbound_health),
    ];
    for (name, health) in loops {
        if health.state() == LoopState::Restarting {
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({
                    "status": format!("{name} restarting"),
                    "restarts": health.restarts(),
                })),
            );
        }
    }
    (StatusCode::OK, Json(json!({"status": "ready"})))
}

//! The one error type at the HTTP edge. Details are logged with their cause; bodies stay short
//! and never echo secrets.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("unauthorized: {0}")]
    Unauthorized(String),
    /// Authenticated, but not allowed (Teams: a key not endorsed for the channel).
    #[error("forbidden: {0}")]
    Forbidden(String),
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("not found")]
    NotFound,
    #[error("service unavailable: {0}")]
    Unavailable(String),
    #[error("internal error")]
    Internal(#[from] anyhow::Error),
}

impl From<crate::store::StoreError> for AppError {
    fn from(e: crate::store::StoreError) -> Self {
        if e.is_unavailable() {
            AppError::Unavailable("database unreachable".into())
        } else {
            AppError::Internal(e.into())
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, message) = match &self {
            AppError::Unauthorized(why) => {
                if let Some(suppressed) = REJECTIONS.admit() {
                    tracing::warn!(reason = %why, suppressed, "rejected unauthenticated request");
                }
                (
                    StatusCode::UNAUTHORIZED,
                    "invalid request signature".to_string(),
                )
            }
            AppError::Forbidden(why) => {
                if let Some(suppressed) = REJECTIONS.admit() {
                    tracing::warn!(reason = %why, suppressed, "rejected forbidden request");
                }
                (StatusCode::FORBIDDEN, "forbidden".to_string())
            }
            AppError::BadRequest(why) => (StatusCode::BAD_REQUEST, why.clone()),
            AppError::NotFound => (StatusCode::NOT_FOUND, "not found".to_string()),
            AppError::Unavailable(why) => {
                tracing::warn!(reason = %why, "service unavailable");
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "temporarily unavailable".to_string(),
                )
            }
            AppError::Internal(e) => {
                tracing::error!(error = ?e, "internal error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal error".to_string(),
                )
            }
        };
        (status, Json(json!({"error": message}))).into_response()
    }
}

/// Rejections are logged at most this many times a minute; the next line logged says how many
/// were left out, so a flood of forged requests cannot flood the log.
const REJECTIONS_PER_MINUTE: u64 = 20;

static REJECTIONS: LogBudget = LogBudget::new(REJECTIONS_PER_MINUTE);

/// A per-minute budget of log lines.
pub struct LogBudget {
    per_minute: u64,
    /// (minute since the epoch, lines logged in it, lines left out since the last one logged)
    state: std::sync::Mutex<(u64, u64, u64)>,
}

impl LogBudget {
    pub const fn new(per_minute: u64) -> Self {
        LogBudget {
            per_minute,
            state: std::sync::Mutex::new((0, 0, 0)),
        }
    }

    /// `Some(left out before this one)` when this line may be logged, `None` to drop it.
    pub fn admit(&self) -> Option<u64> {
        let minute = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs()
            / 60;
        self.admit_at(minute)
    }

    fn admit_at(&self, minute: u64) -> Option<u64> {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if s.0 != minute {
            s.0 = minute;
            s.1 = 0;
        }
        if s.1 < self.per_minute {
            s.1 += 1;
            Some(std::mem::take(&mut s.2))
        } else {
            s.2 += 1;
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flood_is_logged_a_few_times_a_minute_with_a_count_of_the_rest() {
        let b = LogBudget::new(3);
        let logged: Vec<Option<u64>> = (0..1000).map(|_| b.admit_at(7)).collect();
        assert_eq!(logged.iter().filter(|l| l.is_some()).count(), 3);
        assert_eq!(
            b.admit_at(8),
            Some(997),
            "the next minute says how many were left out"
        );
        assert_eq!(b.admit_at(8), Some(0));
    }
}

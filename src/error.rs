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
                tracing::warn!(reason = %why, "rejected unauthenticated request");
                (
                    StatusCode::UNAUTHORIZED,
                    "invalid request signature".to_string(),
                )
            }
            AppError::Forbidden(why) => {
                tracing::warn!(reason = %why, "rejected forbidden request");
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

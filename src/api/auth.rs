//! Who reads: the bearer token in `Authorization` names one workspace, and every query of the
//! request is scoped to it. Checked before anything of the request is parsed.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;

use super::error::ApiError;
use crate::domain::api_token;
use crate::startup::AppState;

/// How often a token's "last used" is written: reads should not each cost a write.
const TOUCH_EVERY_SECS: i64 = 60;

/// The workspace a request may read.
#[derive(Debug, Clone, Copy)]
pub struct Reader {
    pub workspace_id: i64,
}

impl FromRequestParts<AppState> for Reader {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let presented = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                let (scheme, token) = v.split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
            })
            .ok_or_else(|| {
                ApiError::unauthorized("send a token as `Authorization: Bearer <token>`; admins create one with `/pacer token add <label>`")
            })?;
        let refused = || ApiError::unauthorized("the token is unknown or was revoked");
        if !api_token::well_formed(presented) {
            return Err(refused());
        }
        let grant = state
            .store
            .api_token_grant(&api_token::hash(presented))
            .await?
            .ok_or_else(refused)?;
        let now = state.clock.now().timestamp();
        if grant
            .last_used_at
            .is_none_or(|at| now - at >= TOUCH_EVERY_SECS)
        {
            state
                .store
                .touch_api_token(grant.workspace_id, grant.id, now)
                .await?;
        }
        Ok(Reader {
            workspace_id: grant.workspace_id,
        })
    }
}

//! The read API, `/api/v1/…`: a workspace's priorities, teams, cycles, check-ins, decisions
//! and raised items for BI tools and scripts, read with a bearer token an admin made in chat
//! (`token add`). Nothing can be written through it. Its OpenAPI document is generated from the routes themselves
//! (each route is mounted by its `#[utoipa::path]`), served at `/api/v1/openapi.json`.

mod auth;
mod error;
mod model;
pub mod query;
mod resources;
mod reviews;

use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::routing::get;
use tower_http::set_header::SetResponseHeaderLayer;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::startup::AppState;

pub const OPENAPI_PATH: &str = "/api/v1/openapi.json";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "pacer read API",
        description = "Read one workspace's priorities, teams, check-in cycles, updates, decisions and raised items. Every request carries `Authorization: Bearer <token>`; an admin creates tokens in chat with `/pacer token add <label>`. Lists are pages in a stable order: pass `next_cursor` as `cursor` until it is null.",
    ),
    modifiers(&BearerAuth),
    tags((name = "read", description = "Read-only access to one workspace"))
)]
struct ApiDoc;

/// Declares the bearer scheme the routes' `security` names.
struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("A token from `/pacer token add <label>`"))
                    .build(),
            ),
        );
    }
}

/// The routes and the document that describes exactly them.
fn documented() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(resources::list_priorities))
        .routes(routes!(resources::get_priority))
        .routes(routes!(resources::list_teams))
        .routes(routes!(resources::list_cycles))
        .routes(routes!(resources::list_checkins))
        .routes(routes!(reviews::list_decisions))
        .routes(routes!(reviews::list_raised))
        .split_for_parts()
}

/// The OpenAPI document, as served.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = documented().1;
    doc.info.version = env!("CARGO_PKG_VERSION").to_string();
    doc
}

/// `/api/v1/…`: answers are never cached by a proxy (they hold a workspace's data).
pub fn router() -> Router<AppState> {
    let (routes, _) = documented();
    let doc = Arc::new(openapi());
    routes
        .route(
            OPENAPI_PATH,
            get(move || {
                let doc = doc.clone();
                async move { axum::Json(doc.as_ref().clone()) }
            }),
        )
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
}

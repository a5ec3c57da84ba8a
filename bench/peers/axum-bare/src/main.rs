//! The "bare route" ceiling for bench/http/run.sh: axum on tokio's multi-threaded runtime, as
//! pacer runs, answering any POST to /slack/commands or /slack/events with a fixed small JSON.
//! No signature check, no database.
//!
//!     axum-bare 3103        # listens on 127.0.0.1:3103 (or PORT)

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::post;

async fn answer() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        r#"{"response_type":"ephemeral","text":"ok"}"#,
    )
}

#[tokio::main]
async fn main() {
    let port: u16 = std::env::args()
        .nth(1)
        .or_else(|| std::env::var("PORT").ok())
        .and_then(|p| p.parse().ok())
        .unwrap_or(3103);
    let app = Router::new()
        .route("/slack/commands", post(answer))
        .route("/slack/events", post(answer));
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .expect("bind 127.0.0.1");
    println!("axum-bare peer on http://127.0.0.1:{port}/slack/commands");
    axum::serve(listener, app).await.expect("serve");
}

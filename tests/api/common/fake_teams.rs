//! A fake Bot Framework on 127.0.0.1: the OpenID metadata and signing keys (our own RSA keys,
//! with endorsements), the token endpoint, and the connector (create a conversation, send,
//! reply, update), which records every call and can be told to fail.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

pub const APP_ID: &str = "6b1f0c7e-3a52-4d6f-9a0e-2c8d4b7e91a3";
pub const APP_PASSWORD: &str = "teams-client-secret-not-for-logs";
pub const TENANT: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
pub const KID: &str = "bf-signing-key-1";
pub const UNENDORSED_KID: &str = "bf-webchat-only";

pub const BOT_KEY_PEM: &[u8] = include_bytes!("../../fixtures/teams/bot-framework-key.pem");
pub const OTHER_KEY_PEM: &[u8] = include_bytes!("../../fixtures/teams/other-key.pem");
const PUBLIC_KEYS: &str = include_str!("../../fixtures/teams/public-keys.json");

#[derive(Debug, Clone)]
pub struct ConnectorCall {
    pub method: String,
    /// `create`, `send`, `reply` or `update`.
    pub kind: String,
    pub conversation: String,
    pub activity_id: Option<String>,
    pub authorization: Option<String>,
    pub body: Value,
}

/// A failure for the next connector call of a kind.
#[derive(Debug, Clone)]
pub struct Fault {
    pub kind: String,
    pub status: u16,
    pub code: String,
    pub retry_after: Option<u64>,
}

/// A Graph presence read: (AAD object id, Authorization header).
type PresenceRead = (String, Option<String>);

/// (kid, which fixture key, endorsements).
type ServedKey = (String, String, Vec<String>);

#[derive(Clone, Default)]
struct Inner {
    base: Arc<Mutex<String>>,
    calls: Arc<Mutex<Vec<ConnectorCall>>>,
    faults: Arc<Mutex<Vec<Fault>>>,
    metadata_fetches: Arc<Mutex<u32>>,
    token_requests: Arc<Mutex<Vec<HashMap<String, String>>>>,
    /// The JWKS served: (kid, which public key, endorsements).
    keys: Arc<Mutex<Vec<ServedKey>>>,
    next_id: Arc<Mutex<u64>>,
    /// Accepted sends by conversation, and by the app, for the connector's limits.
    sends: Arc<Mutex<HashMap<String, std::collections::VecDeque<std::time::Instant>>>>,
    /// Calls answered 429 by those limits.
    throttled: Arc<Mutex<u32>>,
    /// Microsoft Graph: presence by AAD object id, and whether the tenant granted
    /// Presence.Read.All (403 when not).
    presences: Arc<Mutex<HashMap<String, Value>>>,
    presence_refused: Arc<Mutex<bool>>,
    /// Graph presence reads: (AAD object id, Authorization header).
    presence_reads: Arc<Mutex<Vec<PresenceRead>>>,
}

/// The connector's limits per bot and conversation (7 in 1 s, 8 in 2 s, 60 in 30 s, 1,800 in an
/// hour) and per app (50 a second): above them, 429 with a Retry-After, and no effect.
fn over_limit(inner: &Inner, conversation: &str) -> Option<u64> {
    let now = std::time::Instant::now();
    let mut sends = inner.sends.lock().unwrap();
    let limits: [(&str, &[(u64, usize)]); 2] = [
        (conversation, &[(1, 7), (2, 8), (30, 60), (3600, 1800)]),
        ("*app*", &[(1, 50)]),
    ];
    for (key, windows) in limits {
        if key.is_empty() {
            continue;
        }
        let log = sends.entry(key.to_string()).or_default();
        while log
            .front()
            .is_some_and(|t| now.duration_since(*t).as_secs() >= 3600)
        {
            log.pop_front();
        }
        for (secs, n) in windows {
            let inside = log
                .iter()
                .filter(|t| now.duration_since(**t).as_secs_f64() < *secs as f64)
                .count();
            if inside >= *n {
                return Some(*secs);
            }
        }
    }
    for key in [conversation, "*app*"] {
        if !key.is_empty() {
            sends.entry(key.to_string()).or_default().push_back(now);
        }
    }
    None
}

#[derive(Clone)]
pub struct FakeTeams {
    pub base: String,
    inner: Inner,
}

impl FakeTeams {
    pub async fn start() -> FakeTeams {
        let inner = Inner::default();
        *inner.keys.lock().unwrap() = vec![
            (
                KID.into(),
                "bot-framework".into(),
                vec!["msteams".into(), "webchat".into()],
            ),
            (
                UNENDORSED_KID.into(),
                "bot-framework".into(),
                vec!["webchat".into()],
            ),
        ];
        let app = Router::new()
            .route("/openid", get(openid))
            .route("/keys", get(keys))
            .route("/token", post(token))
            .route("/tenants/{tenant}/token", post(graph_token))
            .route("/graph/v1.0/users/{id}/presence", get(presence))
            .route("/connector/v3/conversations", post(create))
            .route("/connector/v3/conversations/{conv}/activities", post(send))
            .route(
                "/connector/v3/conversations/{conv}/activities/{id}",
                post(reply).put(update),
            )
            .with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        *inner.base.lock().unwrap() = base.clone();
        tokio::spawn(async move { axum::serve(listener, app).await });
        FakeTeams { base, inner }
    }

    /// The configuration pacer needs to use this fake.
    pub fn config(&self) -> Vec<(String, String)> {
        vec![
            ("TEAMS_APP_ID".into(), APP_ID.into()),
            ("TEAMS_APP_PASSWORD".into(), APP_PASSWORD.into()),
            ("TEAMS_TENANT_ID".into(), TENANT.into()),
            (
                "TEAMS_OPENID_METADATA_URL".into(),
                format!("{}/openid", self.base),
            ),
            ("TEAMS_TOKEN_URL".into(), format!("{}/token", self.base)),
            ("TEAMS_SERVICE_URL_ALLOW".into(), "127.0.0.1".into()),
            (
                "TEAMS_GRAPH_URL".into(),
                format!("{}/graph/v1.0", self.base),
            ),
            (
                "TEAMS_GRAPH_TOKEN_URL".into(),
                format!("{}/tenants/{{tenant}}/token", self.base),
            ),
        ]
    }

    /// The serviceUrl activities carry: this fake's connector.
    pub fn service_url(&self) -> String {
        format!("{}/connector/", self.base)
    }

    /// Calls the connector answered 429 because they were over its limits.
    pub fn throttled(&self) -> u32 {
        *self.inner.throttled.lock().unwrap()
    }

    pub fn calls(&self) -> Vec<ConnectorCall> {
        self.inner.calls.lock().unwrap().clone()
    }

    pub fn calls_of(&self, kind: &str) -> Vec<ConnectorCall> {
        self.calls()
            .into_iter()
            .filter(|c| c.kind == kind)
            .collect()
    }

    /// A person's Graph presence resource from now on (by AAD object id).
    pub fn set_presence(&self, aad: &str, presence: Value) {
        self.inner
            .presences
            .lock()
            .unwrap()
            .insert(aad.to_string(), presence);
    }

    /// Answer presence reads 403, as for a tenant that has not granted Presence.Read.All.
    pub fn refuse_presence(&self) {
        *self.inner.presence_refused.lock().unwrap() = true;
    }

    /// Graph presence reads so far: (AAD object id, Authorization header).
    pub fn presence_reads(&self) -> Vec<PresenceRead> {
        self.inner.presence_reads.lock().unwrap().clone()
    }

    pub fn metadata_fetches(&self) -> u32 {
        *self.inner.metadata_fetches.lock().unwrap()
    }

    pub fn token_requests(&self) -> Vec<HashMap<String, String>> {
        self.inner.token_requests.lock().unwrap().clone()
    }

    pub fn fail_next(&self, kind: &str, status: u16, code: &str, retry_after: Option<u64>) {
        self.inner.faults.lock().unwrap().push(Fault {
            kind: kind.into(),
            status,
            code: code.into(),
            retry_after,
        });
    }

    /// Serve these keys from now on: (kid, "bot-framework" | "other", endorsements).
    pub fn set_keys(&self, keys: &[(&str, &str, &[&str])]) {
        *self.inner.keys.lock().unwrap() = keys
            .iter()
            .map(|(k, which, e)| {
                (
                    k.to_string(),
                    which.to_string(),
                    e.iter().map(|s| s.to_string()).collect(),
                )
            })
            .collect();
    }

    /// Wait (up to 5 s) until at least `n` connector calls of a kind arrived.
    pub async fn wait_for(&self, kind: &str, n: usize) -> Vec<ConnectorCall> {
        for _ in 0..500 {
            let calls = self.calls_of(kind);
            if calls.len() >= n {
                return calls;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        panic!("expected {n} {kind} calls, got {:#?}", self.calls_of(kind));
    }
}

/// The claims of a Bot Framework token, to tamper with in tests.
pub fn claims(now: i64, service_url: &str) -> Value {
    json!({
        "iss": "https://api.botframework.com",
        "aud": APP_ID,
        "nbf": now - 60,
        "exp": now + 3600,
        "serviceurl": service_url,
    })
}

/// Sign claims as the Bot Framework does (RS256) with one of the fixture keys.
pub fn sign(claims: &Value, kid: &str, pem: &[u8]) -> String {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(kid.to_string());
    header.typ = Some("JWT".into());
    jsonwebtoken::encode(&header, claims, &EncodingKey::from_rsa_pem(pem).unwrap()).unwrap()
}

async fn openid(State(inner): State<Inner>) -> Response {
    *inner.metadata_fetches.lock().unwrap() += 1;
    let base = inner.base.lock().unwrap().clone();
    axum::Json(json!({
        "issuer": "https://api.botframework.com",
        "authorization_endpoint": "https://invalid.botframework.com",
        "jwks_uri": format!("{base}/keys"),
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": ["private_key_jwt"],
    }))
    .into_response()
}

async fn keys(State(inner): State<Inner>) -> Response {
    let public: Value = serde_json::from_str(PUBLIC_KEYS).unwrap();
    let keys: Vec<Value> = inner
        .keys
        .lock()
        .unwrap()
        .iter()
        .map(|(kid, which, endorsements)| {
            json!({
                "kty": "RSA", "use": "sig", "kid": kid, "x5t": kid,
                "n": public[which]["n"], "e": public[which]["e"],
                "endorsements": endorsements,
            })
        })
        .collect();
    axum::Json(json!({ "keys": keys })).into_response()
}

async fn token(State(inner): State<Inner>, body: Bytes) -> Response {
    let form: HashMap<String, String> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let ok = form.get("client_secret").map(String::as_str) == Some(APP_PASSWORD)
        && form.get("grant_type").map(String::as_str) == Some("client_credentials");
    let n = {
        let mut reqs = inner.token_requests.lock().unwrap();
        reqs.push(form);
        reqs.len()
    };
    if !ok {
        return (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({"error": "invalid_client"})),
        )
            .into_response();
    }
    axum::Json(json!({
        "token_type": "Bearer", "expires_in": 3600, "ext_expires_in": 3600,
        "access_token": format!("connector-token-{n}"),
    }))
    .into_response()
}

/// Graph's token endpoint for a tenant: the app's client credentials, Graph's scope.
async fn graph_token(Path(tenant): Path<String>, body: Bytes) -> Response {
    let form: HashMap<String, String> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let ok = tenant == TENANT
        && form.get("client_id").map(String::as_str) == Some(APP_ID)
        && form.get("client_secret").map(String::as_str) == Some(APP_PASSWORD)
        && form.get("grant_type").map(String::as_str) == Some("client_credentials")
        && form.get("scope").map(String::as_str) == Some("https://graph.microsoft.com/.default");
    if !ok {
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"error": "invalid_request"})),
        )
            .into_response();
    }
    axum::Json(json!({
        "token_type": "Bearer", "expires_in": 3599, "access_token": "graph-token-for-tenant",
    }))
    .into_response()
}

/// `GET /users/{id}/presence`, as Graph answers it.
async fn presence(
    State(inner): State<Inner>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    inner
        .presence_reads
        .lock()
        .unwrap()
        .push((id.clone(), auth.clone()));
    if auth.as_deref() != Some("Bearer graph-token-for-tenant") {
        return (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({"error": {"code": "InvalidAuthenticationToken"}})),
        )
            .into_response();
    }
    if *inner.presence_refused.lock().unwrap() {
        return (
            StatusCode::FORBIDDEN,
            axum::Json(
                json!({"error": {"code": "Forbidden", "message": "Insufficient privileges"}}),
            ),
        )
            .into_response();
    }
    let known = inner.presences.lock().unwrap().get(&id).cloned();
    let body = known.unwrap_or_else(|| {
        json!({"availability": "Available", "activity": "Available",
               "outOfOfficeSettings": {"message": null, "isOutOfOffice": false}})
    });
    let mut body = body;
    body["@odata.context"] =
        json!("https://graph.microsoft.com/v1.0/$metadata#users('x')/presence/$entity");
    body["id"] = json!(id);
    axum::Json(body).into_response()
}

fn record(
    inner: &Inner,
    method: &Method,
    kind: &str,
    conversation: &str,
    activity_id: Option<String>,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<String, Box<Response>> {
    let authorization = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    if !authorization
        .as_deref()
        .is_some_and(|a| a.starts_with("Bearer connector-token-"))
    {
        return Err(Box::new(
            (StatusCode::UNAUTHORIZED, "no connector token").into_response(),
        ));
    }
    let fault = match over_limit(inner, conversation) {
        Some(secs) => {
            *inner.throttled.lock().unwrap() += 1;
            Some(Fault {
                kind: kind.into(),
                status: 429,
                code: "Throttled".into(),
                retry_after: Some(secs),
            })
        }
        None => {
            let mut faults = inner.faults.lock().unwrap();
            faults
                .iter()
                .position(|f| f.kind == kind)
                .map(|i| faults.remove(i))
        }
    };
    if let Some(f) = fault {
        let mut response = (
            StatusCode::from_u16(f.status).unwrap(),
            axum::Json(json!({"error": {"code": f.code, "message": "injected"}})),
        )
            .into_response();
        if let Some(s) = f.retry_after {
            response
                .headers_mut()
                .insert("retry-after", s.to_string().parse().unwrap());
        }
        return Err(Box::new(response));
    }
    let id = {
        let mut n = inner.next_id.lock().unwrap();
        *n += 1;
        format!("1:activity-{n}")
    };
    inner.calls.lock().unwrap().push(ConnectorCall {
        method: method.to_string(),
        kind: kind.into(),
        conversation: conversation.into(),
        activity_id,
        authorization,
        body: serde_json::from_slice(body).unwrap_or(Value::Null),
    });
    Ok(id)
}

async fn create(
    State(inner): State<Inner>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let user = v["members"][0]["id"].as_str().unwrap_or("").to_string();
    match record(&inner, &method, "create", "", None, &headers, &body) {
        Ok(_) => axum::Json(json!({"id": format!("a:personal-{user}")})).into_response(),
        Err(r) => *r,
    }
}

async fn send(
    State(inner): State<Inner>,
    method: Method,
    Path(conv): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match record(&inner, &method, "send", &conv, None, &headers, &body) {
        Ok(id) => axum::Json(json!({ "id": id })).into_response(),
        Err(r) => *r,
    }
}

async fn reply(
    State(inner): State<Inner>,
    method: Method,
    Path((conv, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match record(&inner, &method, "reply", &conv, Some(id), &headers, &body) {
        Ok(id) => axum::Json(json!({ "id": id })).into_response(),
        Err(r) => *r,
    }
}

async fn update(
    State(inner): State<Inner>,
    method: Method,
    Path((conv, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match record(
        &inner,
        &method,
        "update",
        &conv,
        Some(id.clone()),
        &headers,
        &body,
    ) {
        Ok(_) => axum::Json(json!({ "id": id })).into_response(),
        Err(r) => *r,
    }
}

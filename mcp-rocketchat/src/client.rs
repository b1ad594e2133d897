//! Rocket.Chat over the core's upstream client: whose credentials a call carries, the password
//! login (one transparent re-login on 401), errors read with [`crate::errors`], room resolution
//! with a per-user cache, and the background startup check that feeds `/ready`.
//!
//! GETs are retried by the core (connection errors, 502/503/504, a 429 whose reset fits the
//! call's time); a send is never retried, and a 429 on it says when to retry.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use bytes::Bytes;
use chrono::Utc;
use http::Method;
use mcp_core::upstream::{Response, Upstream};
use mcp_core::{Caller, Readiness, Secret, ToolContext, ToolError};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::config::{CredentialMode, EnvCredentials, RocketChatConfig};
use crate::errors::RcError;
use crate::model::{DirectRoom, Login, Me, Room, RoomInfo, ServerInfo, User, Version};
use crate::rooms::{RoomRef, TtlCache};

/// Name of the per-request credential carrying the user id.
pub const CRED_USER_ID: &str = "rocketchat-user-id";
/// Name of the per-request credential carrying the auth token.
pub const CRED_TOKEN: &str = "rocketchat-auth-token";
/// Header of [`CRED_USER_ID`] on HTTP.
pub const HEADER_USER_ID: &str = "X-RocketChat-User-Id";
/// Header of [`CRED_TOKEN`] on HTTP.
pub const HEADER_TOKEN: &str = "X-RocketChat-Auth-Token";

/// Whose credentials one call carries.
#[derive(Clone)]
pub struct Session {
    /// `X-User-Id`.
    pub user_id: String,
    token: Secret,
    from_login: bool,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session").field("user_id", &self.user_id).finish_non_exhaustive()
    }
}

/// A request body.
#[derive(Debug, Clone)]
enum Body {
    None,
    Json(Value),
    Raw(Bytes, &'static str),
}

/// One Rocket.Chat REST call, described so it can be built again (after a re-login).
#[derive(Debug, Clone)]
pub struct Call {
    method: Method,
    label: &'static str,
    path: String,
    query: Vec<(String, String)>,
    body: Body,
    idempotent: bool,
}

impl Call {
    /// `GET /api/v1/<label>` (`label` is also the metric label: never an id in it).
    pub fn get(label: &'static str) -> Self {
        Self::new(Method::GET, label)
    }

    /// `POST /api/v1/<label>`; never repeated unless marked [`Call::idempotent`].
    pub fn post(label: &'static str) -> Self {
        Self::new(Method::POST, label)
    }

    fn new(method: Method, label: &'static str) -> Self {
        let idempotent = method == Method::GET;
        Self { method, label, path: format!("api/v1/{label}"), query: Vec::new(), body: Body::None, idempotent }
    }

    /// Another path below the base URL (for routes with ids: `api/v1/rooms.media/RID`).
    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.path = path.into();
        self
    }

    /// A query parameter.
    pub fn q(mut self, name: &str, value: impl ToString) -> Self {
        self.query.push((name.to_owned(), value.to_string()));
        self
    }

    /// A query parameter, when present.
    pub fn q_opt(self, name: &str, value: Option<impl ToString>) -> Self {
        match value {
            Some(v) => self.q(name, v),
            None => self,
        }
    }

    /// A JSON body.
    pub fn json(mut self, body: Value) -> Self {
        self.body = Body::Json(body);
        self
    }

    /// A raw body.
    pub fn raw(mut self, body: Bytes, content_type: &'static str) -> Self {
        self.body = Body::Raw(body, content_type);
        self
    }

    /// Safe to repeat (a POST that changes nothing twice, like `im.create`).
    pub fn idempotent(mut self) -> Self {
        self.idempotent = true;
        self
    }

    /// The endpoint name, for messages.
    pub fn label(&self) -> &'static str {
        self.label
    }
}

/// What the startup check and later calls learnt about the server.
#[derive(Debug, Clone, Default)]
struct ServerState {
    checked: bool,
    version: Option<Version>,
    version_text: Option<String>,
    unreachable: Option<String>,
    me: Option<String>,
    me_error: Option<String>,
    max_message_size: Option<usize>,
}

/// The Rocket.Chat client of the server.
pub struct RcClient {
    up: Upstream,
    mode: CredentialMode,
    env: Option<EnvCredentials>,
    login: tokio::sync::Mutex<Option<Session>>,
    state: RwLock<ServerState>,
    /// Resolved rooms, per user id.
    pub rooms: TtlCache<Room>,
    users: Mutex<HashMap<String, (Instant, User)>>,
    ttl: Duration,
}

impl std::fmt::Debug for RcClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RcClient").field("upstream", &self.up).field("mode", &self.mode).finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl RcClient {
    /// A client on `up` (built by the core) for `config`.
    pub fn new(up: Upstream, config: &RocketChatConfig) -> Self {
        let ttl = Duration::from_secs(config.name_cache_ttl_secs);
        Self {
            up,
            mode: config.credentials,
            env: config.env_credentials(),
            login: tokio::sync::Mutex::new(None),
            state: RwLock::new(ServerState::default()),
            rooms: TtlCache::new(ttl, 10_000),
            users: Mutex::new(HashMap::new()),
            ttl,
        }
    }

    /// The server's version, once known.
    pub fn version(&self) -> Option<Version> {
        self.state.read().map(|s| s.version).unwrap_or_default()
    }

    /// The server's base URL (for permalinks), without a trailing `/`.
    pub fn base_url(&self) -> String {
        self.up.base_url().as_str().trim_end_matches('/').to_owned()
    }

    /// The credentials of this caller.
    pub async fn session<G>(&self, ctx: &ToolContext<G>) -> Result<Session, ToolError> {
        self.session_for(&ctx.caller, ctx.deadline, &ctx.cancel).await
    }

    async fn session_for(
        &self,
        caller: &Caller,
        deadline: tokio::time::Instant,
        cancel: &tokio_util::sync::CancellationToken,
    ) -> Result<Session, ToolError> {
        if self.mode == CredentialMode::PerRequest {
            let id = caller.credential(CRED_USER_ID).filter(|s| !s.expose().trim().is_empty());
            let token = caller.credential(CRED_TOKEN).filter(|s| !s.expose().trim().is_empty());
            return match (id, token) {
                (Some(id), Some(token)) => {
                    Ok(Session { user_id: id.expose().trim().to_owned(), token: token.clone(), from_login: false })
                }
                _ => Err(ToolError::Unauthorized(format!(
                    "This server acts as each caller's own Rocket.Chat account, and this request did not say whose: \
                     send the headers {HEADER_USER_ID} (your user id) and {HEADER_TOKEN} (a personal access token from \
                     My Account → Personal Access Tokens). In LibreChat, set them as customUserVars; on stdio, set \
                     ROCKET_CHAT_USER_ID and ROCKET_CHAT_AUTH_TOKEN."
                ))),
            };
        }
        match &self.env {
            Some(EnvCredentials::Token { user_id, token }) => {
                Ok(Session { user_id: user_id.clone(), token: token.clone(), from_login: false })
            }
            Some(EnvCredentials::Login { .. }) => {
                let mut held = self.login.lock().await;
                if let Some(s) = held.as_ref() {
                    return Ok(s.clone());
                }
                let s = self.log_in(deadline, cancel).await?;
                *held = Some(s.clone());
                Ok(s)
            }
            None => Err(ToolError::Unauthorized(
                "No Rocket.Chat credentials are configured: set ROCKET_CHAT_USER_ID and ROCKET_CHAT_AUTH_TOKEN".into(),
            )),
        }
    }

    async fn log_in(
        &self,
        deadline: tokio::time::Instant,
        cancel: &tokio_util::sync::CancellationToken,
    ) -> Result<Session, ToolError> {
        let Some(EnvCredentials::Login { user, password, code }) = &self.env else {
            return Err(ToolError::internal("no password login configured"));
        };
        let mut body = json!({"user": user, "password": password.expose()});
        if let Some(c) = code {
            body["code"] = Value::String(c.expose().to_owned());
        }
        // JSON only: from 7.6 a form body is refused with 401.
        let response = self.up.post("login").path("api/v1/login").json(&body)?.send_until(deadline, cancel).await?;
        if response.status.as_u16() == 401 || response.status.as_u16() == 400 {
            let err =
                RcError::from_response("login", response.status, &response.headers, &response.body, None, Utc::now());
            let two_factor = serde_json::from_slice::<Value>(&response.body)
                .ok()
                .and_then(|v| v.get("error").and_then(Value::as_str).map(str::to_owned))
                .filter(|e| e.starts_with("totp-"));
            return Err(ToolError::Unauthorized(match two_factor {
                Some(code) => format!(
                    "Rocket.Chat asks for a two-factor code at login ({code}): set ROCKET_CHAT_TOTP_CODE, or better use a \
                     personal access token (ROCKET_CHAT_USER_ID + ROCKET_CHAT_AUTH_TOKEN)"
                ),
                None => match err {
                    RcError::Unauthorized => {
                        "Rocket.Chat refused the login: ROCKET_CHAT_USER or ROCKET_CHAT_PASSWORD is wrong".to_owned()
                    }
                    other => other.to_string(),
                },
            }));
        }
        let response = self.check(response, "login")?;
        let login: Login = response.json()?;
        Ok(Session { user_id: login.data.user_id, token: Secret::new(login.data.auth_token), from_login: true })
    }

    /// Map a non-2xx answer to a tool error through [`RcError`].
    fn check(&self, response: Response, endpoint: &str) -> Result<Response, ToolError> {
        if response.is_success() {
            return Ok(response);
        }
        let e = RcError::from_response(
            endpoint,
            response.status,
            &response.headers,
            &response.body,
            self.version(),
            Utc::now(),
        );
        Err(to_tool_error(e))
    }

    fn build<'a>(&'a self, call: &Call, session: &Session) -> Result<mcp_core::upstream::Request<'a>, ToolError> {
        let mut r = self.up.request(call.method.clone(), call.label).path(call.path.clone());
        for (k, v) in &call.query {
            r = r.query(k.clone(), v.clone());
        }
        r = r.header("x-user-id", &session.user_id).secret_header("x-auth-token", &session.token);
        r = match &call.body {
            Body::None => r,
            Body::Json(v) => r.json(v)?,
            Body::Raw(b, ct) => r.body(b.clone(), ct),
        };
        Ok(r.idempotent(call.idempotent))
    }

    /// Send `call` with the caller's credentials; a non-2xx answer is a tool error.
    pub async fn send<G>(&self, ctx: &ToolContext<G>, call: Call) -> Result<Response, ToolError> {
        let session = self.session(ctx).await?;
        self.send_as(ctx, &session, call).await
    }

    /// [`RcClient::send`] with a known session.
    pub async fn send_as<G>(&self, ctx: &ToolContext<G>, session: &Session, call: Call) -> Result<Response, ToolError> {
        let response = self.build(&call, session)?.send(ctx).await?;
        if response.status.as_u16() == 401 && session.from_login {
            // The login token expired or was removed: log in again once (a 401 was not applied,
            // so sending again cannot duplicate anything).
            let fresh = {
                let mut held = self.login.lock().await;
                if held.as_ref().is_some_and(|h| h.token.expose() == session.token.expose()) {
                    *held = None;
                }
                match held.as_ref() {
                    Some(s) => s.clone(),
                    None => {
                        let s = self.log_in(ctx.deadline, &ctx.cancel).await?;
                        *held = Some(s.clone());
                        s
                    }
                }
            };
            let again = self.build(&call, &fresh)?.send(ctx).await?;
            return self.check(again, &call.path).map_err(|e| without_secret(e, fresh.token.expose()));
        }
        if response.status.as_u16() == 401 {
            self.rooms.invalidate_user(&session.user_id);
        }
        // An error quotes Rocket.Chat's reason; a proxy or a plugin that echoes the request must
        // not make the token part of the answer.
        self.check(response, &call.path).map_err(|e| without_secret(e, session.token.expose()))
    }

    /// Send and parse the JSON answer.
    pub async fn json<T: DeserializeOwned, G>(
        &self,
        ctx: &ToolContext<G>,
        session: &Session,
        call: Call,
    ) -> Result<T, ToolError> {
        self.send_as(ctx, session, call).await?.json()
    }

    /// Resolve a room reference for this session (cached per user for the TTL).
    pub async fn room<G>(&self, ctx: &ToolContext<G>, session: &Session, room: &RoomRef) -> Result<Room, ToolError> {
        if let Some(r) = self.rooms.get(&session.user_id, room) {
            return Ok(r);
        }
        let found = match room {
            RoomRef::Direct(username) => {
                let dm: DirectRoom = self
                    .json(ctx, session, Call::post("im.create").json(json!({"username": username})).idempotent())
                    .await?;
                dm.room
            }
            RoomRef::Name(name) => self.room_info(ctx, session, "roomName", name).await?,
            RoomRef::Id(id) => match self.room_info(ctx, session, "roomId", id).await {
                Ok(r) => r,
                Err(e) => match room.name_fallback() {
                    Some(RoomRef::Name(n)) => self.room_info(ctx, session, "roomName", &n).await.map_err(|_| e)?,
                    _ => return Err(e),
                },
            },
        };
        self.rooms.insert(&session.user_id, room.clone(), found.clone());
        Ok(found)
    }

    async fn room_info<G>(
        &self,
        ctx: &ToolContext<G>,
        session: &Session,
        key: &str,
        value: &str,
    ) -> Result<Room, ToolError> {
        let info: RoomInfo = self.json(ctx, session, Call::get("rooms.info").q(key, value)).await?;
        Ok(info.room)
    }

    /// The caller's own user (`me`), cached for the TTL.
    pub async fn me<G>(&self, ctx: &ToolContext<G>, session: &Session) -> Result<User, ToolError> {
        if let Some((at, u)) = lock(&self.users).get(&session.user_id)
            && at.elapsed() < self.ttl
        {
            return Ok(u.clone());
        }
        let me: Me = self.json(ctx, session, Call::get("me")).await?;
        lock(&self.users).insert(session.user_id.clone(), (Instant::now(), me.user.clone()));
        Ok(me.user)
    }

    /// `Message_MaxAllowedSize`, read once from `settings.public` (default 5000).
    pub async fn max_message_size<G>(&self, ctx: &ToolContext<G>, session: &Session) -> usize {
        if let Some(n) = self.state.read().ok().and_then(|s| s.max_message_size) {
            return n;
        }
        let found = async {
            let v: Value =
                self.json(ctx, session, Call::get("settings.public").q("_id", "Message_MaxAllowedSize")).await.ok()?;
            v.get("settings")?
                .as_array()?
                .iter()
                .find(|s| s.get("_id").and_then(Value::as_str) == Some("Message_MaxAllowedSize"))?
                .get("value")?
                .as_u64()
        }
        .await;
        let n = found.map_or(crate::safety::DEFAULT_MAX_MESSAGE_SIZE, |n| n as usize);
        if let Ok(mut s) = self.state.write() {
            s.max_message_size = Some(n);
        }
        n
    }

    /// The startup check (run in the background): `GET /api/info`, and `GET /api/v1/me` with the
    /// env credentials.
    pub async fn startup_check(&self, timeout: Duration) {
        let deadline = tokio::time::Instant::now() + timeout;
        let cancel = tokio_util::sync::CancellationToken::new();
        let mut st = ServerState { checked: true, ..ServerState::default() };
        match self.up.get("info").path("api/info").send_until(deadline, &cancel).await {
            Ok(r) if r.is_success() => {
                if let Ok(info) = r.json::<ServerInfo>() {
                    st.version = info.version();
                    st.version_text = info.version.clone();
                }
            }
            Ok(r) => st.unreachable = Some(format!("GET /api/info answered HTTP {}", r.status.as_u16())),
            Err(e) => st.unreachable = Some(e.to_string()),
        }
        if st.unreachable.is_none() && self.mode == CredentialMode::Env {
            let ctx = ToolContext::for_caller(Arc::new(Caller::default())).with_deadline(deadline);
            match self.session(&ctx).await {
                Ok(session) => match self.me(&ctx, &session).await {
                    Ok(u) => st.me = u.username,
                    Err(e) => st.me_error = Some(e.to_string()),
                },
                Err(e) => st.me_error = Some(e.to_string()),
            }
        }
        if let Ok(mut s) = self.state.write() {
            st.max_message_size = s.max_message_size;
            *s = st;
        }
    }

    /// `/ready` from what the startup check found (and a fresh check when it failed).
    pub async fn readiness(&self, timeout: Duration) -> Readiness {
        let failed = self.state.read().map(|s| s.unreachable.is_some() || s.me_error.is_some()).unwrap_or(true);
        if failed {
            self.startup_check(timeout).await;
        }
        let s = self.state.read().map(|s| s.clone()).unwrap_or_default();
        let details = json!({
            "rocketchat": self.base_url(),
            "version": s.version_text,
            "user": s.me,
            "credentials": match self.mode { CredentialMode::Env => "env", CredentialMode::PerRequest => "per_request" },
        });
        if !s.checked {
            return Readiness::degraded("the first check of Rocket.Chat is still running", details);
        }
        if let Some(why) = s.unreachable {
            return Readiness::unavailable(format!("Rocket.Chat is not reachable: {why}"), details);
        }
        if let Some(why) = s.me_error {
            return Readiness::unavailable(format!("Rocket.Chat refused the configured credentials: {why}"), details);
        }
        Readiness::ready(details)
    }

    /// Log out the token this server created by a password login (never a token it was given).
    pub async fn logout_own_session(&self) {
        let Some(session) = self.login.lock().await.take() else { return };
        if !session.from_login {
            return;
        }
        let ctx = ToolContext::for_caller(Arc::new(Caller::default()))
            .with_deadline(tokio::time::Instant::now() + Duration::from_secs(3));
        if let Ok(r) = self.build(&Call::post("logout"), &session) {
            let _ = r.send(&ctx).await;
        }
    }
}

/// `e` with every occurrence of `secret` in its message replaced by `***`.
pub fn without_secret(e: ToolError, secret: &str) -> ToolError {
    let secret = secret.trim();
    if secret.is_empty() {
        return e;
    }
    let r = |m: String| if m.contains(secret) { m.replace(secret, "***") } else { m };
    match e {
        ToolError::InvalidArguments(m) => ToolError::InvalidArguments(r(m)),
        ToolError::NotFound(m) => ToolError::NotFound(r(m)),
        ToolError::Conflict(m) => ToolError::Conflict(r(m)),
        ToolError::PermissionDenied(m) => ToolError::PermissionDenied(r(m)),
        ToolError::Upstream(m) => ToolError::Upstream(r(m)),
        ToolError::Unauthorized(m) => ToolError::Unauthorized(r(m)),
        ToolError::Forbidden(m) => ToolError::Forbidden(r(m)),
        ToolError::RateLimited { message, retry_after } => ToolError::RateLimited { message: r(message), retry_after },
        ToolError::Unavailable(m) => ToolError::Unavailable(r(m)),
        ToolError::Timeout(m) => ToolError::Timeout(r(m)),
        ToolError::BadRequest(m) => ToolError::BadRequest(r(m)),
        ToolError::Internal(m) => ToolError::Internal(r(m)),
    }
}

/// A [`RcError`] as the core's tool error.
pub fn to_tool_error(e: RcError) -> ToolError {
    let message = e.to_string();
    match e {
        RcError::Unauthorized | RcError::TwoFactorRequired { .. } => ToolError::Unauthorized(message),
        RcError::Forbidden { .. } => ToolError::Forbidden(message),
        RcError::BadRequest { .. } => ToolError::BadRequest(message),
        RcError::EndpointMissing { .. } => ToolError::NotFound(message),
        RcError::RateLimited { retry_after, .. } => ToolError::RateLimited { message, retry_after },
        RcError::Server { .. } => ToolError::Unavailable(message),
        RcError::Unexpected { .. } => ToolError::Upstream(message),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn errors_never_carry_the_token() {
        let e = ToolError::Unavailable("Rocket.Chat failed on `x` (HTTP 500): bad token tok-123 for u1".into());
        assert_eq!(
            without_secret(e, "tok-123").to_string(),
            "Rocket.Chat failed on `x` (HTTP 500): bad token *** for u1"
        );
        let e = ToolError::RateLimited { message: "tok-123 tok-123".into(), retry_after: None };
        assert_eq!(without_secret(e, "tok-123").to_string(), "*** ***");
        // An empty secret changes nothing.
        assert_eq!(without_secret(ToolError::NotFound("a".into()), " ").to_string(), "a");
    }
}

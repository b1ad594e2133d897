//! The HTTP side: one fallback handler that finds the route (per version), authenticates,
//! applies the rate limiter, parses the body and wraps the handler's answer in the envelope.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::body::Body;
use axum::extract::{FromRequest as _, Multipart, Request, State};
use axum::response::Response;
use http::header::{CACHE_CONTROL, CONTENT_TYPE, PRAGMA};
use http::{HeaderMap, HeaderValue, Method, StatusCode};
use http_body_util::BodyExt as _;
use serde_json::{Value, json};

use super::RcVersion;
use super::error::ApiError;
use super::ratelimit::RateVerdict;
use super::routes;
use super::world::World;

/// The shared world behind the router.
pub(crate) type Shared = Arc<Mutex<World>>;

/// Lock ignoring poisoning (a panicking test must not hide the state).
pub(crate) fn lock(world: &Mutex<World>) -> MutexGuard<'_, World> {
    world.lock().unwrap_or_else(|e| e.into_inner())
}

/// One file part of a multipart body.
#[derive(Debug, Clone)]
pub(crate) struct FilePart {
    pub(crate) name: String,
    pub(crate) content_type: String,
    pub(crate) data: Vec<u8>,
}

/// Everything a route handler gets.
#[derive(Debug, Default)]
pub(crate) struct Call {
    /// Authenticated user id (empty on routes without authentication, unless headers were valid).
    pub(crate) uid: String,
    /// The token used (for logout).
    pub(crate) token: String,
    pub(crate) query: Vec<(String, String)>,
    /// JSON body (an object), or the form fields of a urlencoded / multipart body as strings.
    pub(crate) body: Value,
    /// The body was `application/x-www-form-urlencoded`.
    pub(crate) form_urlencoded: bool,
    /// Path parameters (`:rid`, `:fileId`), in order.
    pub(crate) params: Vec<String>,
    pub(crate) headers: HeaderMap,
    /// The `file` parts of a multipart body.
    pub(crate) files: Vec<FilePart>,
}

impl Call {
    /// A query parameter (the first one of that name).
    pub(crate) fn q(&self, key: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// Every value of a repeated query parameter (`status[]=a&status[]=b`).
    pub(crate) fn q_all(&self, key: &str) -> Vec<&str> {
        self.query.iter().filter(|(k, _)| k == key).map(|(_, v)| v.as_str()).collect()
    }

    /// A body field as a string (numbers and booleans are not strings).
    pub(crate) fn b(&self, key: &str) -> Option<&str> {
        self.body.get(key).and_then(Value::as_str)
    }

    /// A header as text.
    pub(crate) fn header(&self, key: &str) -> Option<&str> {
        self.headers.get(key).and_then(|v| v.to_str().ok())
    }
}

/// A route handler: the success payload (without `success`), or an error envelope.
pub(crate) type Handler = fn(&mut World, &Call) -> Result<Value, ApiError>;

/// How a route's body is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BodyKind {
    Json,
    Multipart,
}

/// One registered route.
pub(crate) struct Route {
    pub(crate) method: Method,
    /// Path below `/api/v1/`, with `:param` segments.
    pub(crate) template: &'static str,
    pub(crate) auth: bool,
    /// First version that has it.
    pub(crate) since: Option<RcVersion>,
    /// First version that no longer has it (answers 404).
    pub(crate) until: Option<RcVersion>,
    pub(crate) body: BodyKind,
    pub(crate) handler: Handler,
}

impl Route {
    /// The path parameters if `path` matches this template.
    fn matches(&self, path: &str) -> Option<Vec<String>> {
        let want: Vec<&str> = self.template.split('/').collect();
        let got: Vec<&str> = path.split('/').collect();
        if want.len() != got.len() {
            return None;
        }
        let mut params = Vec::new();
        for (w, g) in want.iter().zip(&got) {
            if w.starts_with(':') {
                if g.is_empty() {
                    return None;
                }
                params.push(percent_decode(g));
            } else if w != g {
                return None;
            }
        }
        Some(params)
    }

    fn exists_in(&self, v: RcVersion) -> bool {
        self.since.is_none_or(|s| v >= s) && self.until.is_none_or(|u| v < u)
    }
}

fn percent_decode(s: &str) -> String {
    // `+` is literal in a path; form decoding would turn it into a space.
    let escaped = s.replace('+', "%2B");
    form_urlencoded::parse(format!("x={escaped}").as_bytes()).next().map(|(_, v)| v.into_owned()).unwrap_or_default()
}

/// Build the JSON response with the server's standard headers.
fn respond(status: StatusCode, body: &Value, rate: Option<(u32, u32, i64)>) -> Response {
    let mut response = Response::new(Body::from(body.to_string()));
    *response.status_mut() = status;
    let h = response.headers_mut();
    h.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(PRAGMA, HeaderValue::from_static("no-cache"));
    if let Some((limit, remaining, reset)) = rate {
        h.insert("x-ratelimit-limit", HeaderValue::from(limit));
        h.insert("x-ratelimit-remaining", HeaderValue::from(remaining));
        h.insert("x-ratelimit-reset", HeaderValue::from(reset));
    }
    response
}

fn error_response(e: &ApiError, rate: Option<(u32, u32, i64)>) -> Response {
    respond(e.status, &e.body, rate)
}

fn success(mut payload: Value) -> Value {
    if let Value::Object(map) = &mut payload {
        map.insert("success".into(), Value::Bool(true));
        payload
    } else {
        json!({"success": true})
    }
}

/// Authenticate from `X-User-Id` + `X-Auth-Token`.
fn authenticate(world: &World, headers: &HeaderMap) -> Option<(String, String)> {
    let uid = headers.get("x-user-id")?.to_str().ok()?;
    let token = headers.get("x-auth-token")?.to_str().ok()?;
    world.authenticate(uid, token).map(|u| (u.id.clone(), token.to_owned()))
}

/// The router's only handler.
pub(crate) async fn dispatch(State(world): State<Shared>, req: Request) -> Response {
    let path = req.uri().path().to_owned();
    let method = req.method().clone();
    let query: Vec<(String, String)> = req
        .uri()
        .query()
        .map(|q| form_urlencoded::parse(q.as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned())).collect())
        .unwrap_or_default();
    let version = lock(&world).version;

    // Routes outside /api/v1: `/api/info`, and `/api/me`, which 7.8 removed.
    if path == "/api/info" && method == Method::GET {
        let w = lock(&world);
        let uid = authenticate(&w, req.headers()).map(|(u, _)| u);
        return respond(StatusCode::OK, &success(routes::info(&w, uid.as_deref())), None);
    }
    if path == "/api/me" && method == Method::GET && version < RcVersion::new(7, 8, 0) {
        let w = lock(&world);
        return match authenticate(&w, req.headers()).and_then(|(u, _)| w.user(&u).map(|u| w.user_me(u))) {
            Some(me) => respond(StatusCode::OK, &success(me), None),
            None => error_response(&ApiError::not_logged_in(version), None),
        };
    }
    let Some(rest) = path.strip_prefix("/api/v1/") else {
        return error_response(&ApiError::not_found(), None);
    };
    let table = routes::table();
    let found = table.iter().find_map(|r| {
        if r.method != method || !r.exists_in(version) {
            return None;
        }
        r.matches(rest).map(|p| (r, p))
    });
    let Some((route, params)) = found else {
        return error_response(&ApiError::not_found(), None);
    };

    // Authentication first (a 401 never reaches the rate limiter), then the limiter, keyed by
    // route template + method (the client IP is always loopback here).
    let (uid, token, rate) = {
        let mut w = lock(&world);
        let auth = authenticate(&w, req.headers());
        if route.auth && auth.is_none() {
            return error_response(&ApiError::not_logged_in(version), None);
        }
        let (uid, token) = auth.unwrap_or_default();
        let key = format!("/api/v1/{}{}", route.template, method.as_str().to_lowercase());
        let verdict = w.rate_check(route.template, &key, (!uid.is_empty()).then_some(uid.as_str()));
        let rate = match verdict {
            RateVerdict::Exempt => None,
            RateVerdict::Counted { limit, remaining, reset, allowed } => {
                if !allowed {
                    let wait = ((reset - super::world::now_ms()).max(0) + 999) / 1000;
                    let body = json!({"success": false, "error": format!(
                        "Error, too many requests. Please slow down. You must wait {wait} seconds before trying this endpoint again. [error-too-many-requests]")});
                    return respond(StatusCode::TOO_MANY_REQUESTS, &body, Some((limit, remaining, reset)));
                }
                Some((limit, remaining, reset))
            }
        };
        (uid, token, rate)
    };

    let headers = req.headers().clone();
    let content_type = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    let mut call = Call { uid, token, query, params, headers, body: json!({}), ..Call::default() };
    if route.body == BodyKind::Multipart && content_type.starts_with("multipart/form-data") {
        match read_multipart(req).await {
            Ok((fields, files)) => {
                call.body = Value::Object(fields.into_iter().map(|(k, v)| (k, Value::String(v))).collect());
                call.files = files;
            }
            Err(e) => return error_response(&e, rate),
        }
    } else {
        let bytes = match req.into_body().collect().await {
            Ok(b) => b.to_bytes(),
            Err(_) => return error_response(&ApiError::plain("Invalid body"), rate),
        };
        if content_type.starts_with("application/x-www-form-urlencoded") {
            call.form_urlencoded = true;
            call.body = Value::Object(
                form_urlencoded::parse(&bytes).map(|(k, v)| (k.into_owned(), Value::String(v.into_owned()))).collect(),
            );
        } else if !bytes.is_empty() {
            match serde_json::from_slice::<Value>(&bytes) {
                Ok(v @ Value::Object(_)) => call.body = v,
                // body-parser answers 400 on malformed JSON; the doc is silent on the text.
                _ => return error_response(&ApiError::plain("Invalid JSON body"), rate),
            }
        }
    }

    let result = {
        let mut w = lock(&world);
        (route.handler)(&mut w, &call)
    };
    match result {
        Ok(payload) => respond(StatusCode::OK, &success(payload), rate),
        Err(e) => error_response(&e, rate),
    }
}

async fn read_multipart(req: Request) -> Result<(BTreeMap<String, String>, Vec<FilePart>), ApiError> {
    let bad = |_| ApiError::meteor("invalid-field", "");
    let mut multipart = Multipart::from_request(req, &()).await.map_err(|_| ApiError::meteor("invalid-field", ""))?;
    let mut fields = BTreeMap::new();
    let mut files = Vec::new();
    while let Some(field) = multipart.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or_default().to_owned();
        if let Some(file_name) = field.file_name().map(str::to_owned) {
            let content_type = field.content_type().unwrap_or("application/octet-stream").to_owned();
            let data = field.bytes().await.map_err(bad)?.to_vec();
            if name == "file" {
                files.push(FilePart { name: file_name, content_type, data });
            }
        } else {
            let text = field.text().await.map_err(bad)?;
            fields.insert(name, text);
        }
    }
    Ok((fields, files))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dummy(_: &mut World, _: &Call) -> Result<Value, ApiError> {
        Ok(json!({}))
    }

    #[test]
    fn templates_match_segments_and_collect_params() {
        let r = Route {
            method: Method::POST,
            template: "rooms.mediaConfirm/:rid/:fileId",
            auth: true,
            since: Some(RcVersion::V6_10),
            until: None,
            body: BodyKind::Json,
            handler: dummy,
        };
        assert_eq!(r.matches("rooms.mediaConfirm/R1/F%201"), Some(vec!["R1".to_owned(), "F 1".to_owned()]));
        assert_eq!(r.matches("rooms.mediaConfirm/R1"), None);
        assert_eq!(r.matches("rooms.mediaConfirm//F"), None);
        assert!(!r.exists_in(RcVersion::V6_9));
        assert!(r.exists_in(RcVersion::V8));
    }
}

//! A stand-in for the Volcengine OpenAPI gateway in front of the RocketMQ service (Version
//! `2023-01-01`), built on [`StandIn`]: it verifies every request's V4 signature with its own code
//! ([`sign`], [`verify`]), answers each action with the fixture shapes of `fixtures/volcengine/`
//! (copied from `/work/shared/upstreams/volcengine-rocketmq-fixtures/`), keeps the little state the
//! write actions need, and can be told to fail per action.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use test_support::volcengine::VolcengineStandIn;
//! let upstream = VolcengineStandIn::start().await?;
//! upstream.add_credentials("AKLTtest", "secret", None);
//! upstream.set_variant("GetInstanceInspectResult", "empty");
//! upstream.inject_error("GetInspectConfig", "InternalError_500", 2);
//! // ... point the server under test at `upstream.url()` with region cn-beijing, service RocketMQ.
//! assert!(upstream.calls("ManualTriggerInspect").is_empty(), "never sent");
//! # Ok(())
//! # }
//! ```
//!
//! Order of the checks for each request: per-action [`Fault`]s ([`fault_action`]); `Action` and
//! `Version` present (`MissingParameter`) and known (`InvalidActionOrVersion`); the signature
//! ([`verify::verify`]); injected errors ([`inject_error`]); the body (a JSON object, or query /
//! form pairs) and its required parameters (`MissingParameter`); the action itself.
//!
//! Choices where the upstream material is silent or inconsistent (see the module's report):
//! a missing `Authorization` is `MissingAuthenticationToken` (401, 100003), one without
//! `Signature=` is `MissingSignature` (401, 100005), a non-`HMAC-SHA256` one is
//! `InvalidAuthorization` (401), a malformed scope or a session token that does not belong to the
//! key is `InvalidCredential` (401); a missing, malformed or out-of-window `X-Date` is
//! `InvalidTimestamp` (403, as the fixture); a wrong region or service in the scope, unsigned
//! required headers and a wrong `X-Content-Sha256` are `SignatureDoesNotMatch`; a rule triggered
//! again within the trigger limit gets `OperationDenied.TaskIsRunning` (403); an unknown
//! `ResultId` gets `InvalidParameter`. A `+` in the query is not a space. Value constraints
//! (page ranges, Type/InspectName pairing) are not enforced, as upstream does not enforce them.
//!
//! [`fault_action`]: VolcengineStandIn::fault_action
//! [`inject_error`]: VolcengineStandIn::inject_error

pub mod actions;
pub mod errors;
pub mod fixtures;
pub mod sign;
pub mod verify;

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::routing::any;
use bytes::Bytes;
use chrono::{DateTime, TimeDelta, Utc};
use http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use http::{HeaderMap, HeaderValue, Method, Response, StatusCode, Uri};
use serde_json::{Map, Value, json};

use crate::standin::{Fault, Recorded, StandIn};
use actions::InspectState;
use errors::ApiError;
use fixtures::Fixture;
use verify::{Credentials, SignedRequest, VerifyPolicy};

/// The API version every action of this stand-in answers to.
pub const API_VERSION: &str = "2023-01-01";

/// How long a truncated answer waits after its partial body before failing the stream.
const TRUNCATE_FLUSH_DELAY: Duration = Duration::from_millis(50);

/// What the stand-in did with one request that reached it (faults from [`fault_action`] and
/// [`StandIn::fault`] are not listed: see [`VolcengineStandIn::requests`]).
///
/// [`fault_action`]: VolcengineStandIn::fault_action
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handled {
    /// The `Action` query parameter, if any.
    pub action: Option<String>,
    /// The HTTP status answered.
    pub status: u16,
    /// `Error.Code`, for an error answer (also for an error sent with HTTP 200).
    pub error_code: Option<String>,
    /// Why the stand-in refused it (the gateway never says): a signature mismatch carries the
    /// canonical request it computed.
    pub reason: Option<String>,
    /// The access key of a request whose signature verified.
    pub access_key: Option<String>,
}

#[derive(Default)]
struct Inner {
    credentials: HashMap<String, Credentials>,
    policy: VerifyPolicy,
    gateway_skew: TimeDelta,
    service_advance: TimeDelta,
    variants: HashMap<String, Fixture>,
    results: HashMap<String, Value>,
    injected: HashMap<String, VecDeque<Fixture>>,
    faults: HashMap<String, VecDeque<Fault>>,
    inspect: InspectState,
    handled: Vec<Handled>,
}

#[derive(Default)]
struct Shared {
    inner: Mutex<Inner>,
    sequence: AtomicU64,
}

/// Lock ignoring poisoning (a panicking test must not hide the state).
fn lock(shared: &Shared) -> MutexGuard<'_, Inner> {
    shared.inner.lock().unwrap_or_else(|e| e.into_inner())
}

/// A running Volcengine RocketMQ OpenAPI stand-in on `127.0.0.1:0` (stops when dropped).
pub struct VolcengineStandIn {
    standin: StandIn,
    shared: Arc<Shared>,
}

impl std::fmt::Debug for VolcengineStandIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VolcengineStandIn").field("standin", &self.standin).finish_non_exhaustive()
    }
}

impl VolcengineStandIn {
    /// Start with upstream's policy (region `cn-beijing`, service `RocketMQ`, ±15 min) and no
    /// credentials (every request is refused until [`add_credentials`](Self::add_credentials)).
    pub async fn start() -> std::io::Result<VolcengineStandIn> {
        let shared = Arc::new(Shared::default());
        let router = Router::new().route("/", any(handle)).with_state(shared.clone());
        Ok(VolcengineStandIn { standin: StandIn::start(router).await?, shared })
    }

    /// Base URL, `http://127.0.0.1:PORT` (requests go to `/?Action=…&Version=2023-01-01`).
    pub fn url(&self) -> String {
        self.standin.url()
    }

    /// The underlying [`StandIn`]: its generic faults on path `/` hit the next request whatever
    /// its action (`standin().fault("/", [Fault::Reset])`).
    pub fn standin(&self) -> &StandIn {
        &self.standin
    }

    /// Accept requests signed with `access_key`/`secret_key`; with a `session_token`, requests
    /// must also carry it, signed, as `X-Security-Token` (STS credentials). Replaces earlier
    /// credentials of the same access key.
    pub fn add_credentials(&self, access_key: &str, secret_key: &str, session_token: Option<&str>) {
        let credentials =
            Credentials { secret_key: secret_key.to_owned(), session_token: session_token.map(str::to_owned) };
        lock(&self.shared).credentials.insert(access_key.to_owned(), credentials);
    }

    /// Forget the credentials of `access_key` (its requests then get `InvalidAccessKey`).
    pub fn remove_credentials(&self, access_key: &str) {
        lock(&self.shared).credentials.remove(access_key);
    }

    /// The region, service spellings and clock window signatures are checked against.
    pub fn policy(&self) -> VerifyPolicy {
        lock(&self.shared).policy.clone()
    }

    /// Replace the verification policy (e.g. accept the generated SDK's `rocketmq` spelling too,
    /// or another region). `ResponseMetadata.Region` follows `policy.region`.
    pub fn set_policy(&self, policy: VerifyPolicy) {
        lock(&self.shared).policy = policy;
    }

    /// Put the gateway's clock `skew` away from the system clock (the `X-Date` window is checked
    /// against it), e.g. to make a correct client's signatures look stale.
    pub fn set_gateway_clock_skew(&self, skew: TimeDelta) {
        lock(&self.shared).gateway_skew = skew;
    }

    /// Move the service's clock (trigger limit, not the signature window) forward by `by`.
    pub fn advance_service_clock(&self, by: TimeDelta) {
        lock(&self.shared).service_advance += by;
    }

    /// How long after a manual trigger the same rule of the same instance is refused
    /// (default 15 minutes; also reported as `GetInspectConfig.TriggerLimit`, in seconds).
    pub fn set_trigger_limit(&self, limit: TimeDelta) {
        lock(&self.shared).inspect.trigger_limit = limit;
    }

    /// Answer `action` with its fixture variant (file `Action.variant.json`), e.g.
    /// `("GetInstanceInspectResult", "empty")`, `("ManualTriggerInspect", "no_result_key")`,
    /// `("EnableInstanceInspect", "null_result")`, until [`clear_variant`](Self::clear_variant).
    ///
    /// # Panics
    /// If there is no such variant (a mistake in the test), listing the ones there are.
    pub fn set_variant(&self, action: &str, variant: &str) {
        let fixture = fixtures::variant(action, variant).unwrap_or_else(|| {
            panic!("no variant {action}.{variant}; the variants are {:?}", fixtures::variant_names())
        });
        lock(&self.shared).variants.insert(action.to_owned(), fixture);
    }

    /// Go back to the success fixture of `action`.
    pub fn clear_variant(&self, action: &str) {
        lock(&self.shared).variants.remove(action);
    }

    /// Answer `action` with this `Result` (in a fresh envelope) instead of its fixture; also makes
    /// an action without a fixture known (e.g. `DescribeInstances`). Write actions still change
    /// the state; read actions return `result` as given.
    pub fn set_result(&self, action: &str, result: Value) {
        lock(&self.shared).results.insert(action.to_owned(), result);
    }

    /// Answer the next `times` correctly signed calls of `action` with the error fixture `name`
    /// (its file stem, e.g. `InvalidPara_400`, `Envelope_Error_with_HTTP200`, or
    /// `errors/….json`) and the status `index.json` gives it (200 for the HTTP-200 error). The
    /// envelope gets a fresh RequestId and the call's Action. Queued after earlier injections.
    ///
    /// # Panics
    /// If there is no such error fixture (a mistake in the test), listing the ones there are.
    pub fn inject_error(&self, action: &str, name: &str, times: usize) {
        let fixture = fixtures::error(name)
            .unwrap_or_else(|| panic!("no error fixture {name:?}; the errors are {:?}", fixtures::error_names()));
        let mut inner = lock(&self.shared);
        inner.injected.entry(action.to_owned()).or_default().extend(std::iter::repeat_n(fixture, times));
    }

    /// Apply StandIn [`Fault`]s to the next calls of `action` only, one fault per call, before
    /// anything else is checked: `Fault::Respond` answers as given, `Fault::Delay` waits then
    /// serves normally, `Fault::Reset` closes the connection without an answer, `Fault::Hang`
    /// waits then does the same, `Fault::Truncate` sends a partial body.
    pub fn fault_action(&self, action: &str, faults: impl IntoIterator<Item = Fault>) {
        lock(&self.shared).faults.entry(action.to_owned()).or_default().extend(faults);
    }

    /// Drop every queued injected error and per-action fault.
    pub fn clear_injections(&self) {
        let mut inner = lock(&self.shared);
        inner.injected.clear();
        inner.faults.clear();
    }

    /// Every request received (faulted ones included), in arrival order.
    pub fn requests(&self) -> Vec<Recorded> {
        self.standin.requests()
    }

    /// The requests whose `Action` query parameter is `action`, in arrival order (for "never
    /// sent" / "sent once" assertions).
    pub fn calls(&self, action: &str) -> Vec<Recorded> {
        self.standin
            .requests()
            .into_iter()
            .filter(|r| r.query_pairs().iter().any(|(k, v)| k == "Action" && v == action))
            .collect()
    }

    /// What the stand-in answered to each request that reached it, in order.
    pub fn handled(&self) -> Vec<Handled> {
        lock(&self.shared).handled.clone()
    }

    /// The last `EnableInstanceInspect` value for `instance` (None: never switched).
    pub fn inspect_enabled(&self, instance: &str) -> Option<bool> {
        lock(&self.shared).inspect.enabled.get(instance).copied()
    }

    /// Whether `ManualProcessResult` marked `result_id` of `instance` solved.
    pub fn is_solved(&self, instance: &str, result_id: &str) -> bool {
        lock(&self.shared).inspect.solved.contains(&(instance.to_owned(), result_id.to_owned()))
    }

    /// The instant `X-Date` is compared with: the system clock plus the
    /// [gateway skew](Self::set_gateway_clock_skew).
    pub fn gateway_now(&self) -> DateTime<Utc> {
        Utc::now() + lock(&self.shared).gateway_skew
    }

    /// Stop serving and wait until the port is closed.
    pub async fn shutdown(self) {
        self.standin.shutdown().await;
    }
}

/// A Volcengine-style RequestId: UTC `yyyyMMddHHmmss` and 20 uppercase hex digits (34 chars).
fn request_id(shared: &Shared) -> String {
    let sequence = shared.sequence.fetch_add(1, Ordering::Relaxed);
    let now = Utc::now();
    let nanos = u64::from(now.timestamp_subsec_nanos());
    format!("{}{:08X}{:012X}", now.format("%Y%m%d%H%M%S"), (nanos ^ u64::from(std::process::id())) as u32, sequence)
}

/// Context of one answer's `ResponseMetadata`.
struct Meta {
    request_id: String,
    action: String,
    version: String,
    service: String,
    region: String,
}

impl Meta {
    fn object(&self) -> Map<String, Value> {
        let mut meta = Map::new();
        meta.insert("RequestId".into(), json!(self.request_id));
        meta.insert("Action".into(), json!(self.action));
        meta.insert("Version".into(), json!(self.version));
        meta.insert("Service".into(), json!(self.service));
        meta.insert("Region".into(), json!(self.region));
        meta
    }

    /// `body` (a fixture) with this ResponseMetadata; an `Error` in the fixture is kept.
    fn stamp(&self, mut body: Value) -> Value {
        let mut meta = self.object();
        if let Some(error) = body.get("ResponseMetadata").and_then(|m| m.get("Error")) {
            meta.insert("Error".into(), error.clone());
        }
        if let Some(object) = body.as_object_mut() {
            object.insert("ResponseMetadata".into(), Value::Object(meta));
            body
        } else {
            json!({"ResponseMetadata": meta})
        }
    }

    fn error(&self, error: &ApiError) -> Value {
        let mut meta = self.object();
        meta.insert("Error".into(), error.error_object());
        json!({"ResponseMetadata": meta})
    }
}

fn json_response(status: u16, body: &Value) -> Response<Body> {
    let mut response = Response::new(Body::from(body.to_string()));
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// A response whose body fails at once: hyper drops the connection before the head is flushed.
fn reset_response() -> Response<Body> {
    let failure = futures::stream::once(async {
        Err::<Bytes, _>(std::io::Error::new(std::io::ErrorKind::ConnectionAborted, "stand-in: scripted reset"))
    });
    Response::new(Body::from_stream(failure))
}

fn truncated_response(status: StatusCode, declared: usize, body: Vec<u8>) -> Response<Body> {
    let partial = futures::stream::once(async move { Ok::<_, std::io::Error>(Bytes::from(body)) });
    let failure = futures::stream::once(async {
        tokio::time::sleep(TRUNCATE_FLUSH_DELAY).await;
        Err(std::io::Error::new(std::io::ErrorKind::ConnectionAborted, "stand-in: scripted truncation"))
    });
    let mut response = Response::new(Body::from_stream(futures::StreamExt::chain(partial, failure)));
    *response.status_mut() = status;
    response.headers_mut().insert(CONTENT_LENGTH, HeaderValue::from(declared));
    response
}

/// The call's parameters: query pairs for GET, the JSON object (or form pairs) of a POST body.
fn parameters(
    method: &Method,
    query: &[(String, String)],
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Map<String, Value>, ApiError> {
    let pairs = |pairs: Vec<(String, String)>| {
        pairs.into_iter().filter(|(k, _)| k != "Action" && k != "Version").map(|(k, v)| (k, json!(v))).collect()
    };
    if *method == Method::GET {
        return Ok(pairs(query.to_vec()));
    }
    let content_type = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    if content_type.starts_with("application/x-www-form-urlencoded") {
        return Ok(pairs(form_urlencoded::parse(body).into_owned().collect()));
    }
    if body.is_empty() {
        return Ok(Map::new());
    }
    match serde_json::from_slice(body) {
        Ok(Value::Object(object)) => Ok(object),
        _ => Err(ApiError::new(400, "InvalidParameter", None, "The request body is not a valid JSON object.")),
    }
}

enum Step {
    Answer(Response<Body>),
    Continue,
}

async fn apply_fault(fault: Option<Fault>) -> Step {
    match fault {
        None => Step::Continue,
        Some(Fault::Delay(wait)) => {
            tokio::time::sleep(wait).await;
            Step::Continue
        }
        Some(Fault::Respond { status, headers, body }) => {
            let mut response = Response::new(Body::from(body));
            *response.status_mut() = status;
            for (name, value) in headers {
                match (http::HeaderName::from_bytes(name.as_bytes()), HeaderValue::from_str(&value)) {
                    (Ok(name), Ok(value)) => {
                        response.headers_mut().append(name, value);
                    }
                    _ => {
                        let invalid = format!("stand-in: invalid scripted header {name:?}: {value:?}");
                        let mut invalid = Response::new(Body::from(invalid));
                        *invalid.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
                        return Step::Answer(invalid);
                    }
                }
            }
            Step::Answer(response)
        }
        Some(Fault::Reset) => Step::Answer(reset_response()),
        Some(Fault::Hang(wait)) => {
            tokio::time::sleep(wait).await;
            Step::Answer(reset_response())
        }
        Some(Fault::Truncate { status, declared, body }) => Step::Answer(truncated_response(status, declared, body)),
    }
}

async fn handle(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response<Body> {
    let raw_query = uri.query().unwrap_or_default().to_owned();
    let query: Vec<(String, String)> = sign::decode_raw_query(&raw_query)
        .into_iter()
        .map(|(k, v)| (String::from_utf8_lossy(&k).into_owned(), String::from_utf8_lossy(&v).into_owned()))
        .collect();
    let find = |name: &str| query.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let (action, version) = (find("Action"), find("Version"));

    let fault = action.as_ref().and_then(|a| {
        let mut inner = lock(&shared);
        let queue = inner.faults.get_mut(a)?;
        queue.pop_front()
    });
    if let Step::Answer(response) = apply_fault(fault).await {
        return response;
    }

    let mut inner = lock(&shared);
    let meta = Meta {
        request_id: request_id(&shared),
        action: action.clone().unwrap_or_default(),
        version: version.clone().unwrap_or_default(),
        service: inner.policy.services.first().cloned().unwrap_or_else(|| "RocketMQ".to_owned()),
        region: inner.policy.region.clone(),
    };
    let mut log = Handled { action: action.clone(), status: 200, error_code: None, reason: None, access_key: None };
    let (status, body) = answer(&mut inner, &meta, &method, &uri, &raw_query, &query, &headers, &body, &mut log);
    log.status = status;
    if log.error_code.is_none() {
        log.error_code = ApiError::from_envelope(status, &body).map(|e| e.code);
    }
    inner.handled.push(log);
    json_response(status, &body)
}

/// The status and body for a request past the faults.
#[allow(clippy::too_many_arguments)]
fn answer(
    inner: &mut Inner,
    meta: &Meta,
    method: &Method,
    uri: &Uri,
    raw_query: &str,
    query: &[(String, String)],
    headers: &HeaderMap,
    body: &[u8],
    log: &mut Handled,
) -> (u16, Value) {
    let fail = |error: ApiError, log: &mut Handled, reason: Option<String>| {
        log.error_code = Some(error.code.clone());
        log.reason = reason;
        (error.status, meta.error(&error))
    };
    let (Some(action), Some(version)) = (log.action.clone(), query.iter().find(|(k, _)| k == "Version")) else {
        let missing = if log.action.is_none() { "Action" } else { "Version" };
        return fail(ApiError::missing_query_parameter(missing), log, None);
    };
    let known = fixtures::ACTIONS.contains(&action.as_str()) || inner.results.contains_key(&action);
    if !known || version.1 != API_VERSION {
        return fail(ApiError::invalid_action_or_version(&action, &version.1), log, None);
    }

    let request = SignedRequest { method: method.as_str(), path: uri.path(), raw_query, headers, body };
    let now = Utc::now() + inner.gateway_skew;
    match verify::verify(&request, &inner.credentials, &inner.policy, now) {
        Ok(verified) => log.access_key = Some(verified.access_key),
        Err(rejection) => return fail(rejection.error, log, Some(rejection.reason)),
    }

    if let Some(injected) = inner.injected.get_mut(&action).and_then(VecDeque::pop_front) {
        log.reason = Some(format!("injected {}", injected.file));
        return (injected.http_status, meta.stamp(injected.body));
    }

    let params = match parameters(method, query, headers, body) {
        Ok(params) => params,
        Err(error) => return fail(error, log, None),
    };
    if let Some(missing) =
        actions::required_parameters(&action).iter().find(|p| params.get(**p).is_none_or(Value::is_null))
    {
        return fail(ApiError::missing_body_parameter(missing), log, None);
    }

    let served = |inner: &Inner, action: &str| -> Option<Value> {
        inner.variants.get(action).cloned().or_else(|| fixtures::success(action)).map(|f| f.body)
    };
    let custom = inner.results.get(&action).cloned();
    let mut response = match &custom {
        Some(result) => json!({"Result": result}),
        None => served(inner, &action).unwrap_or_else(|| json!({"Result": {}})),
    };
    let result_ids = match inner.results.get("GetInstanceInspectResult") {
        Some(result) => actions::known_result_ids(&json!({"Result": result})),
        None => served(inner, "GetInstanceInspectResult").map(|b| actions::known_result_ids(&b)).unwrap_or_default(),
    };
    let service_now = Utc::now() + inner.service_advance;
    if let Err(error) =
        actions::apply(&action, &params, &mut response, custom.is_none(), &mut inner.inspect, service_now, &result_ids)
    {
        return fail(error, log, None);
    }
    (200, meta.stamp(response))
}

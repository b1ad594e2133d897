//! The Volcengine stand-in through a real HTTP client: signatures signed by a small reference
//! signer written here (independent of the stand-in's verifier), every signature, clock and token
//! failure, the fixtures and variants, injected errors and faults, and the inspect state.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use chrono::{TimeDelta, Utc};
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use test_support::standin::Fault;
use test_support::volcengine::VolcengineStandIn;
use test_support::volcengine::verify::VerifyPolicy;

const AK: &str = "AKLTtestaccesskeyid0000000000000000000000";
const SK: &str = "TestSecretAccessKey/0123456789+abcdefghijKLMNOPQR==";
const STS_AK: &str = "AKTPtestststemporaryaccesskey000000000000";
const STS_SK: &str = "TmpSecret/ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210==";
const STS_TOKEN: &str = "STSeyJBY2NvdW50SWQiOiIyMTAwMDAwMDAwIn0=nCHm0abcDEF/ghi+JKL==";

// ---- reference signer (the doc's §2, written independently of test_support::volcengine::sign) ----

fn hmac(key: &[u8], msg: &str) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap();
    mac.update(msg.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

fn sha(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

#[derive(Clone)]
struct Signer {
    ak: String,
    sk: String,
    token: Option<String>,
    region: String,
    service: String,
    /// Offset of X-Date from now.
    skew: TimeDelta,
    /// Whether to send and sign Content-Type.
    sign_content_type: bool,
}

impl Signer {
    fn new(ak: &str, sk: &str) -> Signer {
        Signer {
            ak: ak.into(),
            sk: sk.into(),
            token: None,
            region: "cn-beijing".into(),
            service: "RocketMQ".into(),
            skew: TimeDelta::zero(),
            sign_content_type: true,
        }
    }

    fn sts() -> Signer {
        Signer { token: Some(STS_TOKEN.into()), ..Signer::new(STS_AK, STS_SK) }
    }

    /// Headers for a request (query already in canonical order with only unreserved characters).
    fn headers(&self, method: &str, host: &str, query: &str, body: &[u8]) -> Vec<(String, String)> {
        let x_date = (Utc::now() + self.skew).format("%Y%m%dT%H%M%SZ").to_string();
        let mut signed = Vec::new();
        if self.sign_content_type {
            signed.push(("content-type".to_string(), "application/json".to_string()));
        }
        signed.push(("host".into(), host.into()));
        signed.push(("x-content-sha256".into(), sha(body)));
        signed.push(("x-date".into(), x_date.clone()));
        if let Some(token) = &self.token {
            signed.push(("x-security-token".into(), token.clone()));
        }
        let canonical_headers: String = signed.iter().map(|(k, v)| format!("{k}:{v}\n")).collect();
        let names = signed.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>().join(";");
        let canonical = format!("{method}\n/\n{query}\n{canonical_headers}\n{names}\n{}", sha(body));
        let scope = format!("{}/{}/{}/request", &x_date[..8], self.region, self.service);
        let to_sign = format!("HMAC-SHA256\n{x_date}\n{scope}\n{}", sha(canonical.as_bytes()));
        let mut key = hmac(self.sk.as_bytes(), &x_date[..8]);
        for part in [self.region.as_str(), self.service.as_str(), "request"] {
            key = hmac(&key, part);
        }
        let signature = hex::encode(hmac(&key, &to_sign));
        let mut headers: Vec<(String, String)> = signed.into_iter().filter(|(k, _)| k != "host").collect();
        headers.push((
            "authorization".into(),
            format!("HMAC-SHA256 Credential={}/{scope}, SignedHeaders={names}, Signature={signature}", self.ak),
        ));
        headers
    }
}

// ---- client ----

struct Client {
    http: reqwest::Client,
    base: String,
    host: String,
}

struct Answer {
    status: u16,
    body: Value,
}

impl Answer {
    fn code(&self) -> Option<&str> {
        self.body["ResponseMetadata"]["Error"]["Code"].as_str()
    }
}

impl Client {
    fn new(upstream: &VolcengineStandIn) -> Client {
        test_support::install_crypto_provider();
        let base = upstream.url();
        let host = base.trim_start_matches("http://").to_owned();
        Client { http: reqwest::Client::builder().no_proxy().build().unwrap(), base, host }
    }

    fn query(action: &str) -> String {
        format!("Action={action}&Version=2023-01-01")
    }

    async fn send_raw(&self, method: &str, query: &str, headers: &[(String, String)], body: &[u8]) -> Answer {
        self.try_send_raw(method, query, headers, body).await.unwrap()
    }

    async fn try_send_raw(
        &self,
        method: &str,
        query: &str,
        headers: &[(String, String)],
        body: &[u8],
    ) -> Result<Answer, reqwest::Error> {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = self.http.request(method, format!("{}/?{query}", self.base)).body(body.to_vec());
        for (k, v) in headers {
            request = request.header(k, v);
        }
        let response = request.send().await?;
        let status = response.status().as_u16();
        let bytes = response.bytes().await?;
        Ok(Answer { status, body: serde_json::from_slice(&bytes).unwrap_or(Value::Null) })
    }

    async fn call_as(&self, signer: &Signer, action: &str, body: &str) -> Answer {
        let query = Client::query(action);
        let headers = signer.headers("POST", &self.host, &query, body.as_bytes());
        self.send_raw("POST", &query, &headers, body.as_bytes()).await
    }

    async fn call(&self, action: &str, body: Value) -> Answer {
        self.call_as(&Signer::new(AK, SK), action, &body.to_string()).await
    }
}

async fn setup() -> (VolcengineStandIn, Client) {
    let upstream = VolcengineStandIn::start().await.unwrap();
    upstream.add_credentials(AK, SK, None);
    upstream.add_credentials(STS_AK, STS_SK, Some(STS_TOKEN));
    let client = Client::new(&upstream);
    (upstream, client)
}

fn page(instance: &str) -> Value {
    json!({"InstanceId": instance, "PageNumber": 1, "PageSize": 10})
}

/// The error fixture's `Error` object, as shipped.
fn fixture_error(file: &str) -> Value {
    let text =
        std::fs::read_to_string(format!("{}/fixtures/volcengine/errors/{file}", env!("CARGO_MANIFEST_DIR"))).unwrap();
    serde_json::from_str::<Value>(&text).unwrap()["ResponseMetadata"]["Error"].clone()
}

// ---- signatures ----

#[tokio::test]
async fn a_correct_signature_is_accepted_with_a_fresh_envelope() {
    let (upstream, client) = setup().await;
    let first = client.call("DescribeRegions", json!({})).await;
    assert_eq!(first.status, 200, "{}", first.body);
    let meta = &first.body["ResponseMetadata"];
    assert_eq!(meta["Action"], "DescribeRegions");
    assert_eq!(meta["Version"], "2023-01-01");
    assert_eq!(meta["Service"], "RocketMQ");
    assert_eq!(meta["Region"], "cn-beijing");
    assert!(meta.get("Error").is_none());
    let id = meta["RequestId"].as_str().unwrap();
    assert_eq!(id.len(), 34);
    assert_ne!(id, "20250115163000A1B2C3D4E5F60718293A", "not the fixture's RequestId");
    let regions = first.body["Result"]["Regions"].as_array().unwrap();
    assert_eq!(regions.len(), 6);
    assert_eq!(regions[0]["Describeption"], "华北2（北京）", "the API's own spelling");

    let second = client.call("DescribeRegions", json!({})).await;
    assert_ne!(second.body["ResponseMetadata"]["RequestId"], meta["RequestId"]);
    let handled = upstream.handled();
    assert_eq!(handled.len(), 2);
    assert_eq!(handled[0].access_key.as_deref(), Some(AK));
    assert_eq!(handled[0].status, 200);
    assert_eq!(upstream.calls("DescribeRegions").len(), 2);
    assert!(upstream.calls("ManualTriggerInspect").is_empty());
}

#[tokio::test]
async fn sts_credentials_need_their_signed_token() {
    let (_upstream, client) = setup().await;
    let ok = client.call_as(&Signer::sts(), "GetInspectConfig", &page("i-1").to_string()).await;
    assert_eq!(ok.status, 200, "{}", ok.body);

    let without = Signer { token: None, ..Signer::sts() };
    let answer = client.call_as(&without, "GetInspectConfig", &page("i-1").to_string()).await;
    assert_eq!((answer.status, answer.code()), (401, Some("InvalidCredential")));

    let wrong = Signer { token: Some("STSother".into()), ..Signer::sts() };
    let answer = client.call_as(&wrong, "GetInspectConfig", &page("i-1").to_string()).await;
    assert_eq!((answer.status, answer.code()), (401, Some("InvalidCredential")));

    let stray = Signer { token: Some(STS_TOKEN.into()), ..Signer::new(AK, SK) };
    let answer = client.call_as(&stray, "GetInspectConfig", &page("i-1").to_string()).await;
    assert_eq!((answer.status, answer.code()), (401, Some("InvalidCredential")), "a token for static keys");

    // A token sent but left out of SignedHeaders.
    let body = page("i-1").to_string();
    let query = Client::query("GetInspectConfig");
    let mut headers = Signer::new(STS_AK, STS_SK).headers("POST", &client.host, &query, body.as_bytes());
    headers.push(("x-security-token".into(), STS_TOKEN.into()));
    let answer = client.send_raw("POST", &query, &headers, body.as_bytes()).await;
    assert_eq!((answer.status, answer.code()), (401, Some("SignatureDoesNotMatch")));
}

#[tokio::test]
async fn signature_failures_answer_signature_does_not_match_like_the_fixture() {
    let (upstream, client) = setup().await;
    let expected = fixture_error("SignatureDoesNotMatch_401.json");
    let body = page("i-1").to_string();
    let query = Client::query("GetInspectConfig");

    let wrong_secret = client.call_as(&Signer::new(AK, "not-the-secret"), "GetInspectConfig", &body).await;
    assert_eq!(wrong_secret.status, 401);
    assert_eq!(wrong_secret.body["ResponseMetadata"]["Error"], expected);
    assert_eq!(wrong_secret.body["ResponseMetadata"]["Action"], "GetInspectConfig");

    // Body changed after signing (X-Content-Sha256 still the old hash).
    let headers = Signer::new(AK, SK).headers("POST", &client.host, &query, body.as_bytes());
    let tampered = page("i-2").to_string();
    let answer = client.send_raw("POST", &query, &headers, tampered.as_bytes()).await;
    assert_eq!((answer.status, answer.code()), (401, Some("SignatureDoesNotMatch")));

    // Body hash header replaced by the new body's hash: the signature still covers the old one.
    let mut rehashed = headers.clone();
    rehashed.retain(|(k, _)| k != "x-content-sha256");
    rehashed.push(("x-content-sha256".into(), sha(tampered.as_bytes())));
    let answer = client.send_raw("POST", &query, &rehashed, tampered.as_bytes()).await;
    assert_eq!(answer.code(), Some("SignatureDoesNotMatch"));

    // Query changed after signing.
    let answer =
        client.send_raw("POST", "Action=GetInspectConfig&Version=2023-01-01&X=1", &headers, body.as_bytes()).await;
    assert_eq!(answer.code(), Some("SignatureDoesNotMatch"));

    // Wrong region or service in the scope.
    let other_region = Signer { region: "cn-shanghai".into(), ..Signer::new(AK, SK) };
    assert_eq!(client.call_as(&other_region, "GetInspectConfig", &body).await.code(), Some("SignatureDoesNotMatch"));
    let lowercase = Signer { service: "rocketmq".into(), ..Signer::new(AK, SK) };
    assert_eq!(client.call_as(&lowercase, "GetInspectConfig", &body).await.code(), Some("SignatureDoesNotMatch"));
    upstream
        .set_policy(VerifyPolicy { services: vec!["RocketMQ".into(), "rocketmq".into()], ..VerifyPolicy::default() });
    assert_eq!(client.call_as(&lowercase, "GetInspectConfig", &body).await.status, 200, "accepted once allowed");

    // Content-Type sent but not signed.
    let unsigned = Signer { sign_content_type: false, ..Signer::new(AK, SK) };
    let mut headers = unsigned.headers("POST", &client.host, &query, body.as_bytes());
    headers.push(("content-type".into(), "application/json".into()));
    let answer = client.send_raw("POST", &query, &headers, body.as_bytes()).await;
    assert_eq!(answer.code(), Some("SignatureDoesNotMatch"));

    let reasons: Vec<_> = upstream.handled().into_iter().filter_map(|h| h.reason).collect();
    assert!(reasons.iter().any(|r| r.contains("canonical request")), "{reasons:?}");
    assert!(reasons.iter().any(|r| r.contains("content-type is not signed")), "{reasons:?}");
}

#[tokio::test]
async fn missing_or_unknown_credentials() {
    let (_upstream, client) = setup().await;
    let query = Client::query("DescribeRegions");
    let none = client.send_raw("POST", &query, &[("content-type".into(), "application/json".into())], b"{}").await;
    assert_eq!((none.status, none.code()), (401, Some("MissingAuthenticationToken")));
    assert_eq!(none.body["ResponseMetadata"]["Error"]["CodeN"], 100003);

    let unknown = client.call_as(&Signer::new("AKLTnobody", SK), "DescribeRegions", "{}").await;
    assert_eq!((unknown.status, unknown.code()), (401, Some("InvalidAccessKey")));
    assert_eq!(
        unknown.body["ResponseMetadata"]["Error"]["Message"],
        "The accesskey [AKLTnobody] included in the request is invalid."
    );
    assert_eq!(unknown.body["ResponseMetadata"]["Error"]["CodeN"], 100009);

    let mut headers = Signer::new(AK, SK).headers("POST", &client.host, &query, b"{}");
    for (k, v) in &mut headers {
        if k == "authorization" {
            *v = v.split(", Signature=").next().unwrap().to_owned();
        }
    }
    let unsigned = client.send_raw("POST", &query, &headers, b"{}").await;
    assert_eq!((unsigned.status, unsigned.code()), (401, Some("MissingSignature")));

    let bearer = [("authorization".to_string(), "Bearer abc".to_string())];
    let answer = client.send_raw("POST", &query, &bearer, b"{}").await;
    assert_eq!((answer.status, answer.code()), (401, Some("InvalidAuthorization")));
}

#[tokio::test]
async fn the_clock_window_is_fifteen_minutes_either_way() {
    let (upstream, client) = setup().await;
    let expected = fixture_error("InvalidTimestamp_403.json");
    for minutes in [-16, 16] {
        let stale = Signer { skew: TimeDelta::minutes(minutes), ..Signer::new(AK, SK) };
        let answer = client.call_as(&stale, "DescribeRegions", "{}").await;
        assert_eq!(answer.status, 403, "{minutes} min");
        assert_eq!(answer.body["ResponseMetadata"]["Error"], expected);
    }
    for minutes in [-14, 14] {
        let near = Signer { skew: TimeDelta::minutes(minutes), ..Signer::new(AK, SK) };
        assert_eq!(client.call_as(&near, "DescribeRegions", "{}").await.status, 200, "{minutes} min");
    }
    upstream.set_gateway_clock_skew(TimeDelta::minutes(20));
    assert_eq!(client.call("DescribeRegions", json!({})).await.code(), Some("InvalidTimestamp"));
    let ahead = Signer { skew: TimeDelta::minutes(20), ..Signer::new(AK, SK) };
    assert_eq!(client.call_as(&ahead, "DescribeRegions", "{}").await.status, 200);

    let query = Client::query("DescribeRegions");
    let mut headers = Signer::new(AK, SK).headers("POST", &client.host, &query, b"{}");
    headers.retain(|(k, _)| k != "x-date");
    assert_eq!(client.send_raw("POST", &query, &headers, b"{}").await.code(), Some("InvalidTimestamp"));
}

#[tokio::test]
async fn action_and_version_are_checked() {
    let (_upstream, client) = setup().await;
    let signer = Signer::new(AK, SK);
    let headers = signer.headers("POST", &client.host, "Version=2023-01-01", b"{}");
    let missing = client.send_raw("POST", "Version=2023-01-01", &headers, b"{}").await;
    assert_eq!((missing.status, missing.code()), (400, Some("MissingParameter")));

    let unknown = client.call("DescribeNothing", json!({})).await;
    assert_eq!((unknown.status, unknown.code()), (404, Some("InvalidActionOrVersion")));
    let query = "Action=DescribeRegions&Version=2018-01-01";
    let headers = signer.headers("POST", &client.host, query, b"{}");
    let old = client.send_raw("POST", query, &headers, b"{}").await;
    assert_eq!(old.status, 404);
    assert_eq!(old.body["ResponseMetadata"]["Error"], fixture_error("InvalidActionOrVersion_404.json"));
}

// ---- fixtures and variants ----

#[tokio::test]
async fn fixtures_are_served_for_the_requested_instance() {
    let (_upstream, client) = setup().await;
    let zones = client.call("DescribeAvailabilityZones", json!({"RegionId": "cn-shanghai"})).await;
    assert_eq!(zones.body["Result"]["RegionId"], "cn-shanghai");
    assert_eq!(zones.body["Result"]["Zones"][0]["ZoneId"], "cn-shanghai-a");

    let config = client.call("GetInspectConfig", page("rocketmq-x")).await;
    assert_eq!(config.body["Result"]["InstanceId"], "rocketmq-x");
    assert_eq!(config.body["Result"]["TriggerLimit"], 900);
    assert_eq!(config.body["Result"]["Configs"].as_array().unwrap().len(), 3);

    let results = client.call("GetInstanceInspectResult", page("rocketmq-x")).await;
    assert_eq!(results.body["Result"]["Total"], 2);
    assert_eq!(results.body["Result"]["Results"][0]["TimeStamp"], "1722944022630", "timestamps are strings");
    let small = client
        .call("GetInstanceInspectResult", json!({"InstanceId": "rocketmq-x", "PageNumber": 2, "PageSize": 1}))
        .await;
    assert_eq!(small.body["Result"]["Results"].as_array().unwrap().len(), 1);
    assert_eq!(small.body["Result"]["Results"][0]["ResultId"], "45e215e9fe104c849077**");

    let missing = client.call("GetInspectConfig", json!({"InstanceId": "rocketmq-x", "PageNumber": 1})).await;
    assert_eq!((missing.status, missing.code()), (400, Some("MissingParameter")));
    assert_eq!(
        missing.body["ResponseMetadata"]["Error"]["Message"],
        "The request body is missing a required parameter PageSize."
    );

    let not_json = client.call_as(&Signer::new(AK, SK), "GetInspectConfig", "not json").await;
    assert_eq!((not_json.status, not_json.code()), (400, Some("InvalidParameter")));
}

#[tokio::test]
async fn variants_are_selectable_per_action() {
    let (upstream, client) = setup().await;
    upstream.set_variant("GetInstanceInspectResult", "empty");
    upstream.set_variant("ManualTriggerInspect", "no_result_key");
    upstream.set_variant("EnableInstanceInspect", "null_result");
    let empty = client.call("GetInstanceInspectResult", page("i-1")).await;
    assert_eq!(empty.body["Result"]["Results"], json!([]));
    assert_eq!(empty.body["Result"]["Total"], 0);
    let trigger = client
        .call(
            "ManualTriggerInspect",
            json!({"InstanceId": "i-1", "Type": "cluster", "InspectName": "queueInsufficient"}),
        )
        .await;
    assert_eq!(trigger.status, 200);
    assert!(trigger.body.get("Result").is_none(), "{}", trigger.body);
    assert_eq!(trigger.body["ResponseMetadata"]["Action"], "ManualTriggerInspect");
    let enable = client.call("EnableInstanceInspect", json!({"InstanceId": "i-1", "Enable": false})).await;
    assert_eq!(enable.body["Result"], Value::Null);
    assert!(enable.body.as_object().unwrap().contains_key("Result"));
    assert_eq!(upstream.inspect_enabled("i-1"), Some(false), "the write still happened");

    upstream.clear_variant("GetInstanceInspectResult");
    assert_eq!(client.call("GetInstanceInspectResult", page("i-1")).await.body["Result"]["Total"], 2);

    upstream.set_result("DescribeInstances", json!({"InstancesInfo": [], "Total": 0}));
    let custom = client.call("DescribeInstances", json!({"PageNumber": 1, "PageSize": 10})).await;
    assert_eq!(custom.body["Result"], json!({"InstancesInfo": [], "Total": 0}));
    assert_eq!(custom.body["ResponseMetadata"]["Action"], "DescribeInstances");
}

#[tokio::test]
#[should_panic(expected = "no variant GetInstanceInspectResult.full")]
async fn an_unknown_variant_is_a_test_mistake() {
    let upstream = VolcengineStandIn::start().await.unwrap();
    upstream.set_variant("GetInstanceInspectResult", "full");
}

// ---- injected errors and faults ----

#[tokio::test]
async fn injected_errors_last_n_calls_of_one_action() {
    let (upstream, client) = setup().await;
    upstream.inject_error("GetInspectConfig", "InternalError_500", 2);
    upstream.inject_error("GetInstanceInspectResult", "errors/Envelope_Error_with_HTTP200.json", 1);
    let first = client.call("GetInspectConfig", page("i-1")).await;
    assert_eq!((first.status, first.code()), (500, Some("InternalError")));
    assert_eq!(first.body["ResponseMetadata"]["Error"], fixture_error("InternalError_500.json"));
    assert_ne!(first.body["ResponseMetadata"]["RequestId"], "20250115163107A0B1C2D3E4F506172839B");
    assert_eq!(client.call("DescribeRegions", json!({})).await.status, 200, "other actions are untouched");
    assert_eq!(client.call("GetInspectConfig", page("i-1")).await.status, 500);
    assert_eq!(client.call("GetInspectConfig", page("i-1")).await.status, 200);

    let http200 = client.call("GetInstanceInspectResult", page("i-1")).await;
    assert_eq!((http200.status, http200.code()), (200, Some("InvalidParameter")));
    assert_eq!(http200.body["ResponseMetadata"]["Action"], "GetInstanceInspectResult", "the call's action");
    assert!(http200.body.get("Result").is_none());
    let handled = upstream.handled();
    assert_eq!(handled.last().unwrap().error_code.as_deref(), Some("InvalidParameter"));

    // An injected error is served only to correctly signed calls.
    upstream.inject_error("DescribeRegions", "FlowLimitExceeded_429", 1);
    let bad = client.call_as(&Signer::new(AK, "wrong"), "DescribeRegions", "{}").await;
    assert_eq!(bad.code(), Some("SignatureDoesNotMatch"));
    assert_eq!(client.call("DescribeRegions", json!({})).await.status, 429);
}

#[tokio::test]
async fn faults_per_action_and_for_any_action() {
    let (upstream, client) = setup().await;
    upstream.fault_action("GetInspectConfig", [Fault::status(503).with_body("busy"), Fault::Reset]);
    assert_eq!(client.call("DescribeRegions", json!({})).await.status, 200);
    let answer = client.call("GetInspectConfig", page("i-1")).await;
    assert_eq!(answer.status, 503);
    let body = page("i-1").to_string();
    let query = Client::query("GetInspectConfig");
    let headers = Signer::new(AK, SK).headers("POST", &client.host, &query, body.as_bytes());
    let mut request = client.http.post(format!("{}/?{query}", client.base)).body(body.clone());
    for (k, v) in &headers {
        request = request.header(k, v);
    }
    let reset = request.send().await;
    assert!(reset.is_err(), "the connection was closed before any status line: {reset:?}");
    assert_eq!(client.call("GetInspectConfig", page("i-1")).await.status, 200);

    upstream.fault_action("DescribeRegions", [Fault::Delay(Duration::from_millis(300))]);
    let started = std::time::Instant::now();
    assert_eq!(client.call("DescribeRegions", json!({})).await.status, 200);
    assert!(started.elapsed() >= Duration::from_millis(300));

    upstream.standin().fault("/", [Fault::status(429).with_header("retry-after", "1")]);
    assert_eq!(client.call("ManualProcessResult", json!({})).await.status, 429);
    assert_eq!(upstream.calls("GetInspectConfig").len(), 3, "faulted calls are recorded too");
}

// ---- state ----

#[tokio::test]
async fn manual_trigger_is_limited_to_once_per_fifteen_minutes_per_rule() {
    let (upstream, client) = setup().await;
    let trigger = |name: &str| json!({"InstanceId": "i-1", "Type": "cluster", "InspectName": name});
    assert_eq!(client.call("ManualTriggerInspect", trigger("queueInsufficient")).await.status, 200);
    let again = client.call("ManualTriggerInspect", trigger("queueInsufficient")).await;
    assert_eq!((again.status, again.code()), (403, Some("OperationDenied.TaskIsRunning")));
    assert_eq!(again.body["ResponseMetadata"]["Error"], fixture_error("OperationDenied.TaskIsRunning_403.json"));
    assert_eq!(client.call("ManualTriggerInspect", trigger("queueBalance")).await.status, 200, "another rule");
    let other_instance = json!({"InstanceId": "i-2", "Type": "cluster", "InspectName": "queueInsufficient"});
    assert_eq!(client.call("ManualTriggerInspect", other_instance).await.status, 200, "another instance");

    upstream.advance_service_clock(TimeDelta::minutes(14));
    assert_eq!(client.call("ManualTriggerInspect", trigger("queueInsufficient")).await.status, 403);
    upstream.advance_service_clock(TimeDelta::minutes(1));
    assert_eq!(client.call("ManualTriggerInspect", trigger("queueInsufficient")).await.status, 200);
    assert_eq!(upstream.calls("ManualTriggerInspect").len(), 6);

    let missing = client.call("ManualTriggerInspect", json!({"InstanceId": "i-1", "Type": "cluster"})).await;
    assert_eq!(
        missing.body["ResponseMetadata"]["Error"]["Message"],
        "The request body is missing a required parameter InspectName."
    );
}

#[tokio::test]
async fn enable_and_process_change_what_reads_return() {
    let (upstream, client) = setup().await;
    assert_eq!(client.call("EnableInstanceInspect", json!({"InstanceId": "i-1", "Enable": false})).await.status, 200);
    let config = client.call("GetInspectConfig", page("i-1")).await;
    for c in config.body["Result"]["Configs"].as_array().unwrap() {
        assert_eq!(c["Configurable"]["Enable"], false);
    }
    let untouched = client.call("GetInspectConfig", page("i-2")).await;
    assert_eq!(untouched.body["Result"]["Configs"][0]["Configurable"]["Enable"], true);

    let id = "519fe2c3f72e4ea2a1e49de**";
    let before = client.call("GetInstanceInspectResult", page("i-1")).await;
    assert_eq!(before.body["Result"]["Results"][0]["Status"], "unSolved");
    assert_eq!(client.call("ManualProcessResult", json!({"InstanceId": "i-1", "ResultId": id})).await.status, 200);
    assert!(upstream.is_solved("i-1", id));
    let after = client.call("GetInstanceInspectResult", page("i-1")).await;
    assert_eq!(after.body["Result"]["Results"][0]["Status"], "Solved");

    let unknown = client.call("ManualProcessResult", json!({"InstanceId": "i-1", "ResultId": "nope"})).await;
    assert_eq!((unknown.status, unknown.code()), (400, Some("InvalidParameter")));
}

#[tokio::test]
async fn get_with_query_parameters_is_accepted() {
    let (_upstream, client) = setup().await;
    let query = "Action=DescribeAvailabilityZones&RegionId=cn-guangzhou&Version=2023-01-01";
    let signer = Signer { sign_content_type: false, ..Signer::new(AK, SK) };
    let headers = signer.headers("GET", &client.host, query, b"");
    let answer = client.send_raw("GET", query, &headers, b"").await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.body["Result"]["RegionId"], "cn-guangzhou");
}

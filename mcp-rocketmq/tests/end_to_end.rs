//! Tool arguments -> body -> signature, against the SDK's vector for the same request.
#![allow(clippy::unwrap_used)]

use mcp_rocketmq::action::Action;
use mcp_rocketmq::credentials::{Credentials, Secret};
use mcp_rocketmq::regions::{EndpointMode, Region, Target};
use mcp_rocketmq::signer::{self, Request, Scope, XDate};
use mcp_rocketmq::tools::args::prepare;
use serde_json::{Value, json};

#[test]
fn manual_trigger_inspect_signs_like_the_sdk() {
    let vectors: Value = serde_json::from_str(include_str!("fixtures/volcengine-sign-vectors.json")).unwrap();
    let vector =
        vectors["vectors"].as_array().unwrap().iter().find(|v| v["name"] == "raw_POST_compact_json_body").unwrap();
    let input = &vector["input"];

    let prepared = prepare(
        Action::ManualTriggerInspect,
        json!({"InspectName": "queueInsufficient", "Type": "cluster", "InstanceId": "rocketmq-cnoe12efdd9****"}),
    )
    .unwrap();
    assert_eq!(std::str::from_utf8(&prepared.body).unwrap(), input["body"].as_str().unwrap());

    let target = Target::resolve(None, &Region::default(), &EndpointMode::Global).unwrap();
    let x_date = XDate::parse(input["x_date"].as_str().unwrap()).unwrap();
    let credentials = Credentials::new(
        input["access_key_id"].as_str().unwrap(),
        Secret::new(input["secret_access_key"].as_str().unwrap()),
        None,
    )
    .unwrap();
    let signed = signer::sign(
        &Request {
            method: "POST",
            host: target.endpoint.host(),
            path: "/",
            query: &[("Action", prepared.action.as_str()), ("Version", mcp_rocketmq::API_VERSION)],
            headers: &[("Content-Type", "application/json")],
            body: &prepared.body,
        },
        &credentials,
        &Scope { region: target.region.as_str(), service: mcp_rocketmq::SERVICE, x_date: &x_date },
    )
    .unwrap();
    assert_eq!(signed.authorization, vector["expected"]["authorization"].as_str().unwrap());
    assert_eq!(
        target.endpoint.action_url(prepared.action.as_str(), mcp_rocketmq::API_VERSION),
        "https://open.volcengineapi.com/?Action=ManualTriggerInspect&Version=2023-01-01"
    );
}

#[test]
fn every_mcp_vector_argument_set_is_accepted() {
    // The SDK vectors' tool arguments are valid for our tools too (their bodies differ only in
    // Python's spacing).
    let vectors: Value = serde_json::from_str(include_str!("fixtures/volcengine-sign-vectors.json")).unwrap();
    let mut seen = 0;
    for v in vectors["vectors"].as_array().unwrap() {
        let Some(args) = v["input"].get("tool_arguments") else { continue };
        let action: Action = v["input"]["query"][0][1].as_str().unwrap().parse().unwrap();
        let prepared = prepare(action, args.clone()).unwrap();
        let python: Value = serde_json::from_str(v["input"]["body"].as_str().unwrap()).unwrap();
        let ours: Value = serde_json::from_slice(&prepared.body).unwrap();
        assert_eq!(ours, python, "{}", v["name"]);
        seen += 1;
    }
    assert_eq!(seen, 5);
}

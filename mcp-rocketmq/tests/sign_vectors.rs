//! Every vector of `volcengine-sign-vectors.json` (produced by the official Python SDK signer),
//! reproduced exactly: canonical request, string to sign, signing key, signature and headers.
#![allow(clippy::unwrap_used)]

use mcp_rocketmq::credentials::{Credentials, Secret};
use mcp_rocketmq::signer::{self, Request, Scope, XDate};
use serde_json::Value;

const VECTORS: &str = include_str!("fixtures/volcengine-sign-vectors.json");

fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or_else(|| panic!("{key} is not a string in {v}"))
}

#[test]
fn every_vector_matches() {
    let file: Value = serde_json::from_str(VECTORS).unwrap();
    let vectors = file["vectors"].as_array().unwrap();
    assert!(vectors.len() >= 7, "the vector file lost vectors: {}", vectors.len());
    for vector in vectors {
        let name = s(vector, "name");
        let input = &vector["input"];
        let expected = &vector["expected"];

        let before = input["headers_before_signing"].as_object().unwrap();
        let host = input["host"].as_str().or_else(|| before["Host"].as_str()).unwrap();
        // The SDK signs Content-Type, Content-Md5 and X-* of the headers it was given (Host is
        // the signer's own); Accept and User-Agent are sent unsigned.
        let headers: Vec<(&str, &str)> = before
            .iter()
            .filter(|(k, _)| *k == "Content-Type" || *k == "Content-Md5" || k.starts_with("X-"))
            .map(|(k, v)| (k.as_str(), v.as_str().unwrap()))
            .collect();
        let query: Vec<(&str, &str)> = input["query"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (p[0].as_str().unwrap(), p[1].as_str().unwrap()))
            .collect();
        let request = Request {
            method: s(input, "method"),
            host,
            path: s(input, "path"),
            query: &query,
            headers: &headers,
            body: s(input, "body").as_bytes(),
        };
        let credentials = Credentials::new(
            s(input, "access_key_id"),
            Secret::new(s(input, "secret_access_key")),
            input["session_token"].as_str().map(Secret::new),
        )
        .unwrap();
        let x_date = XDate::parse(s(input, "x_date")).unwrap();
        let scope = Scope { region: s(input, "region"), service: s(input, "service"), x_date: &x_date };

        let signed = signer::sign(&request, &credentials, &scope).unwrap();

        assert_eq!(signed.canonical_request, s(expected, "canonical_request"), "{name}: canonical request");
        assert_eq!(signed.string_to_sign, s(expected, "string_to_sign"), "{name}: string to sign");
        assert_eq!(signed.signature, s(expected, "signature"), "{name}: signature");
        assert_eq!(signed.authorization, s(expected, "authorization"), "{name}: authorization");
        assert_eq!(signed.signed_headers, s(expected, "signed_headers"), "{name}: signed headers");
        assert_eq!(signed.credential_scope, s(expected, "credential_scope"), "{name}: scope");
        assert_eq!(signed.x_date, s(expected, "x_date"), "{name}: x-date");
        assert_eq!(signed.x_content_sha256, s(expected, "x_content_sha256"), "{name}: body hash");
        assert_eq!(
            signed.x_security_token.as_ref().map(|t| t.expose()),
            expected["x_security_token"].as_str(),
            "{name}: security token"
        );
        if let Some(q) = expected["canonical_query"].as_str() {
            assert_eq!(signed.canonical_query, q, "{name}: canonical query");
        }
        let key = signer::signing_key(
            credentials.secret_access_key().expose(),
            x_date.short_date(),
            scope.region,
            scope.service,
        );
        assert_eq!(hex::encode(key), s(expected, "signing_key_hex"), "{name}: signing key");

        // The headers we add are exactly the SDK's, with the SDK's values.
        let after = expected.get("all_wire_headers").or_else(|| expected.get("all_headers_after_signing")).unwrap();
        let after = after.as_object().unwrap();
        for (header, value) in signed.headers(true) {
            assert_eq!(after[header].as_str(), Some(value.as_str()), "{name}: header {header}");
        }
        let added: Vec<&str> = after.keys().map(String::as_str).filter(|k| !before.contains_key(*k)).collect();
        let ours: Vec<&str> = signed.headers(false).iter().map(|(n, _)| *n).collect();
        for header in added {
            assert!(ours.contains(&header), "{name}: the SDK adds {header}, we do not");
        }

        // The URL, where given, carries the canonical query.
        if let Some(url) = expected["url"].as_str() {
            assert_eq!(url, format!("https://{host}/?{}", signed.canonical_query), "{name}: url");
        }
    }
}

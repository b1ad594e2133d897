//! RFC 9728 protected resource metadata and RFC 6750 `WWW-Authenticate` challenges.

use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};
use serde_json::{Value, json};

/// `{origin}/.well-known/oauth-protected-resource{path}` for a resource URI (RFC 9728 §3.1):
/// the well-known segment goes between the host and the path; a bare `/` path is dropped and a
/// query is kept.
pub(crate) fn resource_metadata_url(resource: &reqwest::Url) -> String {
    let origin = resource.origin().ascii_serialization();
    let path = match resource.path() {
        "/" => "",
        p => p,
    };
    let mut out = format!("{origin}/.well-known/oauth-protected-resource{path}");
    if let Some(q) = resource.query() {
        out.push('?');
        out.push_str(q);
    }
    out
}

/// The metadata document.
pub(crate) fn resource_metadata(
    resource: &str,
    authorization_servers: &[String],
    scopes_supported: &[String],
    resource_name: Option<&str>,
) -> Value {
    let mut doc = json!({
        "resource": resource,
        "authorization_servers": authorization_servers,
        "bearer_methods_supported": ["header"],
    });
    if !scopes_supported.is_empty() {
        doc["scopes_supported"] = json!(scopes_supported);
    }
    if let Some(name) = resource_name {
        doc["resource_name"] = json!(name);
    }
    doc
}

/// An RFC 7230 quoted-string: `\` and `"` escaped, anything but printable ASCII replaced.
pub(crate) fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            ' '..='~' => out.push(c),
            _ => out.push('?'),
        }
    }
    out.push('"');
    out
}

/// `Bearer k1="v1", k2="v2"`.
pub(crate) fn challenge(params: &[(&str, &str)]) -> String {
    let mut out = String::from("Bearer");
    for (i, (k, v)) in params.iter().enumerate() {
        out.push_str(if i == 0 { " " } else { ", " });
        out.push_str(k);
        out.push('=');
        out.push_str(&quote(v));
    }
    out
}

/// A JSON error response carrying a `WWW-Authenticate` challenge.
pub(crate) fn challenge_response(
    status: StatusCode,
    www_authenticate: &str,
    error: &str,
    description: &str,
) -> Response {
    let body = json!({ "error": error, "error_description": description });
    let mut resp = (status, axum::Json(body)).into_response();
    let headers = resp.headers_mut();
    headers.insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_str(www_authenticate).unwrap_or(HeaderValue::from_static("Bearer")),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> reqwest::Url {
        reqwest::Url::parse(s).expect("url")
    }

    #[test]
    fn metadata_url_inserts_well_known_before_path() {
        assert_eq!(
            resource_metadata_url(&url("https://mcp.example.com/mcp")),
            "https://mcp.example.com/.well-known/oauth-protected-resource/mcp"
        );
        assert_eq!(
            resource_metadata_url(&url("https://mcp.example.com")),
            "https://mcp.example.com/.well-known/oauth-protected-resource"
        );
        assert_eq!(
            resource_metadata_url(&url("https://mcp.example.com/")),
            "https://mcp.example.com/.well-known/oauth-protected-resource"
        );
        assert_eq!(
            resource_metadata_url(&url("http://127.0.0.1:8080/a/mcp")),
            "http://127.0.0.1:8080/.well-known/oauth-protected-resource/a/mcp"
        );
        assert_eq!(
            resource_metadata_url(&url("https://x.example:443/mcp?t=1")),
            "https://x.example/.well-known/oauth-protected-resource/mcp?t=1"
        );
    }

    #[test]
    fn challenge_quotes_values() {
        assert_eq!(
            challenge(&[("realm", "mcp"), ("error_description", "a \"b\" \\ c\u{e9}\n")]),
            r#"Bearer realm="mcp", error_description="a \"b\" \\ c??""#
        );
        assert_eq!(challenge(&[]), "Bearer");
    }

    #[test]
    fn metadata_omits_empty_optional_fields() {
        let doc = resource_metadata("https://r", &["https://as".to_owned()], &[], None);
        assert_eq!(
            doc,
            json!({"resource": "https://r", "authorization_servers": ["https://as"],
                   "bearer_methods_supported": ["header"]})
        );
        let doc = resource_metadata("https://r", &[], &["a".to_owned()], Some("Demo"));
        assert_eq!(doc["scopes_supported"], json!(["a"]));
        assert_eq!(doc["resource_name"], "Demo");
    }
}

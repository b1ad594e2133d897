//! Bearer-key authentication, end to end over loopback HTTP.

mod auth_common;

/// Named `auth` so that `cargo test -p mcp-core auth` selects these tests.
mod auth {

    use crate::auth_common::*;
    use mcp_core::auth::{AuthFailure, AuthMode, Authenticator, OAuthConfig};
    use serde_json::Value;

    const ALPHA: &str = "alpha-0123456789abcdef";
    const BETA: &str = "beta-0123456789abcdef";

    fn keys() -> Authenticator {
        bearer_auth(&[("alpha", ALPHA), ("beta", BETA)])
    }

    #[tokio::test]
    async fn right_token_authenticates_as_its_name() {
        let auth = keys();
        assert_eq!(auth.mode(), AuthMode::Bearer);
        let p = auth.authenticate(&bearer(BETA)).await.expect("valid").expect("principal");
        assert_eq!(p.subject, "beta");
        assert!(p.scopes.is_empty());
        let p = auth
            .authenticate(&auth_header(&format!("  bEaReR    {ALPHA}  ")))
            .await
            .expect("scheme is case-insensitive, spaces tolerated")
            .expect("principal");
        assert_eq!(p.subject, "alpha");
    }

    #[tokio::test]
    async fn wrong_missing_and_other_scheme_fail_with_their_reason() {
        let auth = keys();
        let reason = |r: Result<_, AuthFailure>| r.expect_err("must fail").reason();
        assert_eq!(reason(auth.authenticate(&bearer("nope")).await), "invalid");
        // A prefix or an extension of a real token is still wrong.
        assert_eq!(reason(auth.authenticate(&bearer(&ALPHA[..ALPHA.len() - 1])).await), "invalid");
        assert_eq!(reason(auth.authenticate(&bearer(&format!("{ALPHA}x"))).await), "invalid");
        assert_eq!(reason(auth.authenticate(&http::HeaderMap::new()).await), "missing");
        assert_eq!(reason(auth.authenticate(&auth_header(&format!("Basic {ALPHA}"))).await), "malformed");
        assert_eq!(reason(auth.authenticate(&auth_header(&format!("Token {ALPHA}"))).await), "malformed");
        assert_eq!(reason(auth.authenticate(&auth_header("Bearer")).await), "malformed");
        assert_eq!(reason(auth.authenticate(&auth_header(&format!("Bearer {ALPHA} {BETA}"))).await), "malformed");
    }

    #[tokio::test]
    async fn mode_none_checks_nothing() {
        let auth = Authenticator::new(AuthMode::None, &[], &OAuthConfig::default(), "", http_client())
            .expect("none needs nothing");
        assert_eq!(auth.authenticate(&auth_header("Basic garbage")).await, Ok(None));
        assert_eq!(auth.authenticate(&http::HeaderMap::new()).await, Ok(None));
        assert!(auth.resource_metadata().is_none());
        assert!(auth.resource_metadata_url().is_none());
    }

    #[tokio::test]
    async fn setup_errors_name_the_key() {
        let err = |tokens: &[(&str, &str)]| {
            Authenticator::new(AuthMode::Bearer, &named(tokens), &OAuthConfig::default(), RESOURCE, http_client())
                .expect_err("must fail")
        };
        for (tokens, needle) in [
            (&[][..], "at least one token"),
            (&[("a", "")][..], "`a` is empty"),
            (&[("a", "   ")][..], "`a` is empty"),
            (&[("a", ALPHA), ("a", BETA)][..], "duplicate token name `a`"),
            (&[("a", ALPHA), ("b", ALPHA)][..], "same value"),
            (&[("", ALPHA)][..], "empty name"),
        ] {
            let e = err(tokens);
            assert_eq!(e.key, "auth_tokens");
            assert!(e.to_string().contains(needle), "{e} should contain {needle:?}");
            assert!(!e.to_string().contains(ALPHA), "secret leaked in {e}");
        }
    }

    #[tokio::test]
    async fn http_challenges_in_bearer_mode() {
        let (listener, addr) = listener().await;
        serve(listener, keys());
        let http = http_client();
        let url = format!("http://{addr}/mcp");

        let ok = http.get(&url).bearer_auth(ALPHA).send().await.expect("request");
        assert_eq!(ok.status(), 200);
        let body: Value = ok.json().await.expect("json");
        assert_eq!(body["subject"], "alpha");

        let missing = http.get(&url).send().await.expect("request");
        assert_eq!(missing.status(), 401);
        assert_eq!(missing.headers()["www-authenticate"], r#"Bearer realm="mcp""#);
        assert_eq!(missing.headers()["content-type"], "application/json");
        let body: Value = missing.json().await.expect("json");
        assert_eq!(body["error"], "unauthorized");

        let other = http.get(&url).header("authorization", format!("Basic {ALPHA}")).send().await.expect("request");
        assert_eq!(other.status(), 401);
        assert_eq!(other.headers()["www-authenticate"], r#"Bearer realm="mcp""#);

        let wrong_token = "wrong-token-do-not-echo";
        let wrong = http.get(&url).bearer_auth(wrong_token).send().await.expect("request");
        assert_eq!(wrong.status(), 401);
        assert_eq!(
            wrong.headers()["www-authenticate"],
            r#"Bearer realm="mcp", error="invalid_token", error_description="invalid token: unknown token""#
        );
        let text = wrong.text().await.expect("body");
        assert!(!text.contains(wrong_token), "{text}");
        let body: Value = serde_json::from_str(&text).expect("json");
        assert_eq!(body["error"], "invalid_token");
        assert_eq!(body["error_description"], "invalid token: unknown token");

        // Bearer keys carry no scopes: any required scope is a 403.
        let scoped = http.get(&url).bearer_auth(ALPHA).header(NEED_SCOPE, "admin").send().await.expect("request");
        assert_eq!(scoped.status(), 403);
        assert_eq!(
            scoped.headers()["www-authenticate"],
            r#"Bearer realm="mcp", error="insufficient_scope", scope="admin", error_description="this request needs scope: admin""#
        );
        // No resource metadata outside oauth mode.
        let meta =
            http.get(format!("http://{addr}/.well-known/oauth-protected-resource/mcp")).send().await.expect("request");
        assert_eq!(meta.status(), 404);
    }
}

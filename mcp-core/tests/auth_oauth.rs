//! OAuth resource-server authentication against a real stand-in authorization server on loopback.

mod auth_common;

/// Named `auth` so that `cargo test -p mcp-core auth` selects these tests.
mod auth {

    use std::time::Duration;

    use crate::auth_common::*;
    use mcp_core::auth::{AuthFailure, AuthMode, Authenticator, OAuthConfig};
    use mcp_core::identity::Principal;
    use serde_json::{Value, json};
    use test_support::jwks::EC_KID;

    async fn check(auth: &Authenticator, token: &str) -> Result<Principal, AuthFailure> {
        auth.authenticate(&bearer(token)).await.map(|p| p.expect("oauth mode always yields a principal"))
    }

    async fn reason(auth: &Authenticator, token: &str) -> &'static str {
        match check(auth, token).await {
            Ok(p) => panic!("token unexpectedly accepted for {}", p.subject),
            Err(f) => f.reason(),
        }
    }

    #[tokio::test]
    async fn valid_token_is_accepted_with_scopes_and_keys_are_cached() {
        let server = JwksServer::start().await;
        let auth = oauth_auth(&oauth_config(&server));
        assert_eq!(auth.mode(), AuthMode::Oauth);
        assert_eq!(auth.audience(), Some(RESOURCE));

        let token = server.token("alice", RESOURCE, &["mcp:read", "mcp:write"], 300);
        let p = check(&auth, &token).await.expect("valid token");
        assert_eq!(p.subject, "alice");
        assert_eq!(p.scopes, ["mcp:read", "mcp:write"]);
        // JWKS discovered through the RFC 8414 metadata, fetched once.
        assert_eq!(server.metadata_fetch_count(), 1);
        assert_eq!(server.fetch_count(), 1);

        // `scp` array, `aud` array containing us, ES256 key: all fine; no refetch.
        let mut claims = server.claims("bob", RESOURCE, &[], 300);
        claims["aud"] = json!(["https://other.example", RESOURCE]);
        claims["scp"] = json!(["a", "b"]);
        claims.as_object_mut().expect("object").remove("scope");
        let p = check(&auth, &server.sign_with("ES256", Some(EC_KID), claims))
            .await
            .expect("ES256 is in the default allow-list");
        assert_eq!(p.subject, "bob");
        assert_eq!(p.scopes, ["a", "b"]);
        assert_eq!(server.fetch_count(), 1);
        assert_eq!(server.metadata_fetch_count(), 1);
    }

    #[tokio::test]
    async fn configured_jwks_url_skips_discovery() {
        let server = JwksServer::start().await;
        let cfg = OAuthConfig {
            jwks_url: Some(server.jwks_url()),
            audience: Some("api://custom".into()),
            ..oauth_config(&server)
        };
        let auth = oauth_auth(&cfg);
        check(&auth, &server.token("alice", "api://custom", &[], 60)).await.expect("custom audience");
        assert_eq!(reason(&auth, &server.token("alice", RESOURCE, &[], 60)).await, "audience");
        assert_eq!(server.metadata_fetch_count(), 0);
        assert_eq!(server.fetch_count(), 1);
    }

    #[tokio::test]
    async fn expiry_and_leeway() {
        let server = JwksServer::start().await;
        let auth = oauth_auth(&oauth_config(&server));
        assert_eq!(reason(&auth, &server.token("alice", RESOURCE, &[], -120)).await, "expired");
        // Within the default 30 s leeway.
        check(&auth, &server.token("alice", RESOURCE, &[], -10)).await.expect("within leeway");
        let strict = oauth_auth(&OAuthConfig { leeway_secs: 0, ..oauth_config(&server) });
        assert_eq!(reason(&strict, &server.token("alice", RESOURCE, &[], -10)).await, "expired");

        // exp is required.
        let mut claims = server.claims("alice", RESOURCE, &[], 60);
        claims.as_object_mut().expect("object").remove("exp");
        assert_eq!(reason(&auth, &server.sign(claims)).await, "invalid");
        // nbf in the future is refused, in the past accepted.
        let mut claims = server.claims("alice", RESOURCE, &[], 600);
        claims["nbf"] = json!(claims["iat"].as_i64().expect("iat") + 300);
        assert_eq!(reason(&auth, &server.sign(claims.clone())).await, "invalid");
        claims["nbf"] = json!(claims["iat"].as_i64().expect("iat") - 5);
        check(&auth, &server.sign(claims)).await.expect("nbf in the past");
    }

    #[tokio::test]
    async fn audience_issuer_and_subject_are_enforced() {
        let server = JwksServer::start().await;
        let auth = oauth_auth(&oauth_config(&server));
        assert_eq!(reason(&auth, &server.token("alice", "http://127.0.0.1:9/other", &[], 60)).await, "audience");
        let mut claims = server.claims("alice", RESOURCE, &[], 60);
        claims["aud"] = json!(["a", "b"]);
        assert_eq!(reason(&auth, &server.sign(claims)).await, "audience");
        let mut claims = server.claims("alice", RESOURCE, &[], 60);
        claims.as_object_mut().expect("object").remove("aud");
        assert_eq!(reason(&auth, &server.sign(claims)).await, "audience");

        let mut claims = server.claims("alice", RESOURCE, &[], 60);
        claims["iss"] = json!("http://evil.example");
        assert_eq!(reason(&auth, &server.sign(claims)).await, "issuer");
        let mut claims = server.claims("alice", RESOURCE, &[], 60);
        claims.as_object_mut().expect("object").remove("iss");
        assert_eq!(reason(&auth, &server.sign(claims)).await, "issuer");

        let mut claims = server.claims("alice", RESOURCE, &[], 60);
        claims.as_object_mut().expect("object").remove("sub");
        assert_eq!(reason(&auth, &server.sign(claims)).await, "invalid");
    }

    #[tokio::test]
    async fn algorithm_attacks_are_refused() {
        let server = JwksServer::start().await;
        let auth = oauth_auth(&oauth_config(&server));
        let claims = server.claims("mallory", RESOURCE, &["admin"], 60);
        let kid = server.current_kid();

        // alg: none, with and without a kid.
        let none = server.sign_with("none", Some(&kid), claims.clone());
        assert_eq!(
            check(&auth, &none).await,
            Err(AuthFailure::InvalidToken("unsigned tokens (alg none) are not accepted".into()))
        );
        assert_eq!(reason(&auth, &server.sign_with("none", None, claims.clone())).await, "invalid");

        // HS256 forged with the RSA public key as the HMAC secret.
        let forged = server.sign_with("HS256", Some(&kid), claims.clone());
        assert_eq!(
            check(&auth, &forged).await,
            Err(AuthFailure::InvalidToken("token algorithm HS256 is not allowed".into()))
        );

        // A signature algorithm outside the allow-list.
        let rs_only = oauth_auth(&OAuthConfig { algorithms: vec!["RS256".into()], ..oauth_config(&server) });
        let es = server.sign_with("ES256", Some(EC_KID), claims.clone());
        check(&auth, &es).await.expect("ES256 allowed by default");
        assert_eq!(
            check(&rs_only, &es).await,
            Err(AuthFailure::InvalidToken("token algorithm ES256 is not allowed".into()))
        );
        // RS384 is not in the default list either.
        assert_eq!(reason(&auth, &server.sign_with("RS384", Some(&kid), claims.clone())).await, "invalid");

        // Header alg must match the key: ES256 header naming the RSA key.
        let mismatched = server.sign_with("ES256", Some(&kid), claims.clone());
        assert_eq!(
            check(&auth, &mismatched).await,
            Err(AuthFailure::InvalidToken("token algorithm ES256 does not match its key".into()))
        );
        // PS256 with an RSA key whose JWK says alg RS256.
        let ps = oauth_auth(&OAuthConfig { algorithms: vec!["RS256".into(), "PS256".into()], ..oauth_config(&server) });
        assert_eq!(reason(&ps, &server.sign_with("PS256", Some(&kid), claims.clone())).await, "invalid");

        // Tampered payload: signature no longer matches.
        let good = server.sign(claims.clone());
        let other = server.sign(server.claims("admin", RESOURCE, &["admin"], 60));
        let parts: Vec<&str> = good.split('.').collect();
        let other_payload = other.split('.').nth(1).expect("payload");
        let tampered = format!("{}.{}.{}", parts[0], other_payload, parts[2]);
        assert_eq!(check(&auth, &tampered).await, Err(AuthFailure::InvalidToken("token signature is invalid".into())));
        // Not a JWT at all.
        assert_eq!(reason(&auth, "not-a-jwt").await, "invalid");
    }

    #[tokio::test]
    async fn unknown_kid_refreshes_once_then_accepts_rotated_key() {
        let server = JwksServer::start().await;
        let auth = oauth_auth(&oauth_config(&server));
        check(&auth, &server.token("alice", RESOURCE, &[], 60)).await.expect("warm");
        assert_eq!(server.fetch_count(), 1);

        let new_kid = server.rotate();
        let token = server.token("alice", RESOURCE, &[], 60);
        assert_eq!(jsonwebtoken::decode_header(&token).expect("header").kid.as_deref(), Some(new_kid.as_str()));
        check(&auth, &token).await.expect("rotated key found after one refresh");
        assert_eq!(server.fetch_count(), 2);
        check(&auth, &token).await.expect("cached");
        check(&auth, &server.token("bob", RESOURCE, &[], 60)).await.expect("cached");
        assert_eq!(server.fetch_count(), 2);
        // Old-key tokens keep working (the old key stays published).
        check(&auth, &server.sign_with("RS256", Some("rsa-1"), server.claims("carol", RESOURCE, &[], 60)))
            .await
            .expect("old key");
        assert_eq!(server.fetch_count(), 2);
    }

    #[tokio::test]
    async fn unknown_kids_within_min_interval_do_not_refetch() {
        let server = JwksServer::start().await;
        let auth = oauth_auth(&oauth_config(&server));
        check(&auth, &server.token("alice", RESOURCE, &[], 60)).await.expect("warm");
        assert_eq!(server.fetch_count(), 1);
        let claims = server.claims("mallory", RESOURCE, &[], 60);
        assert_eq!(reason(&auth, &server.sign_with("RS256", Some("ghost-1"), claims.clone())).await, "unknown_key");
        assert_eq!(server.fetch_count(), 2, "first unknown kid refreshes");
        for i in 2..20 {
            let kid = format!("ghost-{i}");
            assert_eq!(reason(&auth, &server.sign_with("RS256", Some(&kid), claims.clone())).await, "unknown_key");
        }
        assert_eq!(server.fetch_count(), 2, "kid spraying must not refetch within the interval");

        // Even a real rotation has to wait for the interval to pass.
        let quick = oauth_auth(&OAuthConfig { jwks_min_refresh_secs: 2, ..oauth_config(&server) });
        check(&quick, &server.token("alice", RESOURCE, &[], 60)).await.expect("warm");
        assert_eq!(reason(&quick, &server.sign_with("RS256", Some("ghost"), claims.clone())).await, "unknown_key");
        let before = server.fetch_count();
        server.rotate();
        let rotated = server.token("alice", RESOURCE, &[], 60);
        assert_eq!(reason(&quick, &rotated).await, "unknown_key");
        assert_eq!(server.fetch_count(), before);
        tokio::time::sleep(Duration::from_millis(2100)).await;
        check(&quick, &rotated).await.expect("refreshed after the interval");
        assert_eq!(server.fetch_count(), before + 1);
    }

    #[tokio::test]
    async fn concurrent_unknown_kids_share_one_refresh() {
        let server = JwksServer::start().await;
        let auth = oauth_auth(&OAuthConfig {
            // No rate limit: only the single-flight logic prevents a thundering herd here.
            jwks_min_refresh_secs: 0,
            ..oauth_config(&server)
        });
        check(&auth, &server.token("alice", RESOURCE, &[], 60)).await.expect("warm");
        assert_eq!(server.fetch_count(), 1);
        server.rotate();
        let token = server.token("alice", RESOURCE, &[], 60);
        let tasks: Vec<_> = (0..16)
            .map(|_| {
                let auth = auth.clone();
                let token = token.clone();
                tokio::spawn(async move { check(&auth, &token).await })
            })
            .collect();
        for t in tasks {
            t.await.expect("task").expect("valid after the shared refresh");
        }
        assert_eq!(server.fetch_count(), 2);
    }

    #[tokio::test]
    async fn cold_start_concurrent_requests_fetch_once() {
        let server = JwksServer::start().await;
        let auth = oauth_auth(&oauth_config(&server));
        let token = server.token("alice", RESOURCE, &[], 60);
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let auth = auth.clone();
                let token = token.clone();
                tokio::spawn(async move { check(&auth, &token).await })
            })
            .collect();
        for t in tasks {
            t.await.expect("task").expect("valid");
        }
        assert_eq!(server.fetch_count(), 1);
        assert_eq!(server.metadata_fetch_count(), 1);
    }

    #[tokio::test]
    async fn jwks_down_with_warm_cache_still_validates() {
        let server = JwksServer::start().await;
        let auth = oauth_auth(&OAuthConfig { jwks_cache_secs: 1, jwks_min_refresh_secs: 1, ..oauth_config(&server) });
        let token = server.token("alice", RESOURCE, &["r"], 300);
        let es = server.sign_with("ES256", Some(EC_KID), server.claims("bob", RESOURCE, &[], 300));
        check(&auth, &token).await.expect("warm");
        assert_eq!(server.fetch_count(), 1);

        // Outage with the port open (503), after the cache TTL: refresh fails, cached keys are kept.
        server.set_available(false);
        tokio::time::sleep(Duration::from_millis(1100)).await;
        check(&auth, &token).await.expect("stale keys used while the JWKS answers 503");
        server.set_available(true);
        tokio::time::sleep(Duration::from_millis(1500)).await;
        check(&auth, &token).await.expect("refreshed");
        assert_eq!(server.fetch_count(), 2, "the refresh after the TTL really happened");

        // Server gone entirely.
        server.stop().await;
        assert!(http_client().get(server.jwks_url()).send().await.is_err(), "server must be down");
        tokio::time::sleep(Duration::from_millis(1100)).await;
        check(&auth, &token).await.expect("stale keys used while the JWKS is unreachable");
        check(&auth, &es).await.expect("all cached keys stay usable");
        // An unknown kid cannot be resolved, but is not an outage either.
        let ghost = server.sign_with("RS256", Some("ghost"), server.claims("x", RESOURCE, &[], 60));
        assert_eq!(reason(&auth, &ghost).await, "unknown_key");
    }

    #[tokio::test]
    async fn jwks_down_without_cache_is_unavailable() {
        let server = JwksServer::start().await;
        let token = server.token("alice", RESOURCE, &[], 300);
        server.stop().await;
        let auth = oauth_auth(&oauth_config(&server));
        let failure = check(&auth, &token).await.expect_err("cannot validate");
        assert_eq!(failure.reason(), "jwks_unavailable");
        let resp = auth.unauthorized(&failure);
        assert_eq!(resp.status(), 401);
        let header = resp.headers()["www-authenticate"].to_str().expect("ascii").to_owned();
        assert!(header.contains(r#"error="invalid_token""#), "{header}");
        assert!(!header.contains(server.issuer()), "internal URL leaked: {header}");
    }

    #[tokio::test]
    async fn http_challenges_and_metadata() {
        let server = JwksServer::start().await;
        let (listener, addr) = listener().await;
        let resource = format!("http://{addr}/mcp");
        let cfg =
            OAuthConfig { scopes_supported: vec!["mcp:read".into(), "mcp:admin".into()], ..oauth_config(&server) };
        let auth = Authenticator::new(AuthMode::Oauth, &[], &cfg, &resource, http_client())
            .expect("setup")
            .with_resource_name("Test MCP");
        let metadata_url = format!("http://{addr}/.well-known/oauth-protected-resource/mcp");
        assert_eq!(auth.resource_metadata_url(), Some(metadata_url.as_str()));
        serve(listener, auth);
        let http = http_client();

        // Metadata document.
        let doc: Value = http.get(&metadata_url).send().await.expect("metadata").json().await.expect("json");
        assert_eq!(
            doc,
            json!({
                "resource": resource,
                "authorization_servers": [server.issuer()],
                "scopes_supported": ["mcp:read", "mcp:admin"],
                "bearer_methods_supported": ["header"],
                "resource_name": "Test MCP",
            })
        );

        // No token: no error code.
        let resp = http.get(&resource).send().await.expect("request");
        assert_eq!(resp.status(), 401);
        assert_eq!(
            resp.headers()["www-authenticate"],
            format!(r#"Bearer realm="mcp", resource_metadata="{metadata_url}""#).as_str()
        );
        let body: Value = resp.json().await.expect("json");
        assert_eq!(body["error"], "unauthorized");

        // Another scheme: treated like no bearer token.
        let resp = http.get(&resource).basic_auth("u", Some("p")).send().await.expect("request");
        assert_eq!(resp.status(), 401);
        assert_eq!(
            resp.headers()["www-authenticate"],
            format!(r#"Bearer realm="mcp", resource_metadata="{metadata_url}""#).as_str()
        );

        // Expired token: invalid_token, and the body never echoes the token.
        let expired = server.token("alice", &resource, &[], -600);
        let resp = http.get(&resource).bearer_auth(&expired).send().await.expect("request");
        assert_eq!(resp.status(), 401);
        assert_eq!(
        resp.headers()["www-authenticate"],
        format!(
            r#"Bearer realm="mcp", error="invalid_token", error_description="token expired", resource_metadata="{metadata_url}""#
        )
        .as_str()
    );
        let text = resp.text().await.expect("body");
        assert!(!text.contains(&expired), "{text}");
        assert_eq!(
            serde_json::from_str::<Value>(&text).expect("json"),
            json!({"error": "invalid_token", "error_description": "token expired"})
        );

        // Valid token, missing scope: 403 insufficient_scope with the scope list.
        let token = server.token("alice", &resource, &["mcp:read"], 300);
        let resp = http
            .get(&resource)
            .bearer_auth(&token)
            .header(NEED_SCOPE, "mcp:read mcp:admin")
            .send()
            .await
            .expect("request");
        assert_eq!(resp.status(), 403);
        assert_eq!(
        resp.headers()["www-authenticate"],
        format!(
            r#"Bearer realm="mcp", error="insufficient_scope", scope="mcp:read mcp:admin", error_description="this request needs scope: mcp:read mcp:admin", resource_metadata="{metadata_url}""#
        )
        .as_str()
    );
        let body: Value = resp.json().await.expect("json");
        assert_eq!(body["error"], "insufficient_scope");

        // Valid token with the scope.
        let resp =
            http.get(&resource).bearer_auth(&token).header(NEED_SCOPE, "mcp:read").send().await.expect("request");
        assert_eq!(resp.status(), 200);
        let body: Value = resp.json().await.expect("json");
        assert_eq!(body, json!({"subject": "alice", "scopes": ["mcp:read"]}));
    }

    #[tokio::test]
    async fn metadata_url_and_defaults() {
        let server = JwksServer::start().await;
        let build = |resource: &str, cfg: &OAuthConfig| {
            Authenticator::new(AuthMode::Oauth, &[], cfg, resource, http_client()).expect("setup")
        };
        let cfg = oauth_config(&server);
        let a = build("https://mcp.example.com/", &cfg);
        assert_eq!(a.resource_metadata_url(), Some("https://mcp.example.com/.well-known/oauth-protected-resource"));
        let doc = a.resource_metadata().expect("oauth has metadata");
        assert_eq!(doc["resource"], "https://mcp.example.com/");
        assert!(doc.get("scopes_supported").is_none());
        assert!(doc.get("resource_name").is_none());

        let cfg = OAuthConfig {
            authorization_servers: vec!["https://as1.example".into(), "https://as2.example".into()],
            ..oauth_config(&server)
        };
        let a = build("https://mcp.example.com:8443/v1/mcp", &cfg);
        assert_eq!(
            a.resource_metadata_url(),
            Some("https://mcp.example.com:8443/.well-known/oauth-protected-resource/v1/mcp")
        );
        assert_eq!(
            a.resource_metadata().expect("metadata")["authorization_servers"],
            json!(["https://as1.example", "https://as2.example"])
        );
    }

    #[tokio::test]
    async fn oauth_setup_errors_name_the_key() {
        let server = JwksServer::start().await;
        let err = |cfg: OAuthConfig, resource: &str| {
            Authenticator::new(AuthMode::Oauth, &[], &cfg, resource, http_client()).expect_err("must fail")
        };
        let base = || oauth_config(&server);
        let cases: Vec<(OAuthConfig, &str, &str, &str)> = vec![
            (OAuthConfig::default(), RESOURCE, "oauth.issuer", "required"),
            (OAuthConfig { issuer: Some("  ".into()), ..base() }, RESOURCE, "oauth.issuer", "required"),
            (OAuthConfig { issuer: Some("not a url".into()), ..base() }, RESOURCE, "oauth.issuer", "not a valid URL"),
            (OAuthConfig { algorithms: vec!["none".into()], ..base() }, RESOURCE, "oauth.algorithms", "never allowed"),
            (
                OAuthConfig { algorithms: vec!["RS256".into(), "HS256".into()], ..base() },
                RESOURCE,
                "oauth.algorithms",
                "shared-secret",
            ),
            (
                OAuthConfig { algorithms: vec!["XX999".into()], ..base() },
                RESOURCE,
                "oauth.algorithms",
                "unknown algorithm",
            ),
            (OAuthConfig { algorithms: vec![], ..base() }, RESOURCE, "oauth.algorithms", "at least one"),
            (OAuthConfig { jwks_url: Some("ftp://x/jwks".into()), ..base() }, RESOURCE, "oauth.jwks_url", "http"),
            (OAuthConfig { audience: Some("".into()), ..base() }, RESOURCE, "oauth.audience", "empty"),
            (OAuthConfig { jwks_cache_secs: 0, ..base() }, RESOURCE, "oauth.jwks_cache_secs", "at least"),
            (
                OAuthConfig { authorization_servers: vec!["nope".into()], ..base() },
                RESOURCE,
                "oauth.authorization_servers",
                "URL",
            ),
            (base(), "", "public_url", "resource URI"),
            (base(), "/mcp", "public_url", "resource URI"),
            (base(), "https://x.example/mcp#frag", "public_url", "fragment"),
        ];
        for (cfg, resource, key, needle) in cases {
            let e = err(cfg, resource);
            assert_eq!(e.key, key, "{e}");
            assert!(e.to_string().contains(needle), "{e} should contain {needle:?}");
        }
    }
}

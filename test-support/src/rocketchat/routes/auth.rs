//! `login`, `logout`, `me`, and personal access tokens (rocketchat.md §1).

use http::StatusCode;
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

use super::super::RcVersion;
use super::super::error::ApiError;
use super::super::http::Call;
use super::super::world::{Token, World};

/// The login failure body (captured from a 7.6 server in `jadolg/rocketchat_API#299`; the
/// stand-in uses it for every version and for wrong credentials too: the doc gives no other).
fn unauthorized() -> ApiError {
    ApiError::status(
        StatusCode::UNAUTHORIZED,
        json!({"success": false, "error": "Unauthorized", "status": "error", "message": "Unauthorized"}),
    )
}

/// A 2FA failure on login: 401 with `status`/`message` and no `errorType` (the 8.5 capture).
fn login_2fa(error: &str, message: &str) -> ApiError {
    ApiError::status(
        StatusCode::UNAUTHORIZED,
        json!({"success": false, "error": error, "status": "error", "message": message,
            "details": {"method": "totp", "availableMethods": ["totp"]}}),
    )
}

/// `POST /api/v1/login`.
pub(crate) fn login(w: &mut World, call: &Call) -> Result<Value, ApiError> {
    if call.form_urlencoded && w.version >= RcVersion::new(7, 6, 0) {
        return Err(unauthorized());
    }
    let body = &call.body;
    let text = |k: &str| body.get(k).and_then(Value::as_str);
    let uid = if let Some(resume) = text("resume") {
        // A resume login needs no password and no second factor.
        w.users
            .iter()
            .find(|u| u.tokens.iter().any(|t| t.token == resume))
            .map(|u| u.id.clone())
            .ok_or_else(unauthorized)?
    } else {
        let by_email = |e: &str| w.users.iter().find(|u| u.email.eq_ignore_ascii_case(e));
        let by_name = |n: &str| w.users.iter().find(|u| u.username == n);
        let user = match (text("user"), text("username"), text("email")) {
            (Some(u), _, _) if u.contains('@') => by_email(u),
            (Some(u), _, _) => by_name(u),
            (None, Some(n), _) => by_name(n),
            (None, None, Some(e)) => by_email(e),
            _ => None,
        };
        // Meteor also takes `password: {digest, algorithm: "sha-256"}`; both forms are accepted.
        let password_ok = |stored: &str| match body.get("password") {
            Some(Value::String(p)) => p == stored,
            Some(Value::Object(o)) => o.get("digest").and_then(Value::as_str) == Some(&sha256_hex(stored)),
            _ => false,
        };
        let user = user.filter(|u| password_ok(&u.password)).ok_or_else(unauthorized)?;
        if let Some(expected) = &user.totp {
            let code = text("code").or_else(|| call.header("x-2fa-code"));
            match code {
                None => return Err(login_2fa("totp-required", "TOTP Required")),
                Some(c) if c != expected => return Err(login_2fa("totp-invalid", "TOTP Invalid")),
                Some(_) => {}
            }
        }
        user.id.clone()
    };
    let token = w.new_token();
    let user = w.user_mut(&uid).ok_or_else(unauthorized)?;
    user.tokens.push(Token { token: token.clone(), pat_name: None, bypass_two_factor: false });
    let me = w.user(&uid).map(|u| w.user_me(u)).unwrap_or_default();
    Ok(json!({"status": "success", "data": {"userId": uid, "authToken": token, "me": me}}))
}

/// `POST|GET /api/v1/logout`: deletes the token used, a personal access token included.
pub(crate) fn logout(w: &mut World, call: &Call) -> Result<Value, ApiError> {
    if let Some(user) = w.user_mut(&call.uid) {
        user.tokens.retain(|t| t.token != call.token);
    }
    // The doc is silent on the body; this is Restivus' logout answer.
    Ok(json!({"status": "success", "data": {"message": "You've been logged out!"}}))
}

/// `GET /api/v1/me`.
pub(crate) fn me(w: &mut World, call: &Call) -> Result<Value, ApiError> {
    w.user(&call.uid).map(|u| w.user_me(u)).ok_or_else(|| ApiError::not_logged_in(w.version))
}

fn sha256_hex(s: &str) -> String {
    Sha256::digest(s.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// The 2FA check of a protected route (`x-2fa-code`, `x-2fa-method`): TOTP when the user has
/// it, otherwise the password's SHA-256 hex; skipped for a token with `bypassTwoFactor`.
fn check_2fa(w: &World, call: &Call) -> Result<(), ApiError> {
    let Some(user) = w.user(&call.uid) else { return Err(ApiError::not_logged_in(w.version)) };
    if user.tokens.iter().any(|t| t.token == call.token && t.bypass_two_factor) {
        return Ok(());
    }
    let method = if user.totp.is_some() { "totp" } else { "password" };
    let details = json!({"method": method, "codeGenerated": false, "availableMethods": if user.totp.is_some() { json!(["totp"]) } else { json!([]) }});
    let Some(code) = call.header("x-2fa-code") else {
        return Err(ApiError::meteor_details("totp-required", "TOTP Required", details));
    };
    let ok = match &user.totp {
        Some(expected) => code == expected,
        None => code.eq_ignore_ascii_case(&sha256_hex(&user.password)) || code == user.password,
    };
    if ok { Ok(()) } else { Err(ApiError::meteor_details("totp-invalid", "TOTP Invalid", details)) }
}

/// `POST users.generatePersonalAccessToken {tokenName, bypassTwoFactor?}` returns `{token}`.
pub(crate) fn generate_pat(w: &mut World, call: &Call) -> Result<Value, ApiError> {
    let name = super::required(call, "tokenName")?.to_owned();
    if !w.has_perm(&call.uid, "create-personal-access-tokens") {
        return Err(ApiError::meteor("not-authorized", "Not Authorized"));
    }
    check_2fa(w, call)?;
    let bypass = call.body.get("bypassTwoFactor").and_then(Value::as_bool).unwrap_or(false);
    if w.user(&call.uid).is_some_and(|u| u.tokens.iter().any(|t| t.pat_name.as_deref() == Some(&name))) {
        return Err(ApiError::meteor("error-token-already-exists", "A token with this name already exists"));
    }
    let token = w.new_token();
    if let Some(user) = w.user_mut(&call.uid) {
        user.tokens.push(Token { token: token.clone(), pat_name: Some(name), bypass_two_factor: bypass });
    }
    Ok(json!({"token": token}))
}

/// `POST users.removePersonalAccessToken {tokenName}`.
pub(crate) fn remove_pat(w: &mut World, call: &Call) -> Result<Value, ApiError> {
    let name = super::required(call, "tokenName")?.to_owned();
    check_2fa(w, call)?;
    let user = w.user_mut(&call.uid).ok_or_else(|| ApiError::plain("User not found."))?;
    let before = user.tokens.len();
    user.tokens.retain(|t| t.pat_name.as_deref() != Some(name.as_str()));
    if user.tokens.len() == before {
        return Err(ApiError::meteor("not-authorized", "Not Authorized"));
    }
    Ok(json!({}))
}

//! Users and settings: `users.info`, `users.list`, `users.autocomplete`, `spotlight`,
//! `settings.public` (rocketchat.md §2.4, §2.7).

use serde_json::{Value, json};

use super::super::RcVersion;
use super::super::error::ApiError;
use super::super::http::Call;
use super::super::world::World;
use super::Page;

/// `GET users.info?userId=|username=|email=` (email from 8.4) returns `{user}`.
pub(crate) fn info(w: &mut World, call: &Call) -> Result<Value, ApiError> {
    let email = if w.version >= RcVersion::new(8, 4, 0) { call.q("email") } else { None };
    let user = match (call.q("userId"), call.q("username"), email) {
        (Some(id), _, _) => w.user(id),
        (None, Some(name), _) => w.user_by_username(name),
        (None, None, Some(e)) => w.users.iter().find(|u| u.email.eq_ignore_ascii_case(e)),
        (None, None, None) => return Err(ApiError::invalid_params("must have required property 'userId'")),
    };
    let user = user.ok_or_else(|| ApiError::plain("User not found."))?;
    Ok(json!({"user": w.user_public(user)}))
}

/// `GET users.list` (needs `view-d-room`), `{users,count,offset,total}` sorted by username.
pub(crate) fn list(w: &mut World, call: &Call) -> Result<Value, ApiError> {
    if !w.has_perm(&call.uid, "view-d-room") {
        return Err(ApiError::forbidden(w.version));
    }
    let mut users: Vec<_> = w.users.iter().collect();
    users.sort_by(|a, b| a.username.cmp(&b.username));
    let items = users.into_iter().map(|u| w.user_public(u)).collect();
    Ok(Page::from_call(w, call).envelope("users", items))
}

/// `GET users.autocomplete?selector={"term":"ali","exceptions":[...]}` returns `{items}` (at most 10).
pub(crate) fn autocomplete(w: &mut World, call: &Call) -> Result<Value, ApiError> {
    let selector: Value = call
        .q("selector")
        .and_then(|s| serde_json::from_str(s).ok())
        .ok_or_else(|| ApiError::meteor("error-invalid-params", "must have required property 'selector'"))?;
    let term = selector.get("term").and_then(Value::as_str).unwrap_or_default().to_lowercase();
    let exceptions: Vec<&str> =
        selector.get("exceptions").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).collect();
    let mut users: Vec<_> = w
        .users
        .iter()
        .filter(|u| !exceptions.contains(&u.username.as_str()))
        .filter(|u| u.username.to_lowercase().contains(&term) || u.name.to_lowercase().contains(&term))
        .collect();
    users.sort_by(|a, b| a.username.cmp(&b.username));
    let items: Vec<Value> = users
        .into_iter()
        .take(10)
        .map(|u| json!({"_id": u.id, "name": u.name, "username": u.username, "status": u.status}))
        .collect();
    Ok(json!({"items": items}))
}

/// `GET spotlight?query=`: users and the public rooms I have **not** joined; `@` / `#` restrict.
pub(crate) fn spotlight(w: &mut World, call: &Call) -> Result<Value, ApiError> {
    let query = call.q("query").unwrap_or_default();
    let (want_users, want_rooms, text) = match query.chars().next() {
        Some('@') => (true, false, &query[1..]),
        Some('#') => (false, true, &query[1..]),
        _ => (true, true, query),
    };
    let text = text.to_lowercase();
    let users: Vec<Value> = if want_users {
        w.users
            .iter()
            .filter(|u| u.username.to_lowercase().contains(&text) || u.name.to_lowercase().contains(&text))
            .map(|u| json!({"_id": u.id, "username": u.username, "name": u.name, "status": u.status}))
            .collect()
    } else {
        Vec::new()
    };
    let rooms: Vec<Value> = if want_rooms {
        w.rooms
            .iter()
            .filter(|r| r.t == "c" && !w.is_member(&call.uid, r))
            .filter(|r| r.name.as_deref().is_some_and(|n| n.to_lowercase().contains(&text)))
            .map(|r| json!({"_id": r.id, "name": r.name, "fname": r.fname, "t": r.t}))
            .collect()
    } else {
        Vec::new()
    };
    Ok(json!({"users": users, "rooms": rooms}))
}

/// Settings that `settings.public` shows (others are private).
const PUBLIC_SETTINGS: [&str; 5] = [
    "Message_MaxAllowedSize",
    "FileUpload_MaxFileSize",
    "Threads_enabled",
    "Message_AllowEditing",
    "Message_AllowDeleting",
];

/// `GET settings.public?_id=a,b` (no authentication): `{settings:[{_id,value}],count,offset,total}`.
pub(crate) fn settings_public(w: &mut World, call: &Call) -> Result<Value, ApiError> {
    let wanted: Option<Vec<&str>> =
        call.q("_id").filter(|s| !s.is_empty()).map(|s| s.split(',').map(str::trim).collect());
    let items: Vec<Value> = w
        .settings
        .iter()
        .filter(|(id, _)| PUBLIC_SETTINGS.contains(&id.as_str()))
        .filter(|(id, _)| wanted.as_ref().is_none_or(|ids| ids.contains(&id.as_str())))
        .map(|(id, value)| json!({"_id": id, "value": value, "enterprise": false}))
        .collect();
    Ok(Page::from_call(w, call).envelope("settings", items))
}

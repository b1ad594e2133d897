//! The route table and the helpers the handlers share (pagination, sorting, JSON params).

mod auth;
mod chat;
mod rooms;
mod upload;
mod users;

use std::sync::OnceLock;

use http::Method;
use serde_json::{Value, json};

use super::RcVersion;
use super::error::ApiError;
use super::http::{BodyKind, Call, Route};
use super::world::World;

/// `GET /api/info`: `{version:"major.minor"}` for everyone, the full `info` object for users
/// with `get-server-info` (admins) (`getServerInfo`, `removePatchInfo`).
pub(crate) fn info(w: &World, uid: Option<&str>) -> Value {
    if uid.is_some_and(|u| w.has_perm(u, "get-server-info")) {
        json!({"info": {"version": w.version.to_string(), "build": {"nodeVersion": "v22.16.0"}, "marketplaceApiVersion": "1.1"}})
    } else {
        json!({"version": format!("{}.{}", w.version.major, w.version.minor)})
    }
}

/// The routes, built once.
pub(crate) fn table() -> &'static [Route] {
    static TABLE: OnceLock<Vec<Route>> = OnceLock::new();
    TABLE.get_or_init(build_table)
}

fn build_table() -> Vec<Route> {
    let v6_10 = Some(RcVersion::V6_10);
    let v8_0 = Some(RcVersion::new(8, 0, 0));
    let mut t = Vec::new();
    let mut add = |method: Method, template: &'static str, auth: bool, handler| {
        t.push(Route { method, template, auth, since: None, until: None, body: BodyKind::Json, handler });
    };
    use Method as M;
    add(M::POST, "login", false, auth::login);
    add(M::POST, "logout", true, auth::logout);
    add(M::GET, "logout", true, auth::logout);
    add(M::GET, "me", true, auth::me);
    add(M::POST, "users.generatePersonalAccessToken", true, auth::generate_pat);
    add(M::POST, "users.removePersonalAccessToken", true, auth::remove_pat);
    add(M::GET, "settings.public", false, users::settings_public);
    add(M::GET, "users.info", true, users::info);
    add(M::GET, "users.list", true, users::list);
    add(M::GET, "users.autocomplete", true, users::autocomplete);
    add(M::GET, "spotlight", true, users::spotlight);

    add(M::POST, "chat.postMessage", true, chat::post_message);
    add(M::POST, "chat.sendMessage", true, chat::send_message);
    add(M::POST, "chat.update", true, chat::update);
    add(M::POST, "chat.delete", true, chat::delete);
    add(M::POST, "chat.react", true, chat::react);
    add(M::GET, "chat.getMessage", true, chat::get_message);
    add(M::GET, "chat.getThreadMessages", true, chat::thread_messages);
    add(M::GET, "chat.getThreadsList", true, chat::threads_list);
    add(M::GET, "chat.search", true, chat::search);
    add(M::GET, "chat.getMentionedMessages", true, chat::mentioned_messages);
    add(M::GET, "directory", true, rooms::directory);
    add(M::GET, "channels.counters", true, rooms::channels_counters);
    add(M::GET, "groups.counters", true, rooms::groups_counters);

    add(M::GET, "rooms.info", true, rooms::rooms_info);
    add(M::GET, "rooms.get", true, rooms::rooms_get);
    add(M::GET, "subscriptions.get", true, rooms::subscriptions_get);
    add(M::POST, "subscriptions.read", true, rooms::subscriptions_read);
    add(M::GET, "channels.info", true, rooms::channels_info);
    add(M::GET, "groups.info", true, rooms::groups_info);
    add(M::GET, "channels.history", true, rooms::channels_history);
    add(M::GET, "groups.history", true, rooms::groups_history);
    add(M::GET, "channels.messages", true, rooms::channels_messages);
    add(M::GET, "groups.messages", true, rooms::groups_messages);
    add(M::GET, "channels.members", true, rooms::channels_members);
    add(M::GET, "groups.members", true, rooms::groups_members);
    add(M::GET, "channels.list", true, rooms::channels_list);
    add(M::GET, "channels.list.joined", true, rooms::channels_list_joined);
    add(M::GET, "groups.list", true, rooms::groups_list);
    add(M::POST, "channels.create", true, rooms::channels_create);
    add(M::POST, "groups.create", true, rooms::groups_create);
    // `im.ts` registers every DM route under both prefixes.
    for (im, dm, method, handler) in [
        ("im.history", "dm.history", M::GET, rooms::im_history as super::http::Handler),
        ("im.messages", "dm.messages", M::GET, rooms::im_messages),
        ("im.members", "dm.members", M::GET, rooms::im_members),
        ("im.list", "dm.list", M::GET, rooms::im_list),
        ("im.counters", "dm.counters", M::GET, rooms::im_counters),
        ("im.create", "dm.create", M::POST, rooms::im_create),
    ] {
        add(method.clone(), im, true, handler);
        add(method, dm, true, handler);
    }

    let upload = |template, since, until, handler| Route {
        method: M::POST,
        template,
        auth: true,
        since,
        until,
        body: BodyKind::Multipart,
        handler,
    };
    t.push(upload("rooms.upload/:rid", None, v8_0, upload::rooms_upload));
    t.push(upload("rooms.media/:rid", v6_10, None, upload::rooms_media));
    let mut confirm = upload("rooms.mediaConfirm/:rid/:fileId", v6_10, None, upload::rooms_media_confirm);
    confirm.body = BodyKind::Json;
    t.push(confirm);
    t
}

/// `parseInt` of a query value: leading digits (with a sign), None if there are none.
pub(crate) fn parse_int(s: &str) -> Option<i64> {
    let s = s.trim();
    let (sign, digits) = match s.strip_prefix('-') {
        Some(rest) => (-1, rest),
        None => (1, s.strip_prefix('+').unwrap_or(s)),
    };
    let digits: String = digits.chars().take_while(char::is_ascii_digit).collect();
    digits.parse::<i64>().ok().map(|n| sign * n)
}

/// One page: `offset`, and `count` (None = no limit).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Page {
    pub(crate) offset: usize,
    pub(crate) count: Option<usize>,
}

impl Page {
    /// `getPaginationItems`: `offset` default 0; `count` default `API_Default_Count` (50),
    /// capped at `API_Upper_Count_Limit` (100); 0 means no limit when `API_Allow_Infinite_Count`.
    pub(crate) fn from_call(w: &World, call: &Call) -> Page {
        let default = w.setting_i64("API_Default_Count", 50);
        let upper = w.setting_i64("API_Upper_Count_Limit", 100);
        let infinite = w.setting_bool("API_Allow_Infinite_Count", true);
        let offset = call.q("offset").and_then(parse_int).unwrap_or(0).max(0) as usize;
        let mut count = call.q("count").and_then(parse_int).unwrap_or(default);
        if count > upper {
            count = upper;
        }
        if count <= 0 && !infinite {
            count = default;
        }
        Page { offset, count: (count > 0).then_some(count as usize) }
    }

    /// Apply to a list: `(page, total)`.
    pub(crate) fn slice<T: Clone>(&self, items: &[T]) -> (Vec<T>, usize) {
        let page: Vec<T> = items.iter().skip(self.offset).take(self.count.unwrap_or(usize::MAX)).cloned().collect();
        (page, items.len())
    }

    /// The standard `{<key>: items, count, offset, total}` list envelope.
    pub(crate) fn envelope(&self, key: &str, items: Vec<Value>) -> Value {
        let (page, total) = self.slice(&items);
        json!({key: page.clone(), "count": page.len(), "offset": self.offset, "total": total})
    }
}

/// `parseJsonQuery`'s `sort`: a JSON object whose values are 1 or -1.
pub(crate) fn parse_sort(call: &Call) -> Result<Vec<(String, i64)>, ApiError> {
    let Some(raw) = call.q("sort") else { return Ok(Vec::new()) };
    let Ok(Value::Object(map)) = serde_json::from_str::<Value>(raw) else {
        return Err(ApiError::meteor("error-invalid-sort", &format!("Invalid sort parameter provided: \"{raw}\"")));
    };
    map.into_iter()
        .map(|(k, v)| match v.as_i64() {
            Some(d @ (1 | -1)) => Ok((k, d)),
            _ => Err(ApiError::meteor("error-invalid-sort-parameter", &format!("Invalid sort parameter: {k}"))),
        })
        .collect()
}

/// Sort JSON objects by fields (ISO strings and numbers compare as themselves).
pub(crate) fn sort_values(items: &mut [Value], sort: &[(String, i64)]) {
    items.sort_by(|a, b| {
        for (key, dir) in sort {
            let ord = compare(&a[key.as_str()], &b[key.as_str()]);
            let ord = if *dir < 0 { ord.reverse() } else { ord };
            if ord.is_ne() {
                return ord;
            }
        }
        std::cmp::Ordering::Equal
    });
}

fn compare(a: &Value, b: &Value) -> std::cmp::Ordering {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            x.as_f64().unwrap_or(0.0).partial_cmp(&y.as_f64().unwrap_or(0.0)).unwrap_or(std::cmp::Ordering::Equal)
        }
        (Value::String(x), Value::String(y)) => x.cmp(y),
        (Value::Null, Value::Null) => std::cmp::Ordering::Equal,
        (Value::Null, _) => std::cmp::Ordering::Less,
        (_, Value::Null) => std::cmp::Ordering::Greater,
        _ => a.to_string().cmp(&b.to_string()),
    }
}

/// A query boolean: only the string `true` is true.
pub(crate) fn q_true(call: &Call, key: &str) -> Option<bool> {
    call.q(key).map(|v| v == "true")
}

/// A body field required by the schema: a missing one is `must have required property 'x'`.
pub(crate) fn required<'a>(call: &'a Call, key: &str) -> Result<&'a str, ApiError> {
    call.b(key).ok_or_else(|| ApiError::invalid_params(&format!("must have required property '{key}'")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_int_is_javascripts() {
        assert_eq!(parse_int("20"), Some(20));
        assert_eq!(parse_int("7abc"), Some(7));
        assert_eq!(parse_int("-1"), Some(-1));
        assert_eq!(parse_int("abc"), None);
    }

    #[test]
    fn pagination_defaults_caps_and_unlimited() {
        let w = World::new(RcVersion::V8);
        let call = |q: &str| Call {
            query: form_urlencoded::parse(q.as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned())).collect(),
            ..Call::default()
        };
        let p = Page::from_call(&w, &call(""));
        assert_eq!((p.offset, p.count), (0, Some(50)));
        let p = Page::from_call(&w, &call("count=500&offset=3"));
        assert_eq!((p.offset, p.count), (3, Some(100)));
        assert_eq!(Page::from_call(&w, &call("count=0")).count, None);
        let items: Vec<u32> = (0..10).collect();
        let (page, total) = Page { offset: 8, count: Some(5) }.slice(&items);
        assert_eq!((page, total), (vec![8, 9], 10));
    }

    #[test]
    fn sort_must_be_an_object_of_plus_minus_one() {
        let call = |s: &str| Call { query: vec![("sort".into(), s.into())], ..Call::default() };
        assert_eq!(parse_sort(&call(r#"{"ts":-1}"#)).unwrap_or_default(), vec![("ts".to_owned(), -1)]);
        assert_eq!(
            parse_sort(&call("ts")).map_err(|e| e.body["errorType"].clone()).err(),
            Some(json!("error-invalid-sort"))
        );
        assert_eq!(
            parse_sort(&call(r#"{"ts":2}"#)).map_err(|e| e.body["errorType"].clone()).err(),
            Some(json!("error-invalid-sort-parameter"))
        );
    }
}

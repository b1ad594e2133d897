//! Rooms: info, history, paginated messages, members, lists, subscriptions, creation and DMs
//! (rocketchat.md §2.2, §2.3, §2.5, §2.7, §2.8).

use serde_json::{Value, json};

use super::super::RcVersion;
use super::super::error::ApiError;
use super::super::http::Call;
use super::super::world::{Msg, Room, World, iso, parse_iso};
use super::{Page, parse_int, parse_sort, q_true, sort_values};

/// `findChannelByIdOrName`: a public channel (type `c`, or `l`) by `roomId` or `roomName`.
fn find_channel<'a>(w: &'a World, call: &Call) -> Result<&'a Room, ApiError> {
    let room = match (call.q("roomId"), call.q("roomName")) {
        (Some(id), _) => w.room(id),
        (None, Some(name)) => w.room_by_name(name),
        (None, None) => {
            return Err(ApiError::meteor(
                "error-roomid-param-not-provided",
                "The parameter \"roomId\" or \"roomName\" is required",
            ));
        }
    };
    room.filter(|r| r.t == "c" || r.t == "l").ok_or_else(|| {
        ApiError::meteor(
            "error-room-not-found",
            "The required \"roomId\" or \"roomName\" param provided does not match any channel",
        )
    })
}

/// `findPrivateGroupByIdOrName`: a private group the caller is in.
fn find_group<'a>(w: &'a World, call: &Call) -> Result<&'a Room, ApiError> {
    let room = match (call.q("roomId"), call.q("roomName")) {
        (Some(id), _) => w.room(id),
        (None, Some(name)) => w.room_by_name(name),
        (None, None) => {
            return Err(ApiError::meteor(
                "error-room-param-not-provided",
                "The parameter \"roomId\" or \"roomName\" is required",
            ));
        }
    };
    room.filter(|r| r.t == "p" && w.is_member(&call.uid, r)).ok_or_else(|| {
        ApiError::meteor(
            "error-room-not-found",
            "The required \"roomId\" or \"roomName\" param provided does not match any group",
        )
    })
}

/// `findDirectMessageRoom`: `roomId` may be a DM id, a username or a user id (the DM is created).
fn find_dm(w: &mut World, call: &Call, allow_username_param: bool) -> Result<String, ApiError> {
    let key = match (call.q("roomId"), allow_username_param.then(|| call.q("username")).flatten()) {
        (Some(id), _) => id.to_owned(),
        (None, Some(u)) => u.to_owned(),
        (None, None) => {
            return Err(ApiError::meteor(
                "error-room-param-not-provided",
                "Query param \"roomId\" or \"username\" is required",
            ));
        }
    };
    if let Some(room) = w.room(&key) {
        if room.t != "d" {
            return Err(ApiError::meteor("invalid-channel", ""));
        }
        if !w.is_member(&call.uid, room) {
            return Err(ApiError::meteor("error-not-allowed", "Not allowed"));
        }
        return Ok(room.id.clone());
    }
    let other = w.user_by_username(&key).or_else(|| w.user(&key)).map(|u| u.id.clone());
    match other {
        Some(other) => Ok(w.direct(&call.uid, &[other])),
        None => Err(ApiError::meteor("invalid-channel", "")),
    }
}

fn visible(m: &Msg, show_threads: bool) -> bool {
    show_threads || m.tmid.is_none() || m.tshow
}

/// `getChannelHistory`: newest first, `latest` (default now) / `oldest` exclusive unless
/// `inclusive`, `offset` / `count`, thread replies only with `showThreadMessages`, and with
/// `unreads=true` also `firstUnread` / `unreadNotLoaded`. No total.
fn history(w: &World, call: &Call, rid: &str, count: Option<usize>, show_threads: bool) -> Result<Value, ApiError> {
    let date = |k: &str| -> Result<Option<i64>, ApiError> {
        match call.q(k) {
            None | Some("") => Ok(None),
            Some(s) => {
                parse_iso(s).map(Some).ok_or_else(|| ApiError::invalid_params(&format!("Invalid date for `{k}`")))
            }
        }
    };
    let latest = date("latest")?;
    let oldest = date("oldest")?;
    let inclusive = q_true(call, "inclusive").unwrap_or(false);
    let offset = call.q("offset").and_then(parse_int).unwrap_or(0).max(0) as usize;
    let in_range = |m: &&Msg| {
        let before = latest.is_none_or(|l| if inclusive { m.ts <= l } else { m.ts < l });
        let after = oldest.is_none_or(|o| if inclusive { m.ts >= o } else { m.ts > o });
        before && after
    };
    let msgs: Vec<&Msg> = w
        .messages
        .iter()
        .rev()
        .filter(|m| m.rid == rid && visible(m, show_threads))
        .filter(in_range)
        .skip(offset)
        .take(count.unwrap_or(usize::MAX))
        .collect();
    let mut out = json!({"messages": msgs.iter().map(|m| w.msg_json(m)).collect::<Vec<_>>()});
    if q_true(call, "unreads") == Some(true) {
        let mut unread_not_loaded = 0;
        let mut first_unread = Value::Null;
        if let (Some(o), Some(first)) = (oldest, msgs.last())
            && first.ts > o
        {
            let between: Vec<&Msg> = w
                .messages
                .iter()
                .filter(|m| m.rid == rid && visible(m, show_threads) && m.ts > o && m.ts < first.ts)
                .collect();
            unread_not_loaded = between.len();
            if let Some(m) = between.first() {
                first_unread = w.msg_json(m);
            }
        }
        out["unreadNotLoaded"] = json!(unread_not_loaded);
        if !first_unread.is_null() {
            out["firstUnread"] = first_unread;
        }
    }
    Ok(out)
}

/// `GET channels.history`: count via `getPaginationItems` (50), threads only with `showThreadMessages=true`.
pub(crate) fn channels_history(w: &mut World, call: &Call) -> Result<Value, ApiError> {
    let rid = find_channel(w, call)?.id.clone();
    let count = Page::from_call(w, call).count;
    history(w, call, &rid, count, q_true(call, "showThreadMessages").unwrap_or(false))
}

/// `GET groups.history`: `count` parsed directly (default 20, no cap), threads unless `showThreadMessages=false`.
pub(crate) fn groups_history(w: &mut World, call: &Call) -> Result<Value, ApiError> {
    let rid = find_group(w, call)?.id.clone();
    let count = call.q("count").and_then(parse_int).unwrap_or(20);
    let show = call.q("showThreadMessages") != Some("false");
    history(w, call, &rid, (count > 0).then_some(count as usize), show)
}

/// `GET im.history` / `dm.history`: `roomId` (also a username or user id), count 50.
pub(crate) fn im_history(w: &mut World, call: &Call) -> Result<Value, ApiError> {
    let rid = find_dm(w, call, false)?;
    let count = Page::from_call(w, call).count;
    history(w, call, &rid, count, q_true(call, "showThreadMessages").unwrap_or(false))
}

/// `*.messages`: every message (thread replies included), `{messages,count,offset,total}`,
/// sorted `ts:-1` unless `sort`; from 7.0 filtered by `mentionIds`, `starredIds`, `pinned`.
fn paged_messages(w: &World, call: &Call, rid: &str) -> Result<Value, ApiError> {
    let mut sort = parse_sort(call)?;
    if sort.is_empty() {
        sort.push(("ts".into(), -1));
    }
    let ids = |k: &str| -> Option<Vec<String>> {
        let raw = call.q(k)?;
        Some(match serde_json::from_str::<Vec<String>>(raw) {
            Ok(v) => v,
            Err(_) => raw.split(',').map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect(),
        })
    };
    let filters = w.version >= RcVersion::new(7, 0, 0);
    let mention_ids = filters.then(|| ids("mentionIds")).flatten();
    // Nothing can be starred in the stand-in, so any `starredIds` filter matches nothing.
    let starred = filters && ids("starredIds").is_some();
    let pinned = filters.then(|| q_true(call, "pinned")).flatten();
    let mut items: Vec<Value> = w
        .messages
        .iter()
        .filter(|m| m.rid == rid)
        .filter(|m| mention_ids.as_ref().is_none_or(|ids| m.mentions.iter().any(|(id, _)| ids.contains(id))))
        .filter(|_| !starred)
        .filter(|m| pinned.is_none_or(|p| !p || m.pinned))
        .map(|m| w.msg_json(m))
        .collect();
    sort_values(&mut items, &sort);
    Ok(Page::from_call(w, call).envelope("messages", items))
}

/// `GET channels.messages?roomId=`.
pub(crate) fn channels_messages(w: &mut World, call: &Call) -> Result<Value, ApiError> {
    let Some(id) = call.q("roomId") else {
        return Err(ApiError::meteor("error-invalid-params", "must have required property 'roomId'"));
    };
    let room = w.room(id).filter(|r| r.t == "c" || r.t == "l").ok_or_else(|| {
        ApiError::meteor(
            "error-room-not-found",
            "The required \"roomId\" or \"roomName\" param provided does not match any channel",
        )
    })?;
    if !w.can_access(&call.uid, room) {
        return Err(ApiError::forbidden(w.version));
    }
    let rid = room.id.clone();
    paged_messages(w, call, &rid)
}

/// `GET groups.messages`: exactly one of `roomId` / `roomName`.
pub(crate) fn groups_messages(w: &mut World, call: &Call) -> Result<Value, ApiError> {
    if call.q("roomId").is_some() == call.q("roomName").is_some() {
        return Err(ApiError::meteor("error-invalid-params", "must match exactly one schema in oneOf"));
    }
    let rid = find_group(w, call)?.id.clone();
    paged_messages(w, call, &rid)
}

/// `GET im.messages` / `dm.messages`: `roomId` or `username`.
pub(crate) fn im_messages(w: &mut World, call: &Call) -> Result<Value, ApiError> {
    let rid = find_dm(w, call, true)?;
    paged_messages(w, call, &rid)
}

/// `GET rooms.info?roomId=|roomName=` returns `{room}`.
pub(crate) fn rooms_info(w: &mut World, call: &Call) -> Result<Value, ApiError> {
    let room = match (call.q("roomId"), call.q("roomName")) {
        (Some(id), _) => w.room(id),
        (None, Some(name)) => w.room_by_name(name),
        (None, None) => {
            return Err(ApiError::meteor(
                "error-roomid-param-not-provided",
                "The parameter \"roomId\" or \"roomName\" is required",
            ));
        }
    };
    let room = room.ok_or_else(|| {
        ApiError::meteor(
            "error-room-not-found",
            "The required \"roomId\" or \"roomName\" param provided does not match any channel",
        )
    })?;
    if !w.can_access(&call.uid, room) {
        // The source swaps error and errorType here.
        return Err(ApiError::typed("not-allowed", "Not Allowed"));
    }
    Ok(json!({"room": w.room_json(room)}))
}

/// `GET channels.info` returns `{channel}`.
pub(crate) fn channels_info(w: &mut World, call: &Call) -> Result<Value, ApiError> {
    let room = find_channel(w, call)?;
    Ok(json!({"channel": w.room_json(room)}))
}

/// `GET groups.info` returns `{group}`.
pub(crate) fn groups_info(w: &mut World, call: &Call) -> Result<Value, ApiError> {
    let room = find_group(w, call)?;
    Ok(json!({"group": w.room_json(room)}))
}

/// `{members,count,offset,total}`, sorted by username; `status[]` and free-text `filter`.
fn members(w: &World, call: &Call, room: &Room) -> Value {
    let statuses: Vec<&str> = call.q_all("status[]").into_iter().chain(call.q_all("status")).collect();
    let filter = call.q("filter").map(str::to_lowercase);
    let mut users: Vec<_> = room
        .members
        .iter()
        .filter_map(|id| w.user(id))
        .filter(|u| statuses.is_empty() || statuses.contains(&u.status.as_str()))
        .filter(|u| {
            filter.as_ref().is_none_or(|f| u.username.to_lowercase().contains(f) || u.name.to_lowercase().contains(f))
        })
        .collect();
    users.sort_by(|a, b| a.username.cmp(&b.username));
    let items = users
        .into_iter()
        .map(|u| json!({"_id": u.id, "username": u.username, "name": u.name, "status": u.status, "_updatedAt": iso(u.created)}))
        .collect();
    Page::from_call(w, call).envelope("members", items)
}

/// `GET channels.members`.
pub(crate) fn channels_members(w: &mut World, call: &Call) -> Result<Value, ApiError> {
    let room = find_channel(w, call)?;
    if !w.can_access(&call.uid, room) {
        return Err(ApiError::forbidden(w.version));
    }
    Ok(members(w, call, room))
}

/// `GET groups.members`.
pub(crate) fn groups_members(w: &mut World, call: &Call) -> Result<Value, ApiError> {
    let room = find_group(w, call)?;
    Ok(members(w, call, room))
}

/// `GET im.members` / `dm.members`.
pub(crate) fn im_members(w: &mut World, call: &Call) -> Result<Value, ApiError> {
    let rid = find_dm(w, call, true)?;
    let room = w.room(&rid).ok_or_else(|| ApiError::meteor("invalid-channel", ""))?;
    Ok(members(w, call, room))
}

/// 7.0.3 up to 7.4 rejected `count` / `offset` on `channels.list` (fixed in 7.4).
fn channels_list_bug(w: &World, call: &Call) -> Result<(), ApiError> {
    let buggy = w.version >= RcVersion::new(7, 0, 3) && w.version < RcVersion::new(7, 4, 0);
    if buggy && (call.q("count").is_some() || call.q("offset").is_some()) {
        return Err(ApiError::invalid_params("must NOT have additional properties"));
    }
    Ok(())
}

fn rooms_sorted(w: &World, keep: impl Fn(&Room) -> bool) -> Vec<&Room> {
    let mut rooms: Vec<&Room> = w.rooms.iter().filter(|r| keep(r)).collect();
    rooms.sort_by(|a, b| a.name.cmp(&b.name));
    rooms
}

/// `GET channels.list`: every public channel with `view-c-room`, joined ones with only `view-joined-room`.
pub(crate) fn channels_list(w: &mut World, call: &Call) -> Result<Value, ApiError> {
    channels_list_bug(w, call)?;
    let all = w.has_perm(&call.uid, "view-c-room");
    if !all && !w.has_perm(&call.uid, "view-joined-room") {
        return Err(ApiError::forbidden(w.version));
    }
    let rooms = rooms_sorted(w, |r| r.t == "c" && (all || w.is_member(&call.uid, r)));
    let items = rooms.into_iter().map(|r| w.room_json(r)).collect();
    Ok(Page::from_call(w, call).envelope("channels", items))
}

/// `GET channels.list.joined`.
pub(crate) fn channels_list_joined(w: &mut World, call: &Call) -> Result<Value, ApiError> {
    let rooms = rooms_sorted(w, |r| r.t == "c" && w.is_member(&call.uid, r));
    let items = rooms.into_iter().map(|r| w.room_json(r)).collect();
    Ok(Page::from_call(w, call).envelope("channels", items))
}

/// `GET groups.list`: the private groups I am in.
pub(crate) fn groups_list(w: &mut World, call: &Call) -> Result<Value, ApiError> {
    let rooms = rooms_sorted(w, |r| r.t == "p" && w.is_member(&call.uid, r));
    let items = rooms.into_iter().map(|r| w.room_json(r)).collect();
    Ok(Page::from_call(w, call).envelope("groups", items))
}

/// `*.counters`: `{joined, members, unreads, unreadsFrom, msgs, latest, userMentions}` for me.
/// `unreads` is the subscription's unread count (the real server recounts the visible messages
/// between `ls` and `lm`; the two agree for ordinary posts).
fn counters(w: &World, call: &Call, room: &Room) -> Value {
    let sub = w.subs.get(&(call.uid.clone(), room.id.clone()));
    let latest = room.lm.unwrap_or(room.ts);
    json!({
        "joined": sub.is_some(),
        "members": room.members.len(),
        "unreads": sub.map(|s| s.unread),
        "unreadsFrom": sub.map(|s| iso(s.ls)),
        "msgs": room.msgs,
        "latest": iso(latest),
        "userMentions": sub.map_or(0, |s| s.user_mentions),
    })
}

/// `GET channels.counters?roomId=|roomName=`.
pub(crate) fn channels_counters(w: &mut World, call: &Call) -> Result<Value, ApiError> {
    let room = find_channel(w, call)?;
    Ok(counters(w, call, room))
}

/// `GET groups.counters?roomId=|roomName=`.
pub(crate) fn groups_counters(w: &mut World, call: &Call) -> Result<Value, ApiError> {
    let room = find_group(w, call)?;
    Ok(counters(w, call, room))
}

/// `GET im.counters` / `dm.counters?roomId=`.
pub(crate) fn im_counters(w: &mut World, call: &Call) -> Result<Value, ApiError> {
    let rid = find_dm(w, call, true)?;
    let room = w.room(&rid).ok_or_else(|| ApiError::meteor("invalid-channel", ""))?;
    Ok(counters(w, call, room))
}

/// `GET directory?text=&type=users|channels|teams`: `{result,count,offset,total}`.
pub(crate) fn directory(w: &mut World, call: &Call) -> Result<Value, ApiError> {
    let text = call.q("text").unwrap_or_default().to_lowercase();
    let items: Vec<Value> = match call.q("type").unwrap_or("channels") {
        "users" => {
            let mut users: Vec<_> = w
                .users
                .iter()
                .filter(|u| u.username.to_lowercase().contains(&text) || u.name.to_lowercase().contains(&text))
                .collect();
            users.sort_by(|a, b| a.username.cmp(&b.username));
            users
                .into_iter()
                .map(|u| json!({"_id": u.id, "username": u.username, "name": u.name, "createdAt": iso(u.created)}))
                .collect()
        }
        "channels" => {
            rooms_sorted(w, |r| r.t == "c" && r.name.as_deref().is_some_and(|n| n.to_lowercase().contains(&text)))
                .into_iter()
                .map(|r| w.room_json(r))
                .collect()
        }
        // The stand-in has no teams.
        "teams" => Vec::new(),
        other => return Err(ApiError::meteor("error-invalid-type", &format!("Invalid type: {other}"))),
    };
    Ok(Page::from_call(w, call).envelope("result", items))
}

/// `GET im.list` / `dm.list`: my DMs with `usernames`, `uids`, `lastMessage`, `lm`.
pub(crate) fn im_list(w: &mut World, call: &Call) -> Result<Value, ApiError> {
    let items = w.rooms.iter().filter(|r| r.t == "d" && w.is_member(&call.uid, r)).map(|r| w.room_json(r)).collect();
    Ok(Page::from_call(w, call).envelope("ims", items))
}

fn updated_since(call: &Call) -> Result<Option<i64>, ApiError> {
    match call.q("updatedSince") {
        None => Ok(None),
        Some(s) => parse_iso(s).map(Some).ok_or_else(|| {
            ApiError::meteor(
                "error-updatedSince-param-invalid",
                "The \"updatedSince\" query parameter must be a valid date.",
            )
        }),
    }
}

/// `GET rooms.get?updatedSince=`: every subscribed room, no pagination, `{update, remove}`.
pub(crate) fn rooms_get(w: &mut World, call: &Call) -> Result<Value, ApiError> {
    let since = updated_since(call)?;
    let update: Vec<Value> = w
        .rooms
        .iter()
        .filter(|r| w.is_member(&call.uid, r) && since.is_none_or(|s| r.updated > s))
        .map(|r| w.room_json(r))
        .collect();
    Ok(json!({"update": update, "remove": []}))
}

/// `GET subscriptions.get?updatedSince=`: my per-room state, `{update, remove}`.
pub(crate) fn subscriptions_get(w: &mut World, call: &Call) -> Result<Value, ApiError> {
    let since = updated_since(call)?;
    let update: Vec<Value> = w
        .subs
        .iter()
        .filter(|((uid, _), sub)| *uid == call.uid && since.is_none_or(|s| sub.updated > s))
        .filter_map(|((uid, rid), sub)| w.room(rid).map(|room| w.sub_json(uid, room, sub)))
        .collect();
    Ok(json!({"update": update, "remove": []}))
}

/// `POST subscriptions.read {rid}` (or `{roomId}`).
pub(crate) fn subscriptions_read(w: &mut World, call: &Call) -> Result<Value, ApiError> {
    let rid = call
        .b("rid")
        .or_else(|| call.b("roomId"))
        .ok_or_else(|| ApiError::invalid_params("must have required property 'rid'"))?;
    let rid = rid.to_owned();
    if !w.mark_read(&call.uid, &rid) {
        return Err(ApiError::meteor_details(
            "error-invalid-subscription",
            "Invalid subscription",
            json!({"method": "readMessages"}),
        ));
    }
    Ok(json!({}))
}

/// `channels.create` / `groups.create`.
fn create(w: &mut World, call: &Call, t: &'static str) -> Result<Value, ApiError> {
    let (perm, missing, key) = match t {
        "c" => ("create-c", "Param \"name\" is required", "channel"),
        _ => ("create-p", "Body param \"name\" is required", "group"),
    };
    let Some(name) = call.b("name").filter(|n| !n.is_empty()).map(str::to_owned) else {
        return Err(ApiError::plain(missing));
    };
    if !w.has_perm(&call.uid, perm) {
        return Err(ApiError::forbidden(w.version));
    }
    if !name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')) {
        return Err(ApiError::meteor_details(
            "error-invalid-room-name",
            &format!("{name} is not a valid room name"),
            json!({"function": "RocketChat.createRoom", "room_name": name}),
        ));
    }
    if w.room_by_name(&name).is_some() {
        return Err(ApiError::meteor_details(
            "error-duplicate-channel-name",
            &format!("A channel with name '{name}' exists"),
            json!({"function": "RocketChat.createRoom", "channel_name": name}),
        ));
    }
    let exclude_self =
        w.version >= RcVersion::new(6, 4, 1) && call.body.get("excludeSelf").and_then(Value::as_bool).unwrap_or(false);
    let mut members = if exclude_self { Vec::new() } else { vec![call.uid.clone()] };
    // Unknown usernames are skipped, like `Users.findUsersByUsernames`.
    for username in call.body.get("members").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str) {
        if let Some(u) = w.user_by_username(username) {
            members.push(u.id.clone());
        }
    }
    let ro = call.body.get("readOnly").and_then(Value::as_bool).unwrap_or(false);
    let rid = w.create_room(t, Some(&name), &call.uid, &members, ro);
    let room = w.room(&rid).map(|r| w.room_json(r)).unwrap_or_default();
    Ok(json!({key: room}))
}

/// `POST channels.create` returns `{channel}`.
pub(crate) fn channels_create(w: &mut World, call: &Call) -> Result<Value, ApiError> {
    create(w, call, "c")
}

/// `POST groups.create` returns `{group}`.
pub(crate) fn groups_create(w: &mut World, call: &Call) -> Result<Value, ApiError> {
    create(w, call, "p")
}

/// `POST im.create` / `dm.create {username}` or `{usernames:"a,b"}` (idempotent).
pub(crate) fn im_create(w: &mut World, call: &Call) -> Result<Value, ApiError> {
    let names: Vec<String> = match (call.b("username"), call.b("usernames")) {
        (Some(u), _) => vec![u.to_owned()],
        (None, Some(list)) => list.split(',').map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect(),
        (None, None) => return Err(ApiError::invalid_params("must have required property 'username'")),
    };
    let mut others = Vec::new();
    for name in &names {
        let user = w.user_by_username(name).ok_or_else(|| {
            ApiError::meteor_details("error-invalid-user", "Invalid user", json!({"method": "createDirectMessage"}))
        })?;
        others.push(user.id.clone());
    }
    // `excludeSelf` (a DM among others only) is not modelled: the caller is always a member.
    let rid = w.direct(&call.uid, &others);
    let mut room = w.room(&rid).map(|r| w.room_json(r)).unwrap_or_default();
    room["rid"] = json!(rid);
    Ok(json!({"room": room}))
}

//! `chat.*`: sending, reading one message, editing, deleting, reactions, threads and search
//! (rocketchat.md §2.1, §2.4, §2.6, §3 "Envelope").

use serde_json::{Value, json};

use http::StatusCode;

use super::super::error::ApiError;
use super::super::http::Call;
use super::super::world::{NewMessage, World, now_ms};
use super::{Page, required};

/// Resolve one `channel` / `roomId` target of `chat.postMessage` for `uid`, joining public
/// channels and creating DMs as `processWebhookMessage` does.
fn resolve_target(w: &mut World, uid: &str, target: &str) -> Result<String, ApiError> {
    let invalid = || ApiError::meteor("invalid-channel", "");
    let room_id = if let Some(name) = target.strip_prefix('#') {
        w.room(name)
            .or_else(|| w.room_by_name(name))
            .filter(|r| r.t != "d")
            .map(|r| r.id.clone())
            .ok_or_else(invalid)?
    } else if let Some(username) = target.strip_prefix('@') {
        let other = w.user_by_username(username).map(|u| u.id.clone()).ok_or_else(invalid)?;
        w.direct(uid, &[other])
    } else if let Some(room) = w.room(target).or_else(|| w.room_by_name(target)) {
        room.id.clone()
    } else if w.user(target).is_some() {
        let other = target.to_owned();
        w.direct(uid, &[other])
    } else {
        return Err(invalid());
    };
    let joinable = w.room(&room_id).is_some_and(|r| r.t == "c" && !w.is_member(uid, r));
    if joinable {
        w.join(uid, &room_id);
    }
    Ok(room_id)
}

/// The `tmid` of a body, validated (`Invalid message [error-invalid-message]` if unknown).
fn body_tmid(v: &Value) -> Option<String> {
    v.get("tmid").and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_owned)
}

/// `POST chat.postMessage`.
pub(crate) fn post_message(w: &mut World, call: &Call) -> Result<Value, ApiError> {
    let target = call.body.get("roomId").or_else(|| call.body.get("channel"));
    let targets: Vec<String> = match target {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
        _ => Vec::new(),
    };
    if targets.is_empty() {
        // processWebhookMessage throws on a missing channel; the doc names only invalid-channel.
        return Err(ApiError::meteor("invalid-channel", ""));
    }
    let text = call.b("text").unwrap_or_default().to_owned();
    let impersonates = ["alias", "avatar", "emoji"].iter().any(|k| call.body.get(*k).is_some());
    if impersonates && !w.has_perm(&call.uid, "message-impersonate") {
        // The doc states the permission; the error text is the real server's.
        return Err(ApiError::meteor("error-not-allowed", "Not enough permission"));
    }
    let mut first: Option<(String, String)> = None;
    for target in &targets {
        let rid = resolve_target(w, &call.uid, target)?;
        w.check_can_send(&call.uid, &rid)?;
        w.check_size(&text)?;
        // `tshow` is ignored by chat.postMessage.
        let id = w.insert_message(NewMessage {
            rid,
            uid: call.uid.clone(),
            text: text.clone(),
            tmid: body_tmid(&call.body),
            alias: call.b("alias").map(str::to_owned),
            custom_fields: call.body.get("customFields").cloned(),
            attachments: call.body.get("attachments").filter(|a| a.is_array()).cloned(),
            ..NewMessage::default()
        })?;
        first.get_or_insert((target.clone(), id));
    }
    let (channel, id) = first.unwrap_or_default();
    let message = w.msg(&id).map(|m| w.msg_json(m)).unwrap_or_default();
    Ok(json!({"ts": now_ms(), "channel": channel, "message": message}))
}

/// `POST chat.sendMessage {message:{_id?, rid, msg, tmid, tshow, ...}}`.
pub(crate) fn send_message(w: &mut World, call: &Call) -> Result<Value, ApiError> {
    let Some(m) = call.body.get("message").filter(|m| m.is_object()) else {
        return Err(ApiError::invalid_params("must have required property 'message'"));
    };
    let rid = m
        .get("rid")
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::invalid_params("must have required property 'rid'"))?
        .to_owned();
    let tmid = body_tmid(m);
    let tshow = m.get("tshow").and_then(Value::as_bool).unwrap_or(false);
    if tshow && tmid.is_none() {
        return Err(ApiError::invalid_params("must have required property 'tmid'"));
    }
    let text = m.get("msg").and_then(Value::as_str).unwrap_or_default().to_owned();
    let id = m.get("_id").and_then(Value::as_str).map(str::to_owned);
    if id.as_deref().is_some_and(|id| w.msg(id).is_some()) {
        // The doc is silent; the real server refuses a duplicate `_id`.
        return Err(ApiError::meteor("error-message-already-exists", "Message already exists"));
    }
    w.check_can_send(&call.uid, &rid)?;
    w.check_size(&text)?;
    let id = w.insert_message(NewMessage {
        id,
        rid,
        uid: call.uid.clone(),
        text,
        tmid,
        tshow,
        alias: m.get("alias").and_then(Value::as_str).map(str::to_owned),
        custom_fields: m.get("customFields").cloned(),
        attachments: m.get("attachments").filter(|a| a.is_array()).cloned(),
        ..NewMessage::default()
    })?;
    let message = w.msg(&id).map(|m| w.msg_json(m)).unwrap_or_default();
    Ok(json!({"message": message}))
}

/// `GET chat.getMessage?msgId=` returns `{message}`. As the real route: the query schema
/// requires `msgId` (`must have required property 'msgId' [invalid-params]`); an empty one is
/// `The "msgId" query parameter must be provided.`; `getSingleMessage` gives null for an unknown
/// id, which the route answers with a bare `failure()` (400 `{"success":false}`, no `error`);
/// a message in a room the caller cannot access is `Not allowed [error-not-allowed]`.
pub(crate) fn get_message(w: &mut World, call: &Call) -> Result<Value, ApiError> {
    let mid = call.q("msgId").ok_or_else(|| ApiError::invalid_params("must have required property 'msgId'"))?;
    if mid.is_empty() {
        return Err(ApiError::plain("The \"msgId\" query parameter must be provided."));
    }
    let bare_failure = || ApiError::status(StatusCode::BAD_REQUEST, json!({"success": false}));
    let msg = w.msg(mid).ok_or_else(bare_failure)?;
    let room = w.room(&msg.rid).ok_or_else(bare_failure)?;
    if !w.can_access(&call.uid, room) {
        return Err(ApiError::meteor("error-not-allowed", "Not allowed"));
    }
    Ok(json!({"message": w.msg_json(msg)}))
}

/// The message `msgId` of room `roomId`, with chat.update's / chat.delete's plain errors.
fn own_message<'a>(w: &'a World, call: &Call) -> Result<&'a super::super::world::Msg, ApiError> {
    let rid = required(call, "roomId")?;
    let mid = required(call, "msgId")?;
    let msg = w.msg(mid).ok_or_else(|| ApiError::plain(&format!("No message found with the id of \"{mid}\".")))?;
    if msg.rid != rid {
        return Err(ApiError::plain("The room id provided does not match where the message is from."));
    }
    Ok(msg)
}

/// `POST chat.update {roomId, msgId, text}` returns `{message}` with `editedAt` / `editedBy`.
pub(crate) fn update(w: &mut World, call: &Call) -> Result<Value, ApiError> {
    let text = required(call, "text")?.to_owned();
    let msg = own_message(w, call)?;
    let room = w.room(&msg.rid).ok_or_else(|| ApiError::meteor("error-invalid-room", "Invalid room"))?;
    let own = msg.uid == call.uid && w.setting_bool("Message_AllowEditing", true);
    if !own && !w.has_room_perm(&call.uid, room, "edit-message") {
        return Err(ApiError::meteor("error-action-not-allowed", "Message editing not allowed"));
    }
    // The doc names the size limit for sending only; the stand-in does not apply it to edits.
    let mid = msg.id.clone();
    let ts = w.tick();
    let uid = call.uid.clone();
    if let Some(m) = w.msg_mut(&mid) {
        m.msg = text;
        m.edited = Some((ts, uid));
        m.updated = ts;
        if let Some(cf) = call.body.get("customFields") {
            m.custom_fields = Some(cf.clone());
        }
    }
    let message = w.msg(&mid).map(|m| w.msg_json(m)).unwrap_or_default();
    Ok(json!({"message": message}))
}

/// `POST chat.delete {roomId, msgId, asUser?}` returns `{_id, ts:"<epoch ms>", message}`.
pub(crate) fn delete(w: &mut World, call: &Call) -> Result<Value, ApiError> {
    let msg = own_message(w, call)?;
    let room = w.room(&msg.rid).ok_or_else(|| ApiError::meteor("error-invalid-room", "Invalid room"))?;
    let as_user = call.body.get("asUser").and_then(Value::as_bool).unwrap_or(false);
    if as_user && msg.uid != call.uid && !w.has_room_perm(&call.uid, room, "force-delete-message") {
        return Err(ApiError::plain(
            "Unauthorized. You must have the permission \"force-delete-message\" to delete other's message as them.",
        ));
    }
    let own = msg.uid == call.uid && w.setting_bool("Message_AllowDeleting", true);
    if !own && !w.has_room_perm(&call.uid, room, "delete-message") {
        return Err(ApiError::meteor("error-action-not-allowed", "Not allowed"));
    }
    let out = json!({"_id": msg.id, "ts": now_ms().to_string(),
        "message": {"_id": msg.id, "rid": msg.rid, "u": w.user_brief(&msg.uid)}});
    let mid = msg.id.clone();
    w.delete_message(&mid);
    Ok(out)
}

/// `POST chat.react {messageId, emoji|reaction, shouldReact?}`: colons optional; without
/// `shouldReact` it toggles.
pub(crate) fn react(w: &mut World, call: &Call) -> Result<Value, ApiError> {
    let mid = required(call, "messageId")?;
    let raw = call.b("emoji").or_else(|| call.b("reaction")).unwrap_or_default();
    let name = raw.trim_matches(':');
    // The real server checks the emoji list (thousands of names) and custom emoji; the stand-in
    // accepts any well-formed short name.
    let well_formed =
        !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '+' | '-'));
    let msg = w.msg(mid).ok_or_else(|| ApiError::meteor("error-message-not-found", "Message not found"))?;
    let room = w.room(&msg.rid).ok_or_else(|| ApiError::meteor("error-not-allowed", "Not allowed"))?;
    if !w.can_access(&call.uid, room) {
        return Err(ApiError::meteor("error-not-allowed", "Not allowed"));
    }
    if !well_formed {
        return Err(ApiError::meteor("error-not-allowed", "Invalid emoji provided."));
    }
    let should = call.body.get("shouldReact").and_then(Value::as_bool);
    let username = w.user(&call.uid).map(|u| u.username.clone()).unwrap_or_default();
    let mid = mid.to_owned();
    w.react(&mid, &username, &format!(":{name}:"), should);
    Ok(json!({}))
}

/// `GET chat.getThreadMessages?tmid=`: replies only (not the parent), oldest first, paginated.
pub(crate) fn thread_messages(w: &mut World, call: &Call) -> Result<Value, ApiError> {
    let tmid =
        call.q("tmid").ok_or_else(|| ApiError::meteor("error-invalid-params", "must have required property 'tmid'"))?;
    if !w.setting_bool("Threads_enabled", true) {
        return Err(ApiError::meteor("error-not-allowed", "Threads Disabled"));
    }
    let parent = w.msg(tmid).ok_or_else(|| ApiError::meteor("error-invalid-message", "Invalid Message"))?;
    let room = w.room(&parent.rid).ok_or_else(|| ApiError::meteor("error-not-allowed", "Not Allowed"))?;
    if !w.can_access(&call.uid, room) {
        return Err(ApiError::meteor("error-not-allowed", "Not Allowed"));
    }
    let replies: Vec<Value> =
        w.messages.iter().filter(|m| m.tmid.as_deref() == Some(tmid)).map(|m| w.msg_json(m)).collect();
    Ok(Page::from_call(w, call).envelope("messages", replies))
}

/// `GET chat.getThreadsList?rid=&type=all|following|unread&text=`: thread parents, `tlm` newest first.
pub(crate) fn threads_list(w: &mut World, call: &Call) -> Result<Value, ApiError> {
    let rid =
        call.q("rid").ok_or_else(|| ApiError::meteor("error-invalid-params", "must have required property 'rid'"))?;
    if !w.setting_bool("Threads_enabled", true) {
        return Err(ApiError::meteor("error-not-allowed", "Threads Disabled"));
    }
    let room = w.room(rid).ok_or_else(|| ApiError::meteor("error-room-not-found", "Room not found"))?;
    if !w.can_access(&call.uid, room) {
        return Err(ApiError::meteor("error-not-allowed", "Not Allowed"));
    }
    let kind = call.q("type").unwrap_or("all");
    let text = call.q("text").map(str::to_lowercase);
    let tunread = w.subs.get(&(call.uid.clone(), rid.to_owned())).map(|s| s.tunread.clone()).unwrap_or_default();
    let mut threads: Vec<&super::super::world::Msg> = w
        .messages
        .iter()
        .filter(|m| m.rid == rid && m.tlm.is_some())
        .filter(|m| match kind {
            "following" => m.replies.contains(&call.uid),
            "unread" => tunread.contains(&m.id),
            _ => true,
        })
        .filter(|m| text.as_ref().is_none_or(|t| m.msg.to_lowercase().contains(t)))
        .collect();
    threads.sort_by_key(|m| std::cmp::Reverse(m.tlm));
    let threads: Vec<Value> = threads.into_iter().map(|m| w.msg_json(m)).collect();
    Ok(Page::from_call(w, call).envelope("threads", threads))
}

/// `GET chat.search?roomId=&searchText=`: `{messages}`, newest first, no total.
pub(crate) fn search(w: &mut World, call: &Call) -> Result<Value, ApiError> {
    let rid = call.q("roomId").ok_or_else(|| {
        ApiError::meteor("error-roomId-param-not-provided", "The required \"roomId\" query param is missing.")
    })?;
    let room = w.room(rid).ok_or_else(|| ApiError::meteor("error-not-allowed", "Not allowed"))?;
    if !w.can_access(&call.uid, room) {
        return Err(ApiError::meteor("error-not-allowed", "Not allowed"));
    }
    let needle = call.q("searchText").unwrap_or_default().to_lowercase();
    let found: Vec<Value> = w
        .messages
        .iter()
        .rev()
        .filter(|m| m.rid == rid && m.t.is_none() && m.msg.to_lowercase().contains(&needle))
        .map(|m| w.msg_json(m))
        .collect();
    let (page, _) = Page::from_call(w, call).slice(&found);
    Ok(json!({"messages": page}))
}

/// `GET chat.getMentionedMessages?roomId=`: messages of one room that mention me, newest first.
pub(crate) fn mentioned_messages(w: &mut World, call: &Call) -> Result<Value, ApiError> {
    let rid = call
        .q("roomId")
        .ok_or_else(|| ApiError::meteor("error-invalid-params", "must have required property 'roomId'"))?;
    let room = w.room(rid).ok_or_else(|| ApiError::meteor("error-not-allowed", "Not allowed"))?;
    if !w.can_access(&call.uid, room) {
        return Err(ApiError::meteor("error-not-allowed", "Not allowed"));
    }
    let found: Vec<Value> = w
        .messages
        .iter()
        .rev()
        .filter(|m| m.rid == rid && m.mentions.iter().any(|(id, _)| *id == call.uid))
        .map(|m| w.msg_json(m))
        .collect();
    Ok(Page::from_call(w, call).envelope("messages", found))
}

//! The tools, and what they share: argument checks, room resolution with the write guards,
//! message text guards, permalinks and the structured forms of messages, rooms and users.

mod messages;
mod rooms;
mod upload;
mod users;
mod wait;

use std::sync::Arc;

use mcp_core::{ToolContext, ToolDef, ToolError};
use serde_json::{Value, json};

use crate::app::RocketChat;
use crate::args::Validate;
use crate::client::{Call, Session};
use crate::model::{History, Message, Room, RoomType, User};
use crate::rooms::{MessageRef, RoomRef};
use crate::safety::{GroupMention, check_message_size, neutralise_group_mentions};

/// Every tool, the guide's five first.
pub fn all() -> Vec<ToolDef<RocketChat>> {
    vec![
        messages::send_message(),
        rooms::list_channels(),
        messages::get_messages(),
        messages::search_messages(),
        rooms::create_channel(),
        messages::get_thread(),
        messages::list_threads(),
        rooms::get_unread(),
        rooms::mark_read(),
        messages::react(),
        messages::edit_message(),
        messages::delete_message(),
        users::get_user_info(),
        users::find_users(),
        rooms::open_direct_message(),
        rooms::get_room_info(),
        rooms::list_room_members(),
        upload::upload_file(),
        wait::wait_for_reply(),
    ]
}

type Ctx = ToolContext<()>;
type App = Arc<RocketChat>;

/// The arguments' own checks as an invalid-arguments error; a room or message link must point to
/// the configured Rocket.Chat (checked first: a link to another server is refused for that reason).
fn check(s: &App, a: &impl Validate) -> Result<(), ToolError> {
    let base = s.client.base_url();
    for (field, value) in a.references() {
        crate::rooms::check_same_server(value, &base).map_err(|e| {
            ToolError::invalid(crate::args::ArgError { field, message: format!("is not usable: {e}") }.to_string())
        })?;
    }
    a.validate().map_err(|e| ToolError::invalid(e.to_string()))
}

/// An [`crate::args::ArgError`] as a tool error.
fn invalid(e: crate::args::ArgError) -> ToolError {
    ToolError::invalid(e.to_string())
}

/// Resolve a room the caller will write to: the `write_rooms` allow-list is checked.
async fn writable_room(s: &App, ctx: &Ctx, session: &Session, room: &RoomRef) -> Result<Room, ToolError> {
    let r = s.client.room(ctx, session, room).await?;
    check_writable(s, ctx, session, &r).await?;
    Ok(r)
}

async fn check_writable(s: &App, ctx: &Ctx, session: &Session, r: &Room) -> Result<(), ToolError> {
    if s.write_rooms.is_unrestricted() {
        return Ok(());
    }
    let me = s.client.me(ctx, session).await?;
    s.write_rooms
        .check(r, me.username.as_deref().unwrap_or_default())
        .map_err(|e| ToolError::PermissionDenied(format!("{e}")))
}

/// Text to send: group mentions neutralised (unless allowed) and the size checked against the
/// server's `Message_MaxAllowedSize`. Returns the text and a note for the answer.
async fn guard_text(s: &App, ctx: &Ctx, session: &Session, text: &str) -> Result<(String, Option<String>), ToolError> {
    let allowed: &[GroupMention] = if s.config.allow_mass_mentions {
        &[GroupMention::All, GroupMention::Here, GroupMention::Channel]
    } else {
        &[]
    };
    let n = neutralise_group_mentions(text, allowed);
    let max = s.client.max_message_size(ctx, session).await;
    check_message_size(&n.text, max).map_err(|e| ToolError::invalid(e.to_string()))?;
    let note = n.note();
    Ok((n.text, note))
}

/// The room's link in the web client.
fn room_link(base: &str, r: &Room) -> String {
    match r.t {
        RoomType::Direct => format!("{base}/direct/{}", r.id),
        RoomType::Private => format!("{base}/group/{}", r.name.as_deref().unwrap_or(&r.id)),
        _ => format!("{base}/channel/{}", r.name.as_deref().unwrap_or(&r.id)),
    }
}

/// A message's permalink.
fn permalink(base: &str, r: &Room, msg_id: &str) -> String {
    format!("{}?msg={msg_id}", room_link(base, r))
}

/// A room's label as people write it.
fn room_label(r: &Room) -> String {
    match r.t {
        RoomType::Direct => {
            if r.usernames.is_empty() {
                format!("direct room {}", r.id)
            } else {
                format!("@{}", r.usernames.join(", @"))
            }
        }
        _ => format!("#{}", r.name.as_deref().unwrap_or(&r.id)),
    }
}

/// A message as structured content.
fn message_value(m: &Message) -> Value {
    let reactions: serde_json::Map<String, Value> =
        m.reactions.iter().map(|(e, r)| (e.clone(), json!(r.usernames))).collect();
    let mut v = json!({
        "id": m.id,
        "room_id": m.rid,
        "ts": m.ts.map(|t| t.to_iso()),
        "user": m.u.username,
        "text": m.msg,
    });
    let o = v.as_object_mut();
    if let Some(o) = o {
        if let Some(t) = &m.t {
            o.insert("system".into(), json!(t));
        }
        if let Some(t) = &m.tmid {
            o.insert("thread_id".into(), json!(t));
        }
        if let Some(n) = m.tcount {
            o.insert("replies".into(), json!(n));
        }
        if !reactions.is_empty() {
            o.insert("reactions".into(), Value::Object(reactions));
        }
        if m.edited_at.is_some() {
            o.insert("edited".into(), json!(true));
        }
        if let Some(f) = m.file.as_ref().or(m.files.first()) {
            o.insert("file".into(), json!({"id": f.id, "name": f.name}));
        }
    }
    v
}

/// A room as structured content.
fn room_value(r: &Room) -> Value {
    json!({
        "id": r.id,
        "type": r.t.label(),
        "name": r.name,
        "fname": r.fname,
        "topic": r.topic,
        "usernames": if r.t == RoomType::Direct { json!(r.usernames) } else { Value::Null },
        "members": r.users_count,
        "read_only": r.ro,
        "last_message": r.lm.map(|t| t.to_iso()),
    })
}

/// A user as structured content.
fn user_value(u: &User) -> Value {
    json!({
        "id": u.id,
        "username": u.username,
        "name": u.name,
        "status": u.status,
        "status_text": u.status_text,
        "roles": u.roles,
        "active": u.active,
        "utc_offset": u.utc_offset,
    })
}

/// Find a message's room when the reference does not say: the given room, the link's room,
/// else `chat.getMessage`.
async fn message_room(
    s: &App,
    ctx: &Ctx,
    session: &Session,
    msg: &MessageRef,
    room: Option<RoomRef>,
) -> Result<Room, ToolError> {
    if let Some(r) = room.or_else(|| msg.room.clone()) {
        return s.client.room(ctx, session, &r).await;
    }
    let v = get_message(s, ctx, session, &msg.id).await?;
    let rid = v.pointer("/message/rid").and_then(Value::as_str).ok_or_else(|| message_not_found(&msg.id))?;
    s.client.room(ctx, session, &RoomRef::Id(rid.to_owned())).await
}

/// `chat.getMessage?msgId=`: `{message}`. Rocket.Chat answers an id it does not know (or a
/// message deleted since) with a bare failure, 400 `{"success":false}` without a reason: that
/// becomes "message ... was not found" instead of a reasonless refusal.
async fn get_message(s: &App, ctx: &Ctx, session: &Session, id: &str) -> Result<Value, ToolError> {
    match s.client.json(ctx, session, Call::get("chat.getMessage").q("msgId", id)).await {
        Err(ToolError::BadRequest(m)) if m == bare_failure("chat.getMessage") => Err(message_not_found(id)),
        other => other,
    }
}

/// The text of a 400 without `error` or `errorType` from `endpoint`.
fn bare_failure(endpoint: &str) -> String {
    crate::errors::RcError::BadRequest {
        endpoint: endpoint.to_owned(),
        code: None,
        reason: "bad request".to_owned(),
        details: None,
    }
    .to_string()
}

fn message_not_found(id: &str) -> ToolError {
    ToolError::NotFound(format!(
        "message {id} was not found: Rocket.Chat knows no message with this id (it may have been deleted); \
         check the id, or pass its permalink"
    ))
}

/// The history endpoint of a room (`channels.history`, `groups.history`, `im.history`).
fn history_call(r: &Room) -> Result<Call, ToolError> {
    let label = match r.t.endpoint_family() {
        Some("groups") => "groups.history",
        Some("im") => "im.history",
        Some(_) => "channels.history",
        None => {
            return Err(ToolError::invalid(format!("room {} has a type ({}) without a history", r.id, r.t.label())));
        }
    };
    Ok(Call::get(label).q("roomId", &r.id))
}

/// Read a room's history.
async fn history(s: &App, ctx: &Ctx, session: &Session, call: Call) -> Result<History, ToolError> {
    s.client.json(ctx, session, call).await
}

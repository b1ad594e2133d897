//! Rooms: list, create, unread state, mark as read, direct messages, room info and members.

use std::collections::HashMap;

use mcp_core::{Hints, ToolDef, ToolError, ToolOutput};
use serde_json::json;

use super::{
    App, Ctx, check, history, history_call, invalid, message_value, room_label, room_link, room_value, user_value,
};
use crate::app::RocketChat;
use crate::args::{
    CreateChannelArgs, GetRoomInfoArgs, GetUnreadArgs, ListChannelsArgs, ListRoomMembersArgs, MarkReadArgs,
    OpenDirectMessageArgs, RoomKind,
};
use crate::client::Call;
use crate::model::{CreatedRoom, DirectRoom, Page, Room, RoomInfo, RoomType, Subscription, Updates, User};
use crate::render::{Beyond, Bounded};

fn kind_matches(kind: RoomKind, t: &RoomType) -> bool {
    match kind {
        RoomKind::All => true,
        RoomKind::Public => *t == RoomType::Channel,
        RoomKind::Private => *t == RoomType::Private,
        RoomKind::Direct => *t == RoomType::Direct,
    }
}

/// `list_channels`.
pub fn list_channels() -> ToolDef<RocketChat> {
    ToolDef::new(
        "list_channels",
        "List rooms",
        "List the rooms you are in (`type`: all, public, private, direct) with unread counts and mentions, or browse \
         every public channel of the server (`joined: false`). Filter by name with `filter`.",
        Hints::read_only().open_world(),
        |s: App, ctx: Ctx, a: ListChannelsArgs| async move {
            check(&s, &a)?;
            let session = s.client.session(&ctx).await?;
            let filter = a.filter.as_deref().map(|f| f.trim().to_lowercase()).filter(|f| !f.is_empty());
            let name_ok = |r: &Room, sub: Option<&Subscription>| {
                filter.as_ref().is_none_or(|f| {
                    [r.name.as_deref(), r.fname.as_deref(), sub.and_then(|s| s.name.as_deref())]
                        .into_iter()
                        .flatten()
                        .chain(r.usernames.iter().map(String::as_str))
                        .any(|n| n.to_lowercase().contains(f.as_str()))
                })
            };
            let (rooms, subs, total): (Vec<Room>, HashMap<String, Subscription>, usize) = if a.joined {
                let rooms: Updates<Room> = s.client.json(&ctx, &session, Call::get("rooms.get")).await?;
                let subs: Updates<Subscription> = s.client.json(&ctx, &session, Call::get("subscriptions.get")).await?;
                let subs: HashMap<String, Subscription> = subs.update.into_iter().map(|s| (s.rid.clone(), s)).collect();
                let mut all: Vec<Room> = rooms
                    .update
                    .into_iter()
                    .filter(|r| kind_matches(a.kind, &r.t) && name_ok(r, subs.get(&r.id)))
                    .collect();
                all.sort_by_key(|r| (r.t != RoomType::Channel, r.display_name().to_lowercase()));
                let total = all.len();
                let page = all.into_iter().skip(a.offset as usize).take(a.count as usize).collect();
                (page, subs, total)
            } else {
                let call = Call::get("channels.list").q("count", a.count).q("offset", a.offset);
                let body = s.client.send_as(&ctx, &session, call).await?;
                let page: Page<Room> =
                    Page::from_body(&body.body, "channels").map_err(|e| ToolError::Upstream(e.to_string()))?;
                let total = page.total.map_or(page.items.len() + a.offset as usize, |t| t as usize);
                let items = page.items.into_iter().filter(|r| name_ok(r, None)).collect();
                (items, HashMap::new(), total)
            };
            let mut b = Bounded::new(s.config.max_result_bytes);
            b.heading(&format!("{} rooms ({} shown from {}):", total, rooms.len(), a.offset));
            let mut shown = Vec::new();
            for r in &rooms {
                let sub = subs.get(&r.id);
                if b.push(&s.renderer.room(r, sub)) {
                    let mut v = room_value(r);
                    if let Some(sub) = sub {
                        v["unread"] = json!(sub.unread);
                        v["mentions"] = json!(sub.user_mentions);
                        if r.t == RoomType::Direct {
                            v["name"] = json!(sub.name);
                        }
                    }
                    shown.push(v);
                }
            }
            let after = a.offset as usize + rooms.len();
            let more = total.saturating_sub(after) as u64;
            let resume = format!("offset={after}");
            let text = b.finish(Beyond::Exactly(more), Some(&resume));
            ToolOutput::with_structured(text, &json!({"rooms": shown, "total": total, "offset": a.offset}))
        },
    )
}

/// `create_channel`.
pub fn create_channel() -> ToolDef<RocketChat> {
    ToolDef::new(
        "create_channel",
        "Create a channel",
        "Create a public channel (or a private group with `private: true`) with optional `members` (usernames), \
         `readOnly` and `topic`. Names have no spaces (use team-ops).",
        Hints::additive(false).open_world(),
        |s: App, ctx: Ctx, a: CreateChannelArgs| async move {
            check(&s, &a)?;
            let session = s.client.session(&ctx).await?;
            let mut body = json!({"name": a.room_name(), "members": a.member_usernames(), "readOnly": a.read_only});
            if let Some(t) = a.topic.as_deref().filter(|t| !t.trim().is_empty()) {
                body["extraData"] = json!({"topic": t});
            }
            let label = if a.private { "groups.create" } else { "channels.create" };
            let created: CreatedRoom = s.client.json(&ctx, &session, Call::post(label).json(body)).await?;
            let r = created.room;
            let link = room_link(&s.client.base_url(), &r);
            let text = format!("Created {} ({}, id {}): {link}", room_label(&r), r.t.label(), r.id);
            let mut v = room_value(&r);
            v["link"] = json!(link);
            Ok(ToolOutput::with_structured(text, &v)?.affected(1))
        },
    )
}

/// `get_unread`.
pub fn get_unread() -> ToolDef<RocketChat> {
    ToolDef::new(
        "get_unread",
        "Unread messages and mentions",
        "List the rooms with unread messages, mentions of you and unread threads (`mentions_only` for mentions), \
         optionally with the unread messages themselves (`include_messages`).",
        Hints::read_only().open_world(),
        |s: App, ctx: Ctx, a: GetUnreadArgs| async move {
            check(&s, &a)?;
            let session = s.client.session(&ctx).await?;
            let only = match a.room().map_err(invalid)? {
                Some(r) => Some(s.client.room(&ctx, &session, &r).await?.id),
                None => None,
            };
            let subs: Updates<Subscription> = s.client.json(&ctx, &session, Call::get("subscriptions.get")).await?;
            let mut unread: Vec<Subscription> = subs
                .update
                .into_iter()
                .filter(|sub| only.as_ref().is_none_or(|id| *id == sub.rid))
                .filter(|sub| {
                    if a.mentions_only {
                        sub.user_mentions > 0 || sub.group_mentions > 0 || !sub.tunread_user.is_empty()
                    } else {
                        sub.unread > 0 || sub.user_mentions > 0 || sub.group_mentions > 0 || !sub.tunread.is_empty()
                    }
                })
                .collect();
            unread.sort_by(|x, y| {
                (y.user_mentions, y.unread).cmp(&(x.user_mentions, x.unread)).then(x.name.cmp(&y.name))
            });
            let mut b = Bounded::new(s.config.max_result_bytes);
            b.heading(&if unread.is_empty() {
                "Nothing unread.".to_owned()
            } else {
                format!("{} rooms with unread messages:", unread.len())
            });
            let mut out = Vec::new();
            for sub in &unread {
                if !b.push(&s.renderer.unread(sub)) {
                    continue;
                }
                let mut v = json!({"room_id": sub.rid, "name": sub.name, "type": sub.t.label(), "unread": sub.unread,
                    "mentions": sub.user_mentions, "group_mentions": sub.group_mentions, "unread_threads": sub.tunread});
                if a.include_messages && sub.unread > 0 {
                    let room = s.client.room(&ctx, &session, &crate::rooms::RoomRef::Id(sub.rid.clone())).await?;
                    let call = history_call(&room)?
                        .q("count", a.count.min(sub.unread.try_into().unwrap_or(u32::MAX)))
                        .q_opt("oldest", sub.ls.map(|t| t.to_iso()));
                    let h = history(&s, &ctx, &session, call).await?;
                    for m in &h.messages {
                        b.heading(&format!("  {}", s.renderer.message(m)));
                    }
                    v["messages"] = json!(h.messages.iter().map(message_value).collect::<Vec<_>>());
                }
                out.push(v);
            }
            let text = b.finish(Beyond::Nothing, None);
            ToolOutput::with_structured(text, &json!({"rooms": out}))
        },
    )
}

/// `mark_read`.
pub fn mark_read() -> ToolDef<RocketChat> {
    ToolDef::new(
        "mark_read",
        "Mark as read",
        "Mark a room (`room_id`) or every room (`all: true`) as read for you.",
        Hints::additive(true).open_world(),
        |s: App, ctx: Ctx, a: MarkReadArgs| async move {
            check(&s, &a)?;
            let session = s.client.session(&ctx).await?;
            let rids: Vec<(String, String)> = match a.room().map_err(invalid)? {
                Some(r) => {
                    let room = s.client.room(&ctx, &session, &r).await?;
                    vec![(room.id.clone(), room_label(&room))]
                }
                None => {
                    let subs: Updates<Subscription> =
                        s.client.json(&ctx, &session, Call::get("subscriptions.get")).await?;
                    subs.update
                        .into_iter()
                        .filter(|x| x.unread > 0 || x.alert == Some(true) || x.user_mentions > 0)
                        .map(|x| (x.rid.clone(), x.name.clone().unwrap_or(x.rid)))
                        .collect()
                }
            };
            for (rid, _) in &rids {
                s.client.send_as(&ctx, &session, Call::post("subscriptions.read").json(json!({"rid": rid}))).await?;
            }
            let names: Vec<&str> = rids.iter().map(|(_, n)| n.as_str()).collect();
            let text = if names.is_empty() {
                "Nothing was unread.".to_owned()
            } else {
                format!("Marked as read: {}", names.join(", "))
            };
            let ids: Vec<&str> = rids.iter().map(|(id, _)| id.as_str()).collect();
            Ok(ToolOutput::with_structured(text, &json!({"rooms": ids}))?.affected(rids.len() as u64))
        },
    )
}

/// `open_direct_message`.
pub fn open_direct_message() -> ToolDef<RocketChat> {
    ToolDef::new(
        "open_direct_message",
        "Open a direct message",
        "Open (or find) the direct-message room with a user (`username`) and return its room id; send to it with \
         send_message channel=@username.",
        Hints::additive(true).open_world(),
        |s: App, ctx: Ctx, a: OpenDirectMessageArgs| async move {
            check(&s, &a)?;
            let session = s.client.session(&ctx).await?;
            let call = Call::post("im.create").json(json!({"username": a.name()})).idempotent();
            let dm: DirectRoom = s.client.json(&ctx, &session, call).await?;
            let r = dm.room;
            let text = format!("Direct messages with @{}: room id {}", a.name(), r.id);
            ToolOutput::with_structured(text, &json!({"room_id": r.id, "username": a.name(), "usernames": r.usernames}))
        },
    )
}

/// `get_room_info`.
pub fn get_room_info() -> ToolDef<RocketChat> {
    ToolDef::new(
        "get_room_info",
        "Room details",
        "Show a room's details: type, id, topic, description, announcement, member count, read-only, last message.",
        Hints::read_only().open_world(),
        |s: App, ctx: Ctx, a: GetRoomInfoArgs| async move {
            check(&s, &a)?;
            let session = s.client.session(&ctx).await?;
            let found = s.client.room(&ctx, &session, &a.room().map_err(invalid)?).await?;
            let info: RoomInfo = s.client.json(&ctx, &session, Call::get("rooms.info").q("roomId", &found.id)).await?;
            let r = info.room;
            let mut text = s.renderer.room(&r, None);
            for (label, v) in [("description", &r.description), ("announcement", &r.announcement)] {
                if let Some(v) = v.as_deref().filter(|v| !v.trim().is_empty()) {
                    text.push_str(&format!("\n{label}: {}", crate::render::one_line(v, 1000)));
                }
            }
            let link = room_link(&s.client.base_url(), &r);
            text.push_str(&format!("\nlink: {link}"));
            let mut v = room_value(&r);
            v["description"] = json!(r.description);
            v["announcement"] = json!(r.announcement);
            v["link"] = json!(link);
            ToolOutput::with_structured(text, &v)
        },
    )
}

/// `list_room_members`.
pub fn list_room_members() -> ToolDef<RocketChat> {
    ToolDef::new(
        "list_room_members",
        "List room members",
        "List a room's members with their status (filter by `status`: online, away, busy, offline, or by name with \
         `filter`), paginated.",
        Hints::read_only().open_world(),
        |s: App, ctx: Ctx, a: ListRoomMembersArgs| async move {
            check(&s, &a)?;
            let session = s.client.session(&ctx).await?;
            let room = s.client.room(&ctx, &session, &a.room().map_err(invalid)?).await?;
            let label = match room.t.endpoint_family() {
                Some("groups") => "groups.members",
                Some("im") => "im.members",
                _ => "channels.members",
            };
            let mut call = Call::get(label)
                .q("roomId", &room.id)
                .q("count", a.count)
                .q("offset", a.offset)
                .q_opt("filter", a.filter.as_deref().filter(|f| !f.trim().is_empty()));
            for st in &a.status {
                call = call.q("status[]", st.as_param());
            }
            let body = s.client.send_as(&ctx, &session, call).await?;
            let page: Page<User> =
                Page::from_body(&body.body, "members").map_err(|e| ToolError::Upstream(e.to_string()))?;
            let mut b = Bounded::new(s.config.max_result_bytes);
            b.heading(&format!(
                "Members of {} ({} of {}):",
                room_label(&room),
                page.items.len(),
                page.total.map_or("?".to_owned(), |t| t.to_string())
            ));
            let mut shown = Vec::new();
            for u in &page.items {
                if b.push(&s.renderer.user(u)) {
                    shown.push(user_value(u));
                }
            }
            let resume = format!("offset={}", a.offset as usize + page.items.len());
            let text = b.finish(page.remaining().map_or(Beyond::Nothing, Beyond::Exactly), Some(&resume));
            ToolOutput::with_structured(text, &json!({"room_id": room.id, "members": shown, "total": page.total}))
        },
    )
}

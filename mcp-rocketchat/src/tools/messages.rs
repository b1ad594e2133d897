//! Messages: send, read, search, threads, reactions, edit and delete.

use chrono::Utc;
use mcp_core::{Hints, ToolDef, ToolError, ToolOutput};
use serde_json::{Value, json};

use super::{
    App, Ctx, check, guard_text, history, history_call, invalid, message_room, message_value, permalink, room_label,
    writable_room,
};
use crate::app::RocketChat;
use crate::args::{
    DeleteMessageArgs, EditMessageArgs, GetMessagesArgs, GetThreadArgs, ListThreadsArgs, ReactArgs, SearchMessagesArgs,
    SendMessageArgs,
};
use crate::client::Call;
use crate::model::{Message, Page, PostedMessage, Room, SearchResult, Updates};
use crate::render::{Beyond, Bounded};
use crate::timebounds::TimeRange;

/// `send_message`.
pub fn send_message() -> ToolDef<RocketChat> {
    ToolDef::new(
        "send_message",
        "Send a message",
        "Post a message to a channel, group or direct message (`channel`: #name, name, @username, room id or link), \
         optionally as a reply in a thread (`thread_id`). Returns the message id and its permalink. @all/@here are sent \
         as plain text unless the server allows them. Never retried automatically: if it fails, check the room before \
         sending again.",
        Hints::additive(false).open_world(),
        |s: App, ctx: Ctx, a: SendMessageArgs| async move {
            check(&s, &a)?;
            let session = s.client.session(&ctx).await?;
            let room = writable_room(&s, &ctx, &session, &a.room().map_err(invalid)?).await?;
            let (text, note) = guard_text(&s, &ctx, &session, &a.text).await?;
            let thread = a.thread().map_err(invalid)?;
            let mut message = json!({"rid": room.id, "msg": text});
            if let Some(t) = &thread {
                message["tmid"] = json!(t.thread_root());
                if a.also_in_room {
                    message["tshow"] = json!(true);
                }
            }
            let posted: PostedMessage =
                s.client.json(&ctx, &session, Call::post("chat.sendMessage").json(json!({"message": message}))).await?;
            let link = permalink(&s.client.base_url(), &room, &posted.message.id);
            let mut out = format!("Sent to {} (id {}): {link}", room_label(&room), posted.message.id);
            if let Some(n) = &note {
                out.push('\n');
                out.push_str(n);
            }
            let v = json!({"id": posted.message.id, "room_id": room.id, "permalink": link,
                "thread_id": thread.as_ref().map(|t| t.thread_root().to_owned()), "note": note});
            Ok(ToolOutput::with_structured(out, &v)?.affected(1))
        },
    )
}

fn render_messages(
    s: &App,
    heading: &str,
    messages: &[Message],
    beyond: Beyond,
    resume: Option<&str>,
) -> (String, Vec<Value>) {
    let mut b = Bounded::new(s.config.max_result_bytes);
    b.heading(heading);
    let mut shown = Vec::new();
    for m in messages {
        if !b.push(&s.renderer.message(m)) {
            continue;
        }
        shown.push(message_value(m));
    }
    (b.finish(beyond, resume), shown)
}

/// `get_messages`.
pub fn get_messages() -> ToolDef<RocketChat> {
    ToolDef::new(
        "get_messages",
        "Read messages of a room",
        "Read a room's messages, newest first (`room_id`: #name, name, @username, room id or link). Narrow with \
         `before`/`after` (ISO times, 2h, 1d, yesterday); page back with the `before` value the result gives.",
        Hints::read_only().open_world(),
        |s: App, ctx: Ctx, a: GetMessagesArgs| async move {
            check(&s, &a)?;
            let session = s.client.session(&ctx).await?;
            let room = s.client.room(&ctx, &session, &a.room().map_err(invalid)?).await?;
            let range = TimeRange::resolve(a.after.as_deref(), a.before.as_deref(), Utc::now(), s.config.tz())
                .map_err(|e| ToolError::invalid(e.to_string()))?;
            let call = history_call(&room)?
                .q("count", a.count)
                .q("showThreadMessages", a.include_thread_replies)
                .q_opt("latest", range.latest_param())
                .q_opt("oldest", range.oldest_param());
            let h = history(&s, &ctx, &session, call).await?;
            let full = h.messages.len() as u32 >= a.count;
            let oldest = h.messages.last().and_then(|m| m.ts).map(|t| t.to_iso());
            let resume = oldest.as_ref().map(|t| format!("before={t}"));
            let heading = format!("{} — {} messages, newest first:", room_label(&room), h.messages.len());
            let (text, shown) = render_messages(
                &s,
                &heading,
                &h.messages,
                if full { Beyond::Unknown } else { Beyond::Nothing },
                resume.as_deref(),
            );
            let v = json!({"room_id": room.id, "messages": shown, "more": full, "next_before": if full { oldest } else { None }});
            ToolOutput::with_structured(text, &v)
        },
    )
}

/// `search_messages`.
pub fn search_messages() -> ToolDef<RocketChat> {
    ToolDef::new(
        "search_messages",
        "Search messages",
        "Search messages for text (`query`) in one room (`room_id`: #name, @username, room id or link), or, without \
         `room_id`, across your most recently active joined rooms (`max_rooms`, bounded).",
        Hints::read_only().open_world(),
        |s: App, ctx: Ctx, a: SearchMessagesArgs| async move {
            check(&s, &a)?;
            let session = s.client.session(&ctx).await?;
            let search = |rid: String, count: u32, offset: u32| {
                Call::get("chat.search")
                    .q("roomId", rid)
                    .q("searchText", &a.query)
                    .q("count", count)
                    .q("offset", offset)
            };
            if let Some(r) = a.room().map_err(invalid)? {
                let room = s.client.room(&ctx, &session, &r).await?;
                let r: SearchResult = s.client.json(&ctx, &session, search(room.id.clone(), a.count, a.offset)).await?;
                let full = r.messages.len() as u32 >= a.count;
                let resume = format!("offset={}", a.offset + a.count);
                let heading = format!("{} matches for “{}” in {}:", r.messages.len(), a.query, room_label(&room));
                let beyond = if full { Beyond::Unknown } else { Beyond::Nothing };
                let (text, shown) = render_messages(&s, &heading, &r.messages, beyond, Some(&resume));
                return ToolOutput::with_structured(
                    text,
                    &json!({"room_id": room.id, "messages": shown, "more": full}),
                );
            }
            // Core Rocket.Chat has no global search: search the joined rooms one at a time.
            let rooms: Updates<Room> = s.client.json(&ctx, &session, Call::get("rooms.get")).await?;
            let mut rooms: Vec<Room> = rooms.update.into_iter().filter(|r| r.t.endpoint_family().is_some()).collect();
            rooms.sort_by_key(|r| std::cmp::Reverse(r.lm.map(|t| t.utc())));
            let total_rooms = rooms.len();
            rooms.truncate(a.max_rooms as usize);
            let mut found: Vec<Message> = Vec::new();
            for room in &rooms {
                let r: SearchResult = s.client.json(&ctx, &session, search(room.id.clone(), a.count, 0)).await?;
                found.extend(r.messages);
            }
            found.sort_by_key(|m| std::cmp::Reverse(m.ts.map(|t| t.utc())));
            let matched = found.len();
            found.truncate(a.count as usize);
            let heading = format!(
                "{matched} matches for “{}” in {} of your {total_rooms} rooms (newest first):",
                a.query,
                rooms.len()
            );
            let beyond = Beyond::Exactly((matched - found.len()) as u64);
            let (mut text, shown) = render_messages(&s, &heading, &found, beyond, None);
            if total_rooms > rooms.len() {
                text.push_str(&format!(
                    "\n{} rooms were not searched; raise max_rooms or give room_id",
                    total_rooms - rooms.len()
                ));
            }
            let searched: Vec<&str> = rooms.iter().map(|r| r.id.as_str()).collect();
            ToolOutput::with_structured(
                text,
                &json!({"messages": shown, "rooms_searched": searched, "rooms_total": total_rooms}),
            )
        },
    )
}

/// `get_thread`.
pub fn get_thread() -> ToolDef<RocketChat> {
    ToolDef::new(
        "get_thread",
        "Read a thread",
        "Read the replies of a thread, oldest first (`thread_id`: the id or link of its first message, or of any \
         reply in it).",
        Hints::read_only().open_world(),
        |s: App, ctx: Ctx, a: GetThreadArgs| async move {
            check(&s, &a)?;
            let session = s.client.session(&ctx).await?;
            let t = a.thread().map_err(invalid)?;
            let call = Call::get("chat.getThreadMessages")
                .q("tmid", t.thread_root())
                .q("count", a.count)
                .q("offset", a.offset);
            let body = s.client.send_as(&ctx, &session, call).await?;
            let page: Page<Message> =
                Page::from_body(&body.body, "messages").map_err(|e| ToolError::Upstream(e.to_string()))?;
            let beyond = page.remaining().map_or(Beyond::Nothing, Beyond::Exactly);
            let resume = format!("offset={}", a.offset as usize + page.items.len());
            let heading = format!(
                "Thread {} — {} of {} replies, oldest first:",
                t.thread_root(),
                page.items.len(),
                page.total.map_or("?".to_owned(), |n| n.to_string())
            );
            let (text, shown) = render_messages(&s, &heading, &page.items, beyond, Some(&resume));
            ToolOutput::with_structured(
                text,
                &json!({"thread_id": t.thread_root(), "messages": shown, "total": page.total}),
            )
        },
    )
}

/// `list_threads`.
pub fn list_threads() -> ToolDef<RocketChat> {
    ToolDef::new(
        "list_threads",
        "List threads of a room",
        "List a room's threads, most recently active first (`type`: all, following, unread), with reply counts. Read \
         one with get_thread.",
        Hints::read_only().open_world(),
        |s: App, ctx: Ctx, a: ListThreadsArgs| async move {
            check(&s, &a)?;
            let session = s.client.session(&ctx).await?;
            let room = s.client.room(&ctx, &session, &a.room().map_err(invalid)?).await?;
            let call = Call::get("chat.getThreadsList")
                .q("rid", &room.id)
                .q("type", a.kind.as_param())
                .q_opt("text", a.text.as_deref().filter(|t| !t.trim().is_empty()))
                .q("count", a.count)
                .q("offset", a.offset);
            let body = s.client.send_as(&ctx, &session, call).await?;
            let page: Page<Message> =
                Page::from_body(&body.body, "threads").map_err(|e| ToolError::Upstream(e.to_string()))?;
            let beyond = page.remaining().map_or(Beyond::Nothing, Beyond::Exactly);
            let resume = format!("offset={}", a.offset as usize + page.items.len());
            let heading = format!("Threads in {} ({} shown):", room_label(&room), page.items.len());
            let (text, shown) = render_messages(&s, &heading, &page.items, beyond, Some(&resume));
            ToolOutput::with_structured(text, &json!({"room_id": room.id, "threads": shown, "total": page.total}))
        },
    )
}

/// `react`.
pub fn react() -> ToolDef<RocketChat> {
    ToolDef::new(
        "react",
        "React to a message",
        "Add or remove your emoji reaction on a message (`action`: add or remove; never a toggle). `emoji` is a short \
         name such as +1, tada or :white_check_mark:.",
        Hints::additive(true).open_world(),
        |s: App, ctx: Ctx, a: ReactArgs| async move {
            check(&s, &a)?;
            let session = s.client.session(&ctx).await?;
            let msg = a.message().map_err(invalid)?;
            if !s.write_rooms.is_unrestricted() {
                // The room the message is in, never the room a link names: chat.react takes no room,
                // so a link to an allowed room carrying the id of a message elsewhere would pass.
                let actual = crate::rooms::MessageRef { room: None, ..msg.clone() };
                let room = message_room(&s, &ctx, &session, &actual, None).await?;
                super::check_writable(&s, &ctx, &session, &room).await?;
            }
            let emoji = a.shortname();
            let body = json!({"messageId": msg.id, "emoji": emoji, "shouldReact": a.action.should_react()});
            s.client.send_as(&ctx, &session, Call::post("chat.react").json(body)).await?;
            let verb = if a.action.should_react() { "Added" } else { "Removed" };
            let text = format!("{verb} {emoji} on message {}", msg.id);
            Ok(ToolOutput::with_structured(
                text,
                &json!({"message_id": msg.id, "emoji": emoji, "reacted": a.action.should_react()}),
            )?
            .affected(1))
        },
    )
}

/// `edit_message`.
pub fn edit_message() -> ToolDef<RocketChat> {
    ToolDef::new(
        "edit_message",
        "Edit a message",
        "Replace the text of a message (yours, unless you may edit others'). `message_id` is its id or link; give \
         `room_id` when you know it.",
        Hints::destructive(true).open_world(),
        |s: App, ctx: Ctx, a: EditMessageArgs| async move {
            check(&s, &a)?;
            let session = s.client.session(&ctx).await?;
            let msg = a.message().map_err(invalid)?;
            let room = message_room(&s, &ctx, &session, &msg, a.room().map_err(invalid)?).await?;
            super::check_writable(&s, &ctx, &session, &room).await?;
            let (text, note) = guard_text(&s, &ctx, &session, &a.text).await?;
            let body = json!({"roomId": room.id, "msgId": msg.id, "text": text});
            let posted: PostedMessage = s.client.json(&ctx, &session, Call::post("chat.update").json(body)).await?;
            let mut out = format!("Edited message {} in {}", posted.message.id, room_label(&room));
            if let Some(n) = &note {
                out.push('\n');
                out.push_str(n);
            }
            Ok(ToolOutput::with_structured(out, &json!({"message": message_value(&posted.message), "note": note}))?
                .affected(1))
        },
    )
}

/// `delete_message`.
pub fn delete_message() -> ToolDef<RocketChat> {
    ToolDef::new(
        "delete_message",
        "Delete a message",
        "Delete a message (yours, unless you may delete others'). `message_id` is its id or link; give `room_id` \
         when you know it. This cannot be undone.",
        Hints::destructive(true).open_world(),
        |s: App, ctx: Ctx, a: DeleteMessageArgs| async move {
            check(&s, &a)?;
            let session = s.client.session(&ctx).await?;
            let msg = a.message().map_err(invalid)?;
            let room = message_room(&s, &ctx, &session, &msg, a.room().map_err(invalid)?).await?;
            super::check_writable(&s, &ctx, &session, &room).await?;
            let body = json!({"roomId": room.id, "msgId": msg.id});
            s.client.send_as(&ctx, &session, Call::post("chat.delete").json(body)).await?;
            let out = format!("Deleted message {} in {}", msg.id, room_label(&room));
            Ok(ToolOutput::with_structured(out, &json!({"message_id": msg.id, "room_id": room.id, "deleted": true}))?
                .affected(1))
        },
    )
}

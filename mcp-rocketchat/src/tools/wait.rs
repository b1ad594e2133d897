//! `wait_for_reply`: poll a room's history (or a thread) with `oldest` at the configured
//! interval until new messages arrive or the wait ends, with progress notifications.

use std::time::Duration;

use chrono::{DateTime, Utc};
use mcp_core::{Hints, ToolDef, ToolError, ToolOutput};
use serde_json::json;

use super::{
    App, Ctx, check, get_message, history, history_call, invalid, message_not_found, message_value, room_label,
};
use crate::app::RocketChat;
use crate::args::WaitForReplyArgs;
use crate::client::{Call, Session};
use crate::model::{Message, Page, Room};
use crate::rooms::MessageRef;
use crate::timebounds::{Edge, TimeBound};

/// Margin kept before the core's deadline for the answer.
const DEADLINE_MARGIN: Duration = Duration::from_secs(2);

/// `wait_for_reply`.
pub fn wait_for_reply() -> ToolDef<RocketChat> {
    ToolDef::new(
        "wait_for_reply",
        "Wait for a reply",
        "Wait until someone else posts in a room (or in one thread with `thread_id`), optionally only `from_user`, \
         and return the new messages as soon as they arrive; `after` is the message you sent (id or link) or a time \
         (default: now). Gives up after `timeout_seconds` (capped by the server) and says so; call again to keep \
         waiting.",
        Hints::read_only().open_world(),
        |s: App, ctx: Ctx, a: WaitForReplyArgs| async move {
            check(&s, &a)?;
            let session = s.client.session(&ctx).await?;
            let room = s.client.room(&ctx, &session, &a.room().map_err(invalid)?).await?;
            let thread = a.thread().map_err(invalid)?.map(|t| t.thread_root().to_owned());
            let me = s.client.me(&ctx, &session).await?.username.unwrap_or_default();
            let since = match a.after.as_deref().map(str::trim).filter(|x| !x.is_empty()) {
                None => Utc::now(),
                Some(after) => after_instant(&s, &ctx, &session, &room, after).await?,
            };
            let wanted = Duration::from_secs(u64::from(a.timeout_seconds.min(s.config.wait_max_secs)));
            let budget = wanted.min(ctx.remaining().saturating_sub(DEADLINE_MARGIN));
            let started = tokio::time::Instant::now();
            let until = started + budget;
            let interval = Duration::from_millis(s.config.wait_poll_interval_ms);
            let from = a.from_username().map(str::to_lowercase);
            let mut polls = 0u32;
            loop {
                polls += 1;
                let found = match poll(&s, &ctx, &session, &room, thread.as_deref(), since).await {
                    Ok(found) => found,
                    // A rate limit while waiting: sit it out when it fits, else answer.
                    Err(ToolError::RateLimited { retry_after: Some(w), .. })
                        if tokio::time::Instant::now() + w < until =>
                    {
                        sleep_or_cancel(&ctx, w).await?;
                        continue;
                    }
                    Err(e) => return Err(e),
                };
                let replies: Vec<Message> = found
                    .into_iter()
                    .filter(|m| m.t.is_none())
                    .filter(|m| m.u.username.as_deref().is_none_or(|u| !u.eq_ignore_ascii_case(&me)))
                    .filter(|m| {
                        from.as_ref().is_none_or(|f| m.u.username.as_deref().is_some_and(|u| u.to_lowercase() == *f))
                    })
                    .collect();
                if !replies.is_empty() {
                    let mut b = crate::render::Bounded::new(s.config.max_result_bytes);
                    b.heading(&format!("{} new in {}:", replies.len(), room_label(&room)));
                    for m in &replies {
                        b.push(&s.renderer.message(m));
                    }
                    let text = b.finish(crate::render::Beyond::Nothing, None);
                    let v = json!({"room_id": room.id, "thread_id": thread, "timed_out": false,
                        "messages": replies.iter().map(message_value).collect::<Vec<_>>()});
                    return ToolOutput::with_structured(text, &v);
                }
                let now = tokio::time::Instant::now();
                if now + interval >= until {
                    let waited = now.duration_since(started).as_secs();
                    let text = format!(
                        "No reply in {} within {waited} s (since {}); call wait_for_reply again to keep waiting.",
                        room_label(&room),
                        s.renderer.time(since)
                    );
                    let v = json!({"room_id": room.id, "thread_id": thread, "timed_out": true, "waited_secs": waited,
                        "messages": []});
                    return ToolOutput::with_structured(text, &v);
                }
                let elapsed = now.duration_since(started).as_secs_f64();
                ctx.progress
                    .report(elapsed, Some(budget.as_secs_f64()), Some(format!("waiting for a reply ({polls} checks)")))
                    .await;
                sleep_or_cancel(&ctx, interval).await?;
            }
        },
    )
}

async fn sleep_or_cancel(ctx: &Ctx, d: Duration) -> Result<(), ToolError> {
    tokio::select! {
        () = ctx.cancel.cancelled() => Err(ToolError::internal("cancelled")),
        () = tokio::time::sleep(d) => Ok(()),
    }
}

/// New messages after `since`, oldest first.
async fn poll(
    s: &App,
    ctx: &Ctx,
    session: &Session,
    room: &Room,
    thread: Option<&str>,
    since: DateTime<Utc>,
) -> Result<Vec<Message>, ToolError> {
    let mut found: Vec<Message> = match thread {
        Some(tmid) => {
            let call = Call::get("chat.getThreadMessages").q("tmid", tmid).q("count", 100).q("sort", r#"{"ts":-1}"#);
            let body = s.client.send_as(ctx, session, call).await?;
            let page: Page<Message> =
                Page::from_body(&body.body, "messages").map_err(|e| ToolError::Upstream(e.to_string()))?;
            page.items
        }
        None => {
            let call = history_call(room)?.q("oldest", crate::model::iso_millis(since)).q("count", 100);
            history(s, ctx, session, call).await?.messages
        }
    };
    found.retain(|m| m.ts.is_some_and(|t| t.utc() > since));
    found.sort_by_key(|m| m.ts.map(|t| t.utc()));
    Ok(found)
}

/// `after` as an instant: a message (its time) or a time bound.
async fn after_instant(
    s: &App,
    ctx: &Ctx,
    session: &Session,
    room: &Room,
    after: &str,
) -> Result<DateTime<Utc>, ToolError> {
    if let Ok(t) = TimeBound::parse(after) {
        return Ok(t.resolve(Utc::now(), s.config.tz(), Edge::Start));
    }
    let msg = MessageRef::parse(after).map_err(|e| ToolError::invalid(format!("`after` is not usable: {e}")))?;
    // The message is usually recent: look for it in the latest history first.
    let h = history(s, ctx, session, history_call(room)?.q("count", 50).q("showThreadMessages", true)).await?;
    if let Some(t) = h.messages.iter().find(|m| m.id == msg.id).and_then(|m| m.ts) {
        return Ok(t.utc());
    }
    let v = get_message(s, ctx, session, &msg.id).await?;
    v.pointer("/message/ts")
        .cloned()
        .and_then(|t| serde_json::from_value::<crate::model::RcDate>(t).ok())
        .map(|t| t.utc())
        .ok_or_else(|| message_not_found(&msg.id))
}

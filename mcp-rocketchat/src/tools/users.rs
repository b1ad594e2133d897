//! People: one user's profile, and finding users by name.

use mcp_core::{Hints, ToolDef, ToolError, ToolOutput};
use serde_json::{Value, json};

use super::{App, Ctx, check, invalid, user_value};
use crate::app::RocketChat;
use crate::args::{FindUsersArgs, GetUserInfoArgs, UserRef};
use crate::client::Call;
use crate::model::{User, UserInfo};
use crate::render::{Beyond, Bounded};

/// `get_user_info`.
pub fn get_user_info() -> ToolDef<RocketChat> {
    ToolDef::new(
        "get_user_info",
        "User details",
        "Show a user's profile: username, name, status, roles, time zone (`user`: @alice, alice or a user id).",
        Hints::read_only().open_world(),
        |s: App, ctx: Ctx, a: GetUserInfoArgs| async move {
            check(&s, &a)?;
            let session = s.client.session(&ctx).await?;
            let call = match a.user_ref().map_err(invalid)? {
                UserRef::Username(u) => Call::get("users.info").q("username", u),
                UserRef::Id(id) => Call::get("users.info").q("userId", id),
            };
            let info: UserInfo = s.client.json(&ctx, &session, call).await?;
            ToolOutput::with_structured(s.renderer.user(&info.user), &user_value(&info.user))
        },
    )
}

/// `find_users`.
pub fn find_users() -> ToolDef<RocketChat> {
    ToolDef::new(
        "find_users",
        "Find users",
        "Find users whose name or username contains `query` (to get a username for @mentions or direct messages).",
        Hints::read_only().open_world(),
        |s: App, ctx: Ctx, a: FindUsersArgs| async move {
            check(&s, &a)?;
            let session = s.client.session(&ctx).await?;
            let selector = json!({"term": a.query.trim()}).to_string();
            let v: Value =
                s.client.json(&ctx, &session, Call::get("users.autocomplete").q("selector", selector)).await?;
            let items = v.get("items").cloned().unwrap_or(Value::Array(Vec::new()));
            let users: Vec<User> = serde_json::from_value(items).map_err(|e| {
                ToolError::Upstream(format!("Rocket.Chat sent an unexpected users.autocomplete answer: {e}"))
            })?;
            let mut b = Bounded::new(s.config.max_result_bytes);
            b.heading(&format!("{} users match “{}”:", users.len().min(a.count as usize), a.query.trim()));
            let mut shown = Vec::new();
            for u in users.iter().take(a.count as usize) {
                if b.push(&s.renderer.user(u)) {
                    shown.push(user_value(u));
                }
            }
            let more = users.len().saturating_sub(a.count as usize) as u64;
            ToolOutput::with_structured(b.finish(Beyond::Exactly(more), None), &json!({"users": shown}))
        },
    )
}

//! Arguments of every tool, with their JSON schemas and checks.
//!
//! Names are snake_case. The names of the Rocket.Chat guide's five tools stay accepted
//! (`channel`, `text`, `threadId`, `type`, `count`, `query`, `roomId`, `name`, `members`,
//! `readOnly`): camelCase ones as serde aliases, listed in the schema as properties of their own
//! ([`document_aliases`]) so a model reading the schema sees them, and a client validating against
//! it lets them through. Counts are capped at Rocket.Chat's `API_Upper_Count_Limit` (100).

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

use crate::rooms::{MessageRef, RefError, RoomRef};

/// Rocket.Chat's `API_Upper_Count_Limit`: the most items one page holds.
pub const MAX_COUNT: u32 = 100;
/// The longest `wait_for_reply` wait, in seconds.
pub const MAX_WAIT_SECONDS: u32 = 300;
/// The most members `create_channel` adds at once.
pub const MAX_MEMBERS: usize = 100;

/// An argument that is well-formed JSON but not acceptable, with a message saying what is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{field}` {message}")]
pub struct ArgError {
    /// The argument.
    pub field: &'static str,
    /// What is wrong and what to give instead.
    pub message: String,
}

impl ArgError {
    fn new(field: &'static str, message: impl Into<String>) -> Self {
        Self { field, message: message.into() }
    }
}

/// Checks beyond what the schema expresses.
pub trait Validate {
    /// `Ok` when the arguments can be acted on.
    fn validate(&self) -> Result<(), ArgError>;

    /// The arguments that name a room or a message and so may hold a Rocket.Chat link, as
    /// (name, value): the tool checks that a link points to the configured server.
    fn references(&self) -> Vec<(&'static str, &str)>;
}

/// The given ones of these (name, value) pairs.
fn given<'a, const N: usize>(pairs: [(&'static str, Option<&'a str>); N]) -> Vec<(&'static str, &'a str)> {
    pairs.into_iter().filter_map(|(name, value)| value.map(|v| (name, v))).collect()
}

/// Schema transform: every property marked `"x-aliases": [...]` gets a property per alias (same
/// schema, without a default, described as the same argument), and the marker is removed.
pub fn document_aliases(schema: &mut schemars::Schema) {
    let Some(Value::Object(props)) = schema.get_mut("properties") else { return };
    let mut added = Vec::new();
    for (name, prop) in props.iter_mut() {
        let Some(Value::Array(aliases)) = prop.as_object_mut().and_then(|p| p.remove("x-aliases")) else { continue };
        for alias in aliases.iter().filter_map(Value::as_str) {
            let mut copy = prop.clone();
            if let Value::Object(obj) = &mut copy {
                obj.remove("default");
                let what = obj.get("description").and_then(Value::as_str).unwrap_or_default();
                obj.insert("description".into(), format!("Same as `{name}` (give one of the two). {what}").into());
            }
            added.push((alias.to_owned(), copy));
        }
    }
    props.extend(added);
}

fn check_count(field: &'static str, value: u32, max: u32) -> Result<(), ArgError> {
    if (1..=max).contains(&value) {
        Ok(())
    } else {
        Err(ArgError::new(field, format!("must be between 1 and {max} (got {value}); fetch more with `offset`")))
    }
}

fn non_empty(field: &'static str, value: &str) -> Result<(), ArgError> {
    if value.trim().is_empty() { Err(ArgError::new(field, "must not be empty")) } else { Ok(()) }
}

fn room_ref(field: &'static str, value: &str) -> Result<RoomRef, ArgError> {
    RoomRef::parse(value).map_err(|e| ArgError::new(field, ref_message(&e)))
}

fn message_ref(field: &'static str, value: &str) -> Result<MessageRef, ArgError> {
    MessageRef::parse(value).map_err(|e| ArgError::new(field, ref_message(&e)))
}

fn ref_message(e: &RefError) -> String {
    format!("is not usable: {e}")
}

fn opt_room(field: &'static str, value: Option<&str>) -> Result<Option<RoomRef>, ArgError> {
    value.filter(|v| !v.trim().is_empty()).map(|v| room_ref(field, v)).transpose()
}

fn opt_message(field: &'static str, value: Option<&str>) -> Result<Option<MessageRef>, ArgError> {
    value.filter(|v| !v.trim().is_empty()).map(|v| message_ref(field, v)).transpose()
}

fn default_count_20() -> u32 {
    20
}
fn default_count_50() -> u32 {
    50
}
fn default_count_10() -> u32 {
    10
}
fn default_wait() -> u32 {
    60
}

/// Arguments of `send_message`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = document_aliases)]
pub struct SendMessageArgs {
    /// Where to post: `#channel`, `channel`, `@username` (a direct message), a room id, or a room link.
    #[serde(alias = "roomId")]
    #[schemars(extend("x-aliases" = ["roomId"]))]
    pub channel: String,
    /// The message (Markdown). `@all`/`@here` are sent as plain text unless the server allows them.
    pub text: String,
    /// Reply in this thread: the id or link of the thread's first message (or of any reply in it).
    #[serde(default, alias = "threadId")]
    #[schemars(extend("x-aliases" = ["threadId"]))]
    pub thread_id: Option<String>,
    /// With `thread_id`: also show the reply in the room.
    #[serde(default)]
    pub also_in_room: bool,
}

impl SendMessageArgs {
    /// The target room.
    pub fn room(&self) -> Result<RoomRef, ArgError> {
        room_ref("channel", &self.channel)
    }
    /// The thread to reply in.
    pub fn thread(&self) -> Result<Option<MessageRef>, ArgError> {
        opt_message("thread_id", self.thread_id.as_deref())
    }
}

impl Validate for SendMessageArgs {
    fn validate(&self) -> Result<(), ArgError> {
        self.room()?;
        non_empty("text", &self.text)?;
        if self.also_in_room && self.thread()?.is_none() {
            return Err(ArgError::new("also_in_room", "needs `thread_id`: it shows a thread reply in the room too"));
        }
        self.thread().map(drop)
    }

    fn references(&self) -> Vec<(&'static str, &str)> {
        given([("channel", Some(&self.channel)), ("thread_id", self.thread_id.as_deref())])
    }
}

/// Which rooms `list_channels` lists (variants undocumented so the schema is a plain `enum`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RoomKind {
    // Every kind.
    #[default]
    All,
    // Public channels.
    #[serde(alias = "c", alias = "channel", alias = "channels")]
    Public,
    // Private groups.
    #[serde(alias = "p", alias = "group", alias = "groups")]
    Private,
    // Direct messages.
    #[serde(alias = "d", alias = "dm", alias = "dms", alias = "im")]
    Direct,
}

/// Arguments of `list_channels`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListChannelsArgs {
    /// Kind of rooms: `all` (default), `public`, `private` or `direct`.
    #[serde(default, rename = "type")]
    pub kind: RoomKind,
    /// Only rooms whose name contains this text (case-insensitive).
    #[serde(default)]
    pub filter: Option<String>,
    /// `true` (default): only rooms you are in. `false`: browse all public channels of the server.
    #[serde(default = "yes")]
    pub joined: bool,
    /// Rooms per page (1-100, default 50).
    #[serde(default = "default_count_50")]
    #[schemars(range(min = 1, max = 100))]
    pub count: u32,
    /// Rooms to skip (from the previous page).
    #[serde(default)]
    pub offset: u32,
}

fn yes() -> bool {
    true
}

impl Validate for ListChannelsArgs {
    fn validate(&self) -> Result<(), ArgError> {
        check_count("count", self.count, MAX_COUNT)?;
        if !self.joined && matches!(self.kind, RoomKind::Private | RoomKind::Direct) {
            return Err(ArgError::new(
                "joined",
                "can be `false` only for public channels: private groups and direct messages are listed only when you are in them",
            ));
        }
        Ok(())
    }

    fn references(&self) -> Vec<(&'static str, &str)> {
        Vec::new()
    }
}

/// Arguments of `get_messages`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = document_aliases)]
pub struct GetMessagesArgs {
    /// The room: `#channel`, `channel`, `@username`, a room id, or a room link.
    #[serde(alias = "roomId")]
    #[schemars(extend("x-aliases" = ["roomId"]))]
    pub room_id: String,
    /// Messages to return, newest first (1-100, default 20).
    #[serde(default = "default_count_20")]
    #[schemars(range(min = 1, max = 100))]
    pub count: u32,
    /// Only messages before this time: ISO (`2026-11-20`, `2026-11-20T10:31`), `2h`, `1d`, `yesterday`, `today`.
    #[serde(default, alias = "latest")]
    #[schemars(extend("x-aliases" = ["latest"]))]
    pub before: Option<String>,
    /// Only messages after this time (same forms as `before`).
    #[serde(default, alias = "oldest")]
    #[schemars(extend("x-aliases" = ["oldest"]))]
    pub after: Option<String>,
    /// Also list thread replies (default: only messages in the room itself).
    #[serde(default)]
    pub include_thread_replies: bool,
}

impl GetMessagesArgs {
    /// The room.
    pub fn room(&self) -> Result<RoomRef, ArgError> {
        room_ref("room_id", &self.room_id)
    }
}

impl Validate for GetMessagesArgs {
    fn validate(&self) -> Result<(), ArgError> {
        self.room()?;
        check_count("count", self.count, MAX_COUNT)
    }

    fn references(&self) -> Vec<(&'static str, &str)> {
        given([("room_id", Some(&self.room_id))])
    }
}

/// Arguments of `search_messages`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = document_aliases)]
pub struct SearchMessagesArgs {
    /// Text to find.
    pub query: String,
    /// The room to search: `#channel`, `@username`, a room id or link. Without it, your most
    /// recently active joined rooms are searched (at most `max_rooms`).
    #[serde(default, alias = "roomId")]
    #[schemars(extend("x-aliases" = ["roomId"]))]
    pub room_id: Option<String>,
    /// Without `room_id`: how many of your most recently active rooms to search (1-20, default 10).
    #[serde(default = "default_count_10")]
    #[schemars(range(min = 1, max = 20))]
    pub max_rooms: u32,
    /// Matches to return (1-100, default 20).
    #[serde(default = "default_count_20")]
    #[schemars(range(min = 1, max = 100))]
    pub count: u32,
    /// Matches to skip (from the previous page).
    #[serde(default)]
    pub offset: u32,
}

impl SearchMessagesArgs {
    /// The room, when one is given.
    pub fn room(&self) -> Result<Option<RoomRef>, ArgError> {
        opt_room("room_id", self.room_id.as_deref())
    }
}

/// The most rooms one `search_messages` call searches when no room is given.
pub const MAX_SEARCH_ROOMS: u32 = 20;

impl Validate for SearchMessagesArgs {
    fn validate(&self) -> Result<(), ArgError> {
        non_empty("query", &self.query)?;
        self.room()?;
        check_count("max_rooms", self.max_rooms, MAX_SEARCH_ROOMS)?;
        check_count("count", self.count, MAX_COUNT)
    }

    fn references(&self) -> Vec<(&'static str, &str)> {
        given([("room_id", self.room_id.as_deref())])
    }
}

/// Arguments of `create_channel`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = document_aliases)]
pub struct CreateChannelArgs {
    /// The new room's name, without `#` and without spaces (e.g. `team-ops`).
    pub name: String,
    /// Usernames to add (with or without `@`; up to 100).
    #[serde(default)]
    #[schemars(length(max = 100))]
    pub members: Vec<String>,
    /// Only owners and moderators may post.
    #[serde(default, alias = "readOnly")]
    #[schemars(extend("x-aliases" = ["readOnly"]))]
    pub read_only: bool,
    /// Create a private group instead of a public channel.
    #[serde(default)]
    pub private: bool,
    /// Topic shown under the name.
    #[serde(default)]
    pub topic: Option<String>,
}

impl CreateChannelArgs {
    /// The name without a leading `#`.
    pub fn room_name(&self) -> &str {
        let n = self.name.trim();
        n.strip_prefix('#').unwrap_or(n)
    }

    /// The member usernames without `@`, blanks dropped.
    pub fn member_usernames(&self) -> Vec<String> {
        self.members.iter().map(|m| m.trim().trim_start_matches('@').to_owned()).filter(|m| !m.is_empty()).collect()
    }
}

impl Validate for CreateChannelArgs {
    fn validate(&self) -> Result<(), ArgError> {
        let name = self.room_name();
        if name.is_empty() {
            return Err(ArgError::new("name", "must not be empty"));
        }
        if let Some(bad) = name.chars().find(|c| c.is_whitespace() || matches!(c, '#' | '@' | '/' | '?' | ',')) {
            let hint = if bad.is_whitespace() { " (use `-` between words, e.g. `team-ops`)" } else { "" };
            return Err(ArgError::new("name", format!("must not contain {bad:?}{hint}")));
        }
        if self.members.len() > MAX_MEMBERS {
            return Err(ArgError::new(
                "members",
                format!("has {} usernames, at most {MAX_MEMBERS} at once", self.members.len()),
            ));
        }
        if let Some(bad) = self.member_usernames().into_iter().find(|m| m.chars().any(char::is_whitespace)) {
            return Err(ArgError::new("members", format!("`{bad}` is not a username (usernames have no spaces)")));
        }
        Ok(())
    }

    fn references(&self) -> Vec<(&'static str, &str)> {
        Vec::new()
    }
}

/// Arguments of `get_thread`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = document_aliases)]
pub struct GetThreadArgs {
    /// The thread: the id or link of its first message (a link to any reply in it works too).
    #[serde(alias = "threadId")]
    #[schemars(extend("x-aliases" = ["threadId"]))]
    pub thread_id: String,
    /// Replies to return, oldest first (1-100, default 50).
    #[serde(default = "default_count_50")]
    #[schemars(range(min = 1, max = 100))]
    pub count: u32,
    /// Replies to skip (from the previous page).
    #[serde(default)]
    pub offset: u32,
}

impl GetThreadArgs {
    /// The thread reference (use [`MessageRef::thread_root`]).
    pub fn thread(&self) -> Result<MessageRef, ArgError> {
        message_ref("thread_id", &self.thread_id)
    }
}

impl Validate for GetThreadArgs {
    fn validate(&self) -> Result<(), ArgError> {
        self.thread()?;
        check_count("count", self.count, MAX_COUNT)
    }

    fn references(&self) -> Vec<(&'static str, &str)> {
        given([("thread_id", Some(&self.thread_id))])
    }
}

/// Which threads `list_threads` lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ThreadFilter {
    // Every thread.
    #[default]
    All,
    // Threads you follow.
    Following,
    // Threads with replies you have not read.
    Unread,
}

impl ThreadFilter {
    /// The value of `chat.getThreadsList`'s `type`.
    pub fn as_param(self) -> &'static str {
        match self {
            Self::All => "all",
            Self::Following => "following",
            Self::Unread => "unread",
        }
    }
}

/// Arguments of `list_threads`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = document_aliases)]
pub struct ListThreadsArgs {
    /// The room: `#channel`, `@username`, a room id or link.
    #[serde(alias = "roomId")]
    #[schemars(extend("x-aliases" = ["roomId"]))]
    pub room_id: String,
    /// `all` (default), `following` or `unread`.
    #[serde(default, rename = "type")]
    pub kind: ThreadFilter,
    /// Only threads whose first message contains this text.
    #[serde(default)]
    pub text: Option<String>,
    /// Threads to return, most recently active first (1-100, default 20).
    #[serde(default = "default_count_20")]
    #[schemars(range(min = 1, max = 100))]
    pub count: u32,
    /// Threads to skip (from the previous page).
    #[serde(default)]
    pub offset: u32,
}

impl ListThreadsArgs {
    /// The room.
    pub fn room(&self) -> Result<RoomRef, ArgError> {
        room_ref("room_id", &self.room_id)
    }
}

impl Validate for ListThreadsArgs {
    fn validate(&self) -> Result<(), ArgError> {
        self.room()?;
        check_count("count", self.count, MAX_COUNT)
    }

    fn references(&self) -> Vec<(&'static str, &str)> {
        given([("room_id", Some(&self.room_id))])
    }
}

/// Arguments of `get_unread`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = document_aliases)]
pub struct GetUnreadArgs {
    /// Only this room (default: every room with something unread).
    #[serde(default, alias = "roomId")]
    #[schemars(extend("x-aliases" = ["roomId"]))]
    pub room_id: Option<String>,
    /// Only rooms where you were mentioned (directly or by `@all`/`@here`).
    #[serde(default)]
    pub mentions_only: bool,
    /// Also show the unread messages themselves.
    #[serde(default)]
    pub include_messages: bool,
    /// With `include_messages`: messages per room (1-100, default 10).
    #[serde(default = "default_count_10")]
    #[schemars(range(min = 1, max = 100))]
    pub count: u32,
}

impl GetUnreadArgs {
    /// The room, when one is given.
    pub fn room(&self) -> Result<Option<RoomRef>, ArgError> {
        opt_room("room_id", self.room_id.as_deref())
    }
}

impl Validate for GetUnreadArgs {
    fn validate(&self) -> Result<(), ArgError> {
        self.room()?;
        check_count("count", self.count, MAX_COUNT)
    }

    fn references(&self) -> Vec<(&'static str, &str)> {
        given([("room_id", self.room_id.as_deref())])
    }
}

/// Arguments of `mark_read`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = document_aliases)]
pub struct MarkReadArgs {
    /// The room to mark as read.
    #[serde(default, alias = "roomId")]
    #[schemars(extend("x-aliases" = ["roomId"]))]
    pub room_id: Option<String>,
    /// Mark every room as read instead (give `room_id` or `all`, not both).
    #[serde(default)]
    pub all: bool,
}

impl MarkReadArgs {
    /// The room, when one is given.
    pub fn room(&self) -> Result<Option<RoomRef>, ArgError> {
        opt_room("room_id", self.room_id.as_deref())
    }
}

impl Validate for MarkReadArgs {
    fn validate(&self) -> Result<(), ArgError> {
        match (self.room()?, self.all) {
            (Some(_), false) | (None, true) => Ok(()),
            (Some(_), true) => Err(ArgError::new("all", "cannot be combined with `room_id`: give one of the two")),
            (None, false) => Err(ArgError::new("room_id", "is needed (or `all: true` to mark every room as read)")),
        }
    }

    fn references(&self) -> Vec<(&'static str, &str)> {
        given([("room_id", self.room_id.as_deref())])
    }
}

/// Whether `react` adds or removes the reaction (never a toggle).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ReactAction {
    // Add my reaction (no change when it is there).
    Add,
    // Remove my reaction (no change when it is not there).
    Remove,
}

impl ReactAction {
    /// `chat.react`'s `shouldReact`.
    pub fn should_react(self) -> bool {
        self == Self::Add
    }
}

/// Arguments of `react`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = document_aliases)]
pub struct ReactArgs {
    /// The message: its id or link.
    #[serde(alias = "messageId")]
    #[schemars(extend("x-aliases" = ["messageId"]))]
    pub message_id: String,
    /// The emoji's name, colons optional: `+1`, `:tada:`, `white_check_mark`.
    pub emoji: String,
    /// `add` (put my reaction on) or `remove` (take it off); never a toggle.
    pub action: ReactAction,
}

impl ReactArgs {
    /// The message.
    pub fn message(&self) -> Result<MessageRef, ArgError> {
        message_ref("message_id", &self.message_id)
    }

    /// The emoji as `:name:`.
    pub fn shortname(&self) -> String {
        format!(":{}:", self.emoji.trim().trim_matches(':'))
    }
}

impl Validate for ReactArgs {
    fn validate(&self) -> Result<(), ArgError> {
        self.message()?;
        let name = self.emoji.trim().trim_matches(':');
        if name.is_empty() {
            return Err(ArgError::new("emoji", "must name an emoji, e.g. `+1` or `:tada:`"));
        }
        if !name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '+')) {
            return Err(ArgError::new(
                "emoji",
                format!(
                    "`{}` is not an emoji name: give its short name (`+1`, `tada`, `white_check_mark`), not the character",
                    self.emoji.trim()
                ),
            ));
        }
        Ok(())
    }

    fn references(&self) -> Vec<(&'static str, &str)> {
        given([("message_id", Some(&self.message_id))])
    }
}

/// Arguments of `edit_message`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = document_aliases)]
pub struct EditMessageArgs {
    /// The message: its id or link (only your own messages, unless you may edit others').
    #[serde(alias = "messageId", alias = "msgId")]
    #[schemars(extend("x-aliases" = ["messageId", "msgId"]))]
    pub message_id: String,
    /// The new text (replaces the old).
    pub text: String,
    /// The message's room (found from the message when absent).
    #[serde(default, alias = "roomId")]
    #[schemars(extend("x-aliases" = ["roomId"]))]
    pub room_id: Option<String>,
}

impl EditMessageArgs {
    /// The message.
    pub fn message(&self) -> Result<MessageRef, ArgError> {
        message_ref("message_id", &self.message_id)
    }
    /// The room, when given.
    pub fn room(&self) -> Result<Option<RoomRef>, ArgError> {
        opt_room("room_id", self.room_id.as_deref())
    }
}

impl Validate for EditMessageArgs {
    fn validate(&self) -> Result<(), ArgError> {
        self.message()?;
        non_empty("text", &self.text)?;
        self.room().map(drop)
    }

    fn references(&self) -> Vec<(&'static str, &str)> {
        given([("message_id", Some(&self.message_id)), ("room_id", self.room_id.as_deref())])
    }
}

/// Arguments of `delete_message`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = document_aliases)]
pub struct DeleteMessageArgs {
    /// The message: its id or link.
    #[serde(alias = "messageId", alias = "msgId")]
    #[schemars(extend("x-aliases" = ["messageId", "msgId"]))]
    pub message_id: String,
    /// The message's room (found from the message when absent).
    #[serde(default, alias = "roomId")]
    #[schemars(extend("x-aliases" = ["roomId"]))]
    pub room_id: Option<String>,
}

impl DeleteMessageArgs {
    /// The message.
    pub fn message(&self) -> Result<MessageRef, ArgError> {
        message_ref("message_id", &self.message_id)
    }
    /// The room, when given.
    pub fn room(&self) -> Result<Option<RoomRef>, ArgError> {
        opt_room("room_id", self.room_id.as_deref())
    }
}

impl Validate for DeleteMessageArgs {
    fn validate(&self) -> Result<(), ArgError> {
        self.message()?;
        self.room().map(drop)
    }

    fn references(&self) -> Vec<(&'static str, &str)> {
        given([("message_id", Some(&self.message_id)), ("room_id", self.room_id.as_deref())])
    }
}

/// A user as named by a model: `@alice`, `alice`, or a user id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserRef {
    /// By username (without `@`).
    Username(String),
    /// By user id.
    Id(String),
}

fn user_ref(field: &'static str, value: &str) -> Result<UserRef, ArgError> {
    let v = value.trim();
    if v.is_empty() {
        return Err(ArgError::new(field, "must name a user: `@alice`, `alice` or a user id"));
    }
    if v.chars().any(char::is_whitespace) {
        return Err(ArgError::new(
            field,
            format!("`{v}` is not a username (usernames have no spaces); use find_users to look people up by name"),
        ));
    }
    if let Some(name) = v.strip_prefix('@') {
        return if name.is_empty() {
            Err(ArgError::new(field, "must name a user after `@`"))
        } else {
            Ok(UserRef::Username(name.to_owned()))
        };
    }
    // User ids have the room-id shape (17 characters of Meteor's alphabet).
    Ok(if crate::rooms::looks_like_room_id(v) && v.len() == 17 {
        UserRef::Id(v.to_owned())
    } else {
        UserRef::Username(v.to_owned())
    })
}

/// Arguments of `get_user_info`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = document_aliases)]
pub struct GetUserInfoArgs {
    /// The user: `@alice`, `alice`, or a user id.
    #[serde(alias = "username", alias = "userId")]
    #[schemars(extend("x-aliases" = ["username", "userId"]))]
    pub user: String,
}

impl GetUserInfoArgs {
    /// The user reference.
    pub fn user_ref(&self) -> Result<UserRef, ArgError> {
        user_ref("user", &self.user)
    }
}

impl Validate for GetUserInfoArgs {
    fn validate(&self) -> Result<(), ArgError> {
        self.user_ref().map(drop)
    }

    fn references(&self) -> Vec<(&'static str, &str)> {
        Vec::new()
    }
}

/// Arguments of `find_users`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FindUsersArgs {
    /// Part of a name or username.
    pub query: String,
    /// Users to return (1-100, default 20).
    #[serde(default = "default_count_20")]
    #[schemars(range(min = 1, max = 100))]
    pub count: u32,
}

impl Validate for FindUsersArgs {
    fn validate(&self) -> Result<(), ArgError> {
        non_empty("query", &self.query)?;
        check_count("count", self.count, MAX_COUNT)
    }

    fn references(&self) -> Vec<(&'static str, &str)> {
        Vec::new()
    }
}

/// Arguments of `open_direct_message`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenDirectMessageArgs {
    /// The other user's username (with or without `@`).
    pub username: String,
}

impl OpenDirectMessageArgs {
    /// The username without `@`.
    pub fn name(&self) -> &str {
        let u = self.username.trim();
        u.strip_prefix('@').unwrap_or(u)
    }
}

impl Validate for OpenDirectMessageArgs {
    fn validate(&self) -> Result<(), ArgError> {
        user_ref("username", &self.username).map(drop)
    }

    fn references(&self) -> Vec<(&'static str, &str)> {
        Vec::new()
    }
}

/// Arguments of `get_room_info`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = document_aliases)]
pub struct GetRoomInfoArgs {
    /// The room: `#channel`, `channel`, `@username`, a room id, or a room link.
    #[serde(alias = "roomId")]
    #[schemars(extend("x-aliases" = ["roomId"]))]
    pub room_id: String,
}

impl GetRoomInfoArgs {
    /// The room.
    pub fn room(&self) -> Result<RoomRef, ArgError> {
        room_ref("room_id", &self.room_id)
    }
}

impl Validate for GetRoomInfoArgs {
    fn validate(&self) -> Result<(), ArgError> {
        self.room().map(drop)
    }

    fn references(&self) -> Vec<(&'static str, &str)> {
        given([("room_id", Some(&self.room_id))])
    }
}

/// A presence status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Presence {
    // Online.
    Online,
    // Away.
    Away,
    // Busy.
    Busy,
    // Offline.
    Offline,
}

impl Presence {
    /// The value of `status[]`.
    pub fn as_param(self) -> &'static str {
        match self {
            Self::Online => "online",
            Self::Away => "away",
            Self::Busy => "busy",
            Self::Offline => "offline",
        }
    }
}

/// Arguments of `list_room_members`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = document_aliases)]
pub struct ListRoomMembersArgs {
    /// The room: `#channel`, `@username`, a room id or link.
    #[serde(alias = "roomId")]
    #[schemars(extend("x-aliases" = ["roomId"]))]
    pub room_id: String,
    /// Only members with one of these statuses (`online`, `away`, `busy`, `offline`).
    #[serde(default)]
    pub status: Vec<Presence>,
    /// Only members whose name or username contains this text.
    #[serde(default)]
    pub filter: Option<String>,
    /// Members per page (1-100, default 50).
    #[serde(default = "default_count_50")]
    #[schemars(range(min = 1, max = 100))]
    pub count: u32,
    /// Members to skip (from the previous page).
    #[serde(default)]
    pub offset: u32,
}

impl ListRoomMembersArgs {
    /// The room.
    pub fn room(&self) -> Result<RoomRef, ArgError> {
        room_ref("room_id", &self.room_id)
    }
}

impl Validate for ListRoomMembersArgs {
    fn validate(&self) -> Result<(), ArgError> {
        self.room()?;
        check_count("count", self.count, MAX_COUNT)
    }

    fn references(&self) -> Vec<(&'static str, &str)> {
        given([("room_id", Some(&self.room_id))])
    }
}

/// Arguments of `upload_file`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = document_aliases)]
pub struct UploadFileArgs {
    /// The room: `#channel`, `@username`, a room id or link.
    #[serde(alias = "roomId")]
    #[schemars(extend("x-aliases" = ["roomId"]))]
    pub room_id: String,
    /// The file's name as shown, e.g. `report.csv` (no folders).
    pub filename: String,
    /// The content, base64-encoded (for binary files). Give this or `text_content`.
    #[serde(default)]
    pub content_base64: Option<String>,
    /// The content as text (for text files). Give this or `content_base64`.
    #[serde(default)]
    pub text_content: Option<String>,
    /// A file in the operator's upload directory (a path relative to it), instead of inline content.
    #[serde(default)]
    pub path: Option<String>,
    /// MIME type (guessed from the name when absent).
    #[serde(default)]
    pub mime_type: Option<String>,
    /// A message posted with the file.
    #[serde(default)]
    pub message: Option<String>,
    /// A description of the file.
    #[serde(default)]
    pub description: Option<String>,
    /// Post the file in this thread: the id or link of its first message.
    #[serde(default, alias = "threadId")]
    #[schemars(extend("x-aliases" = ["threadId"]))]
    pub thread_id: Option<String>,
}

impl UploadFileArgs {
    /// The room.
    pub fn room(&self) -> Result<RoomRef, ArgError> {
        room_ref("room_id", &self.room_id)
    }
    /// The thread, when given.
    pub fn thread(&self) -> Result<Option<MessageRef>, ArgError> {
        opt_message("thread_id", self.thread_id.as_deref())
    }
}

impl Validate for UploadFileArgs {
    fn validate(&self) -> Result<(), ArgError> {
        self.room()?;
        let name = self.filename.trim();
        if name.is_empty() {
            return Err(ArgError::new("filename", "must not be empty"));
        }
        if name.contains(['/', '\\']) || name == "." || name == ".." {
            return Err(ArgError::new("filename", format!("`{name}` must be a bare file name, without folders")));
        }
        if name.chars().count() > 255 {
            return Err(ArgError::new("filename", "must be at most 255 characters"));
        }
        let given = [self.content_base64.is_some(), self.text_content.is_some(), self.path.is_some()];
        match given.iter().filter(|g| **g).count() {
            0 => {
                return Err(ArgError::new(
                    "content_base64",
                    "or `text_content` (or `path`) is needed: the file's content",
                ));
            }
            1 => {}
            _ => {
                return Err(ArgError::new(
                    "content_base64",
                    "cannot be combined with `text_content` or `path`: give one of the three",
                ));
            }
        }
        self.thread().map(drop)
    }

    fn references(&self) -> Vec<(&'static str, &str)> {
        given([("room_id", Some(&self.room_id)), ("thread_id", self.thread_id.as_deref())])
    }
}

/// Arguments of `wait_for_reply`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = document_aliases)]
pub struct WaitForReplyArgs {
    /// The room to watch: `#channel`, `@username`, a room id or link.
    #[serde(alias = "roomId")]
    #[schemars(extend("x-aliases" = ["roomId"]))]
    pub room_id: String,
    /// Watch only this thread: the id or link of its first message.
    #[serde(default, alias = "threadId")]
    #[schemars(extend("x-aliases" = ["threadId"]))]
    pub thread_id: Option<String>,
    /// Only messages after this: a message id or link (e.g. the one you just sent), or a time (`2026-11-20T10:31`, `5m`). Default: now.
    #[serde(default)]
    pub after: Option<String>,
    /// Only replies from this user (`@alice` or `alice`).
    #[serde(default)]
    pub from_user: Option<String>,
    /// How long to wait, in seconds (1-300, default 60).
    #[serde(default = "default_wait")]
    #[schemars(range(min = 1, max = 300))]
    pub timeout_seconds: u32,
}

impl WaitForReplyArgs {
    /// The room.
    pub fn room(&self) -> Result<RoomRef, ArgError> {
        room_ref("room_id", &self.room_id)
    }
    /// The thread, when given.
    pub fn thread(&self) -> Result<Option<MessageRef>, ArgError> {
        opt_message("thread_id", self.thread_id.as_deref())
    }
    /// The user to wait for, without `@`.
    pub fn from_username(&self) -> Option<&str> {
        self.from_user.as_deref().map(|u| u.trim().trim_start_matches('@')).filter(|u| !u.is_empty())
    }
}

impl Validate for WaitForReplyArgs {
    fn validate(&self) -> Result<(), ArgError> {
        self.room()?;
        self.thread()?;
        if !(1..=MAX_WAIT_SECONDS).contains(&self.timeout_seconds) {
            return Err(ArgError::new(
                "timeout_seconds",
                format!(
                    "must be between 1 and {MAX_WAIT_SECONDS} (got {}); call again to wait longer",
                    self.timeout_seconds
                ),
            ));
        }
        if let Some(u) = &self.from_user {
            user_ref("from_user", u)?;
        }
        Ok(())
    }

    fn references(&self) -> Vec<(&'static str, &str)> {
        given([("room_id", Some(&self.room_id)), ("thread_id", self.thread_id.as_deref())])
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use serde::de::DeserializeOwned;
    use serde_json::json;

    use super::*;

    fn parse<T: DeserializeOwned>(v: Value) -> T {
        serde_json::from_value(v).unwrap()
    }
    fn schema<T: JsonSchema>() -> serde_json::Map<String, Value> {
        mcp_core::tools::schema_object::<T>()
    }
    fn props<T: JsonSchema>() -> serde_json::Map<String, Value> {
        schema::<T>()["properties"].as_object().unwrap().clone()
    }
    fn invalid<T: DeserializeOwned + Validate>(v: Value) -> ArgError {
        parse::<T>(v).validate().unwrap_err()
    }

    #[test]
    fn guide_names_are_accepted() {
        let s: SendMessageArgs = parse(json!({"channel": "#general", "text": "hi", "threadId": "T1"}));
        assert_eq!((s.thread_id.as_deref(), s.room().unwrap()), (Some("T1"), RoomRef::Name("general".into())));
        let s: SendMessageArgs = parse(json!({"roomId": "GENERAL", "text": "hi"}));
        assert_eq!(s.room().unwrap(), RoomRef::Id("GENERAL".into()));
        let l: ListChannelsArgs = parse(json!({"type": "private", "count": 10}));
        assert_eq!((l.kind, l.count, l.joined), (RoomKind::Private, 10, true));
        let g: GetMessagesArgs = parse(json!({"roomId": "GENERAL", "count": 5}));
        assert_eq!((g.room_id.as_str(), g.count), ("GENERAL", 5));
        let q: SearchMessagesArgs = parse(json!({"query": "deploy", "roomId": "GENERAL"}));
        assert_eq!(q.query, "deploy");
        let c: CreateChannelArgs = parse(json!({"name": "ops", "members": ["alice"], "readOnly": true}));
        assert!(c.read_only);
        // The snake_case names work as well.
        let c: CreateChannelArgs = parse(json!({"name": "ops", "read_only": true}));
        assert!(c.read_only);
        let g: GetMessagesArgs = parse(json!({"room_id": "x", "latest": "2h", "oldest": "1d"}));
        assert_eq!((g.before.as_deref(), g.after.as_deref()), (Some("2h"), Some("1d")));
    }

    #[test]
    fn both_names_at_once_and_unknown_names_are_refused() {
        let both = serde_json::from_value::<SendMessageArgs>(json!({"channel": "a", "roomId": "b", "text": "x"}));
        assert!(both.unwrap_err().to_string().contains("duplicate field"));
        let unknown = serde_json::from_value::<GetMessagesArgs>(json!({"room_id": "a", "limit": 5}));
        assert!(unknown.unwrap_err().to_string().contains("unknown field `limit`"));
    }

    #[test]
    fn schemas_document_the_accepted_names() {
        let send = props::<SendMessageArgs>();
        for name in ["channel", "roomId", "text", "thread_id", "threadId", "also_in_room"] {
            assert!(send.contains_key(name), "send_message lacks {name}");
        }
        assert!(send["threadId"]["description"].as_str().unwrap().starts_with("Same as `thread_id`"));
        assert!(send["roomId"]["description"].as_str().unwrap().contains("`channel`"));
        assert!(!send["threadId"].as_object().unwrap().contains_key("x-aliases"), "the marker is removed");
        assert!(!send["thread_id"].as_object().unwrap().contains_key("x-aliases"));
        let required = schema::<SendMessageArgs>()["required"].clone();
        assert_eq!(required, json!(["channel", "text"]), "aliases are not required");
        assert_eq!(schema::<SendMessageArgs>()["additionalProperties"], json!(false));

        assert!(props::<CreateChannelArgs>().contains_key("readOnly"));
        assert!(!props::<CreateChannelArgs>()["readOnly"].as_object().unwrap().contains_key("default"));
        assert!(props::<GetMessagesArgs>().contains_key("roomId"));
        assert!(props::<ListChannelsArgs>().contains_key("type"));
        assert!(props::<ListThreadsArgs>().contains_key("type"));
        let count = &props::<GetMessagesArgs>()["count"];
        assert_eq!((count["minimum"].clone(), count["maximum"].clone()), (json!(1), json!(100)));
        assert_eq!(count["default"], json!(20));
    }

    /// Every alias a schema lists is accepted by the deserializer, and means the same argument.
    #[test]
    fn every_documented_alias_deserializes() {
        fn check<T: JsonSchema + DeserializeOwned + std::fmt::Debug>(base: Value) {
            let ps = props::<T>();
            let mut found = 0;
            for (name, p) in &ps {
                let desc = p["description"].as_str().unwrap_or_default();
                let Some(primary) = desc.strip_prefix("Same as `").and_then(|d| d.split('`').next()) else { continue };
                let value = if p["type"] == json!("boolean") || p["type"] == json!(["boolean"]) {
                    json!(true)
                } else {
                    json!("x1")
                };
                let mut with_alias = base.clone();
                with_alias.as_object_mut().unwrap().remove(primary);
                with_alias[name] = value.clone();
                let mut with_primary = base.clone();
                with_primary[primary] = value;
                let a: T = serde_json::from_value(with_alias).unwrap_or_else(|e| panic!("{name}: {e}"));
                let b: T = serde_json::from_value(with_primary).unwrap();
                assert_eq!(format!("{a:?}"), format!("{b:?}"), "{name} ≡ {primary}");
                found += 1;
            }
            assert!(found > 0, "{} documents no alias", std::any::type_name::<T>());
        }
        check::<SendMessageArgs>(json!({"channel": "a", "text": "t"}));
        check::<GetMessagesArgs>(json!({"room_id": "a"}));
        check::<SearchMessagesArgs>(json!({"room_id": "a", "query": "q"}));
        check::<CreateChannelArgs>(json!({"name": "n"}));
        check::<GetThreadArgs>(json!({"thread_id": "t"}));
        check::<ListThreadsArgs>(json!({"room_id": "a"}));
        check::<GetUnreadArgs>(json!({}));
        check::<MarkReadArgs>(json!({}));
        check::<ReactArgs>(json!({"message_id": "m", "emoji": "+1", "action": "add"}));
        check::<EditMessageArgs>(json!({"message_id": "m", "text": "t"}));
        check::<DeleteMessageArgs>(json!({"message_id": "m"}));
        check::<GetUserInfoArgs>(json!({"user": "u"}));
        check::<GetRoomInfoArgs>(json!({"room_id": "a"}));
        check::<ListRoomMembersArgs>(json!({"room_id": "a"}));
        check::<UploadFileArgs>(json!({"room_id": "a", "filename": "f.txt", "text_content": "x"}));
        check::<WaitForReplyArgs>(json!({"room_id": "a"}));
    }

    #[test]
    fn every_argument_has_a_description() {
        fn check<T: JsonSchema>(tool: &str) {
            for (name, p) in props::<T>() {
                assert!(p["description"].as_str().is_some_and(|d| !d.trim().is_empty()), "{tool}.{name}");
            }
        }
        check::<SendMessageArgs>("send_message");
        check::<ListChannelsArgs>("list_channels");
        check::<GetMessagesArgs>("get_messages");
        check::<SearchMessagesArgs>("search_messages");
        check::<CreateChannelArgs>("create_channel");
        check::<GetThreadArgs>("get_thread");
        check::<ListThreadsArgs>("list_threads");
        check::<GetUnreadArgs>("get_unread");
        check::<MarkReadArgs>("mark_read");
        check::<ReactArgs>("react");
        check::<EditMessageArgs>("edit_message");
        check::<DeleteMessageArgs>("delete_message");
        check::<GetUserInfoArgs>("get_user_info");
        check::<FindUsersArgs>("find_users");
        check::<OpenDirectMessageArgs>("open_direct_message");
        check::<GetRoomInfoArgs>("get_room_info");
        check::<ListRoomMembersArgs>("list_room_members");
        check::<UploadFileArgs>("upload_file");
        check::<WaitForReplyArgs>("wait_for_reply");
    }

    #[test]
    fn counts_are_bounded_with_precise_messages() {
        let e = invalid::<GetMessagesArgs>(json!({"room_id": "general", "count": 500}));
        assert_eq!(e.to_string(), "`count` must be between 1 and 100 (got 500); fetch more with `offset`");
        assert_eq!(invalid::<ListChannelsArgs>(json!({"count": 0})).field, "count");
        assert!(parse::<ListChannelsArgs>(json!({"count": 100})).validate().is_ok());
        assert!(parse::<FindUsersArgs>(json!({"query": "al", "count": 101})).validate().is_err());
        assert!(parse::<GetThreadArgs>(json!({"thread_id": "T", "count": 100})).validate().is_ok());
        assert!(serde_json::from_value::<GetMessagesArgs>(json!({"room_id": "g", "count": -1})).is_err());
        let e = invalid::<WaitForReplyArgs>(json!({"room_id": "g", "timeout_seconds": 301}));
        assert_eq!(e.to_string(), "`timeout_seconds` must be between 1 and 300 (got 301); call again to wait longer");
        assert_eq!(parse::<WaitForReplyArgs>(json!({"room_id": "g"})).timeout_seconds, 60);
    }

    #[test]
    fn defaults() {
        let l: ListChannelsArgs = parse(json!({}));
        assert_eq!((l.kind, l.count, l.offset, l.joined), (RoomKind::All, 50, 0, true));
        let g: GetMessagesArgs = parse(json!({"room_id": "x"}));
        assert_eq!((g.count, g.include_thread_replies), (20, false));
        let u: GetUnreadArgs = parse(json!({}));
        assert_eq!((u.count, u.mentions_only, u.room().unwrap()), (10, false, None));
    }

    #[test]
    fn room_kinds_accept_rocket_chat_letters() {
        for (given, want) in
            [("c", RoomKind::Public), ("groups", RoomKind::Private), ("dm", RoomKind::Direct), ("all", RoomKind::All)]
        {
            let l: ListChannelsArgs = parse(json!({"type": given}));
            assert_eq!(l.kind, want, "{given}");
        }
        assert!(serde_json::from_value::<ListChannelsArgs>(json!({"type": "secret"})).is_err());
        let e = invalid::<ListChannelsArgs>(json!({"type": "direct", "joined": false}));
        assert_eq!(e.field, "joined");
    }

    #[test]
    fn send_message_checks() {
        assert_eq!(
            invalid::<SendMessageArgs>(json!({"channel": "#general", "text": "  "})).to_string(),
            "`text` must not be empty"
        );
        let e = invalid::<SendMessageArgs>(json!({"channel": "Ops Team", "text": "x"}));
        assert_eq!(e.field, "channel");
        assert!(e.to_string().contains("room names do not"), "{e}");
        assert_eq!(
            invalid::<SendMessageArgs>(json!({"channel": "a", "text": "x", "also_in_room": true})).field,
            "also_in_room"
        );
        let s: SendMessageArgs = parse(json!({"channel": "@bob", "text": "x",
            "thread_id": "https://chat.example.com/channel/general/thread/T1?msg=R2"}));
        s.validate().unwrap();
        assert_eq!(s.thread().unwrap().unwrap().thread_root(), "T1");
        assert_eq!(
            invalid::<SendMessageArgs>(json!({"channel": "a", "text": "x", "thread_id": "a b"})).field,
            "thread_id"
        );
    }

    #[test]
    fn react_is_explicit() {
        assert!(
            serde_json::from_value::<ReactArgs>(json!({"message_id": "m", "emoji": "+1"})).is_err(),
            "action is required"
        );
        assert!(
            serde_json::from_value::<ReactArgs>(json!({"message_id": "m", "emoji": "+1", "action": "toggle"})).is_err()
        );
        let r: ReactArgs = parse(json!({"messageId": "m", "emoji": ":tada:", "action": "remove"}));
        r.validate().unwrap();
        assert_eq!((r.shortname().as_str(), r.action.should_react()), (":tada:", false));
        let r: ReactArgs = parse(json!({"message_id": "m", "emoji": "+1", "action": "add"}));
        assert_eq!((r.shortname().as_str(), r.action.should_react()), (":+1:", true));
        let e = invalid::<ReactArgs>(json!({"message_id": "m", "emoji": "👍", "action": "add"}));
        assert!(e.to_string().contains("not the character"), "{e}");
        assert_eq!(invalid::<ReactArgs>(json!({"message_id": "m", "emoji": "::", "action": "add"})).field, "emoji");
        let schema = props::<ReactArgs>();
        assert_eq!(schema["action"]["enum"], json!(["add", "remove"]));
    }

    #[test]
    fn create_channel_checks() {
        let c: CreateChannelArgs = parse(json!({"name": "#team-ops", "members": ["@alice", " bob ", ""]}));
        c.validate().unwrap();
        assert_eq!((c.room_name(), c.member_usernames()), ("team-ops", vec!["alice".to_owned(), "bob".to_owned()]));
        let e = invalid::<CreateChannelArgs>(json!({"name": "Team Ops"}));
        assert_eq!(e.to_string(), "`name` must not contain ' ' (use `-` between words, e.g. `team-ops`)");
        assert_eq!(invalid::<CreateChannelArgs>(json!({"name": "#"})).to_string(), "`name` must not be empty");
        let many: Vec<String> = (0..101).map(|i| format!("u{i}")).collect();
        let e = invalid::<CreateChannelArgs>(json!({"name": "x", "members": many}));
        assert_eq!(e.to_string(), "`members` has 101 usernames, at most 100 at once");
        assert_eq!(invalid::<CreateChannelArgs>(json!({"name": "x", "members": ["Alice Liddell"]})).field, "members");
    }

    #[test]
    fn mark_read_needs_exactly_one_target() {
        assert!(parse::<MarkReadArgs>(json!({"roomId": "#general"})).validate().is_ok());
        assert!(parse::<MarkReadArgs>(json!({"all": true})).validate().is_ok());
        assert_eq!(invalid::<MarkReadArgs>(json!({})).field, "room_id");
        assert_eq!(invalid::<MarkReadArgs>(json!({"room_id": "a", "all": true})).field, "all");
    }

    #[test]
    fn users_by_name_or_id() {
        let at = |s: &str| parse::<GetUserInfoArgs>(json!({"user": s})).user_ref();
        assert_eq!(at("@alice").unwrap(), UserRef::Username("alice".into()));
        assert_eq!(at("alice").unwrap(), UserRef::Username("alice".into()));
        assert_eq!(at("ByehQjC44FwMeiLbX").unwrap(), UserRef::Id("ByehQjC44FwMeiLbX".into()));
        assert!(at("Alice Liddell").unwrap_err().to_string().contains("find_users"));
        assert!(at("@").is_err() && at(" ").is_err());
        let g: GetUserInfoArgs = parse(json!({"username": "bob"}));
        assert_eq!(g.user, "bob");
        let d: OpenDirectMessageArgs = parse(json!({"username": "@carol"}));
        assert_eq!(d.name(), "carol");
        assert!(d.validate().is_ok());
    }

    #[test]
    fn upload_file_checks() {
        let ok = json!({"room_id": "#general", "filename": "report.csv", "text_content": "a,b"});
        assert!(parse::<UploadFileArgs>(ok).validate().is_ok());
        let e = invalid::<UploadFileArgs>(json!({"room_id": "g", "filename": "../etc/passwd", "text_content": "x"}));
        assert_eq!(e.to_string(), "`filename` `../etc/passwd` must be a bare file name, without folders");
        assert_eq!(invalid::<UploadFileArgs>(json!({"room_id": "g", "filename": "a"})).field, "content_base64");
        let both = json!({"room_id": "g", "filename": "a", "text_content": "x", "content_base64": "eA=="});
        assert!(invalid::<UploadFileArgs>(both).message.contains("give one of the three"));
        let path_and_text = json!({"room_id": "g", "filename": "a", "text_content": "x", "path": "a.txt"});
        assert!(invalid::<UploadFileArgs>(path_and_text).message.contains("give one of the three"));
        let path = json!({"room_id": "g", "filename": "a", "path": "a.txt"});
        assert!(parse::<UploadFileArgs>(path).validate().is_ok());
    }

    #[test]
    fn wait_for_reply_checks() {
        let w: WaitForReplyArgs =
            parse(json!({"roomId": "@alice", "threadId": "T1", "from_user": "@alice", "after": "5m"}));
        w.validate().unwrap();
        assert_eq!((w.from_username(), w.thread().unwrap().unwrap().id.as_str()), (Some("alice"), "T1"));
        assert_eq!(invalid::<WaitForReplyArgs>(json!({"room_id": "g", "timeout_seconds": 0})).field, "timeout_seconds");
        assert_eq!(invalid::<WaitForReplyArgs>(json!({"room_id": "g", "from_user": "two words"})).field, "from_user");
    }

    #[test]
    fn thread_filter_and_presence_params() {
        let l: ListThreadsArgs = parse(json!({"roomId": "g", "type": "unread"}));
        assert_eq!(l.kind.as_param(), "unread");
        let m: ListRoomMembersArgs = parse(json!({"room_id": "g", "status": ["online", "busy"]}));
        assert_eq!(m.status.iter().map(|p| p.as_param()).collect::<Vec<_>>(), ["online", "busy"]);
        assert!(serde_json::from_value::<ListRoomMembersArgs>(json!({"room_id": "g", "status": ["asleep"]})).is_err());
    }
}

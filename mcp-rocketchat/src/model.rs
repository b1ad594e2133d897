//! Serde models of what Rocket.Chat's REST API returns (6.x to 8.x).
//!
//! Every field a server may leave out is optional or defaulted, unknown fields are ignored, and
//! dates accept each form servers send: ISO-8601 strings (REST), `{"$date": ms}` (EJSON, realtime),
//! and epoch milliseconds as a number (`chat.postMessage.ts`) or a string (`chat.delete.ts`).

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, TimeZone as _, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// A failure to read a response body into a model.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// The body is not the JSON shape the endpoint documents.
    #[error("unexpected response from Rocket.Chat: {0}")]
    Shape(#[from] serde_json::Error),
    /// A list response lacks the field holding its items.
    #[error("unexpected response from Rocket.Chat: no `{0}` list in the body")]
    MissingList(String),
}

/// A point in time as Rocket.Chat sends it, in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RcDate(pub DateTime<Utc>);

impl RcDate {
    /// The instant in UTC.
    pub fn utc(&self) -> DateTime<Utc> {
        self.0
    }

    /// The ISO-8601 form Rocket.Chat's `oldest`/`latest`/`updatedSince` parameters take
    /// (`2016-12-14T20:56:05.117Z`).
    pub fn to_iso(&self) -> String {
        iso_millis(self.0)
    }
}

/// Format an instant as ISO-8601 UTC with milliseconds, the way Rocket.Chat writes and reads dates.
pub fn iso_millis(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

fn from_epoch_ms(ms: i64) -> Option<DateTime<Utc>> {
    Utc.timestamp_millis_opt(ms).single()
}

fn parse_date_str(s: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    // Epoch milliseconds as a string (`chat.delete.ts`).
    s.parse::<i64>().ok().and_then(from_epoch_ms)
}

fn date_from_value(v: &Value) -> Result<DateTime<Utc>, String> {
    match v {
        Value::String(s) => parse_date_str(s).ok_or_else(|| format!("not a date: {s:?}")),
        Value::Number(n) => n
            .as_i64()
            .or_else(|| n.as_f64().map(|f| f as i64))
            .and_then(from_epoch_ms)
            .ok_or_else(|| format!("not an epoch-ms date: {n}")),
        Value::Object(map) => match map.get("$date") {
            Some(inner @ (Value::Number(_) | Value::String(_))) => date_from_value(inner),
            // Canonical EJSON of old servers: {"$date": {"$numberLong": "…"}}.
            Some(Value::Object(long)) => {
                long.get("$numberLong").map_or_else(|| Err("unknown $date form".to_owned()), date_from_value)
            }
            _ => Err("an object date needs `$date`".to_owned()),
        },
        other => Err(format!("not a date: {other}")),
    }
}

impl<'de> Deserialize<'de> for RcDate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        date_from_value(&v).map(RcDate).map_err(serde::de::Error::custom)
    }
}

impl fmt::Display for RcDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_iso())
    }
}

/// Deserialize `null` as the type's default (servers send `null` for some absent lists and counts).
fn null_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// A user as messages and rooms embed it (`u`, `editedBy`, `mentions[]`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct UserRef {
    /// User id (`_id`).
    #[serde(rename = "_id", default)]
    pub id: String,
    /// Username (`all` and `here` in `mentions` for group mentions).
    #[serde(default)]
    pub username: Option<String>,
    /// Display name, when the server is set to send it.
    #[serde(default)]
    pub name: Option<String>,
}

/// One reaction on a message: who reacted.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct Reaction {
    /// Usernames of those who reacted.
    #[serde(default, deserialize_with = "null_default")]
    pub usernames: Vec<String>,
}

/// A file as a message references it (`file`, `files[]`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct FileRef {
    /// File id.
    #[serde(rename = "_id", default)]
    pub id: String,
    /// File name.
    #[serde(default)]
    pub name: Option<String>,
    /// MIME type.
    #[serde(rename = "type", default)]
    pub mime: Option<String>,
    /// Size in bytes, when sent.
    #[serde(default)]
    pub size: Option<u64>,
}

/// A message attachment: a file, an image, a quoted message or an integration's card.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct Attachment {
    /// Title (the file name for uploads).
    #[serde(default)]
    pub title: Option<String>,
    /// Link of the title (the download path for uploads).
    #[serde(default)]
    pub title_link: Option<String>,
    /// Body text (the quoted text for quotes).
    #[serde(default)]
    pub text: Option<String>,
    /// Description given with an upload.
    #[serde(default)]
    pub description: Option<String>,
    /// Image URL for image uploads.
    #[serde(default)]
    pub image_url: Option<String>,
    /// Audio URL for audio uploads.
    #[serde(default)]
    pub audio_url: Option<String>,
    /// Video URL for video uploads.
    #[serde(default)]
    pub video_url: Option<String>,
    /// Permalink of the quoted message (quotes only).
    #[serde(default)]
    pub message_link: Option<String>,
    /// Author of the quoted message or card.
    #[serde(default)]
    pub author_name: Option<String>,
    /// Fallback text of integration cards.
    #[serde(default)]
    pub fallback: Option<String>,
}

/// A chat message.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Message {
    /// Message id (`_id`).
    #[serde(rename = "_id")]
    pub id: String,
    /// Room id.
    #[serde(default)]
    pub rid: String,
    /// Text (for system messages, the type-specific value, e.g. the new topic).
    #[serde(default, deserialize_with = "null_default")]
    pub msg: String,
    /// When it was sent.
    pub ts: Option<RcDate>,
    /// Sender.
    #[serde(default)]
    pub u: UserRef,
    /// System message type (`uj`, `ul`, `au`, `ru`, `r`, `room_changed_topic`, …); absent on ordinary messages.
    #[serde(default)]
    pub t: Option<String>,
    /// Root message id when this is a thread reply.
    #[serde(default)]
    pub tmid: Option<String>,
    /// Thread reply shown in the room too ("also send to channel").
    #[serde(default)]
    pub tshow: Option<bool>,
    /// Number of thread replies (thread roots only).
    #[serde(default)]
    pub tcount: Option<u64>,
    /// Time of the last thread reply (thread roots only).
    #[serde(default)]
    pub tlm: Option<RcDate>,
    /// Ids of users who replied in the thread (thread roots only).
    #[serde(default, deserialize_with = "null_default")]
    pub replies: Vec<String>,
    /// When it was last edited.
    #[serde(default)]
    pub edited_at: Option<RcDate>,
    /// Who edited it.
    #[serde(default)]
    pub edited_by: Option<UserRef>,
    /// Reactions: `:emoji:` → who reacted.
    #[serde(default, deserialize_with = "null_default")]
    pub reactions: BTreeMap<String, Reaction>,
    /// Attachments (files, images, quotes, cards).
    #[serde(default, deserialize_with = "null_default")]
    pub attachments: Vec<Attachment>,
    /// The uploaded file (single-file messages).
    #[serde(default)]
    pub file: Option<FileRef>,
    /// Uploaded files (6.x+).
    #[serde(default, deserialize_with = "null_default")]
    pub files: Vec<FileRef>,
    /// Users mentioned (`all`/`here` for group mentions).
    #[serde(default, deserialize_with = "null_default")]
    pub mentions: Vec<UserRef>,
    /// Display name the sender posted under (needs `message-impersonate`).
    #[serde(default)]
    pub alias: Option<String>,
    /// Pinned.
    #[serde(default)]
    pub pinned: Option<bool>,
    /// Discussion room id when this message started a discussion.
    #[serde(default)]
    pub drid: Option<String>,
    /// Last update of the document.
    #[serde(rename = "_updatedAt", default)]
    pub updated_at: Option<RcDate>,
}

/// A room's type.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Deserialize)]
#[serde(from = "String")]
pub enum RoomType {
    /// `c`: public channel.
    Channel,
    /// `p`: private group (also discussions and team-private rooms).
    Private,
    /// `d`: direct messages.
    Direct,
    /// `l`: livechat.
    Livechat,
    /// Any other type a server sends.
    Other(String),
}

impl From<String> for RoomType {
    fn from(s: String) -> Self {
        match s.as_str() {
            "c" => Self::Channel,
            "p" => Self::Private,
            "d" => Self::Direct,
            "l" => Self::Livechat,
            _ => Self::Other(s),
        }
    }
}

impl RoomType {
    /// A word for people: `public`, `private`, `direct`, `livechat`.
    pub fn label(&self) -> &str {
        match self {
            Self::Channel => "public",
            Self::Private => "private",
            Self::Direct => "direct",
            Self::Livechat => "livechat",
            Self::Other(s) => s,
        }
    }

    /// The REST family of this type's endpoints: `channels`, `groups` or `im`; `None` for others.
    pub fn endpoint_family(&self) -> Option<&'static str> {
        match self {
            Self::Channel | Self::Livechat => Some("channels"),
            Self::Private => Some("groups"),
            Self::Direct => Some("im"),
            Self::Other(_) => None,
        }
    }
}

/// A room (channel, group, DM, livechat).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Room {
    /// Room id (`_id`).
    #[serde(rename = "_id")]
    pub id: String,
    /// Type.
    pub t: RoomType,
    /// Name (slug); absent on DMs.
    #[serde(default)]
    pub name: Option<String>,
    /// Display name (with spaces/accents), when it differs or names are UTF-8.
    #[serde(default)]
    pub fname: Option<String>,
    /// Topic.
    #[serde(default)]
    pub topic: Option<String>,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Announcement.
    #[serde(default)]
    pub announcement: Option<String>,
    /// DM members' usernames.
    #[serde(default, deserialize_with = "null_default")]
    pub usernames: Vec<String>,
    /// DM members' ids.
    #[serde(default, deserialize_with = "null_default")]
    pub uids: Vec<String>,
    /// Member count.
    #[serde(default)]
    pub users_count: Option<u64>,
    /// Message count.
    #[serde(default)]
    pub msgs: Option<u64>,
    /// Time of the last message.
    #[serde(default)]
    pub lm: Option<RcDate>,
    /// Read-only room.
    #[serde(default)]
    pub ro: Option<bool>,
    /// Archived room.
    #[serde(default)]
    pub archived: Option<bool>,
    /// Default room new users join.
    #[serde(default)]
    pub default: Option<bool>,
    /// The main room of a team.
    #[serde(default)]
    pub team_main: Option<bool>,
    /// Team id, for team rooms.
    #[serde(default)]
    pub team_id: Option<String>,
    /// Parent room id, for discussions.
    #[serde(default)]
    pub prid: Option<String>,
    /// Last message (lists and `rooms.get`).
    #[serde(default)]
    pub last_message: Option<Box<Message>>,
    /// Last update of the document.
    #[serde(rename = "_updatedAt", default)]
    pub updated_at: Option<RcDate>,
}

impl Room {
    /// The name people use: `fname`, else `name`, else the DM's usernames joined, else the id.
    pub fn display_name(&self) -> String {
        if let Some(f) = self.fname.as_deref().filter(|s| !s.is_empty()) {
            return f.to_owned();
        }
        if let Some(n) = self.name.as_deref().filter(|s| !s.is_empty()) {
            return n.to_owned();
        }
        if !self.usernames.is_empty() {
            return self.usernames.join(", ");
        }
        self.id.clone()
    }
}

/// My per-room state (`subscriptions.get`): unread counts, mentions, last seen.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Subscription {
    /// Subscription id (`_id`).
    #[serde(rename = "_id", default)]
    pub id: String,
    /// Room id.
    pub rid: String,
    /// Room name (for DMs, the other user's username).
    #[serde(default)]
    pub name: Option<String>,
    /// Room display name.
    #[serde(default)]
    pub fname: Option<String>,
    /// Room type.
    pub t: RoomType,
    /// Shown in the sidebar.
    #[serde(default)]
    pub open: Option<bool>,
    /// Has new activity.
    #[serde(default)]
    pub alert: Option<bool>,
    /// Unread messages.
    #[serde(default, deserialize_with = "null_default")]
    pub unread: u64,
    /// Direct mentions of me.
    #[serde(default, deserialize_with = "null_default")]
    pub user_mentions: u64,
    /// `@all`/`@here` mentions.
    #[serde(default, deserialize_with = "null_default")]
    pub group_mentions: u64,
    /// Last seen.
    #[serde(default)]
    pub ls: Option<RcDate>,
    /// Unread thread ids.
    #[serde(default, deserialize_with = "null_default")]
    pub tunread: Vec<String>,
    /// Unread thread ids that mention me.
    #[serde(default, deserialize_with = "null_default")]
    pub tunread_user: Vec<String>,
    /// Unread thread ids with group mentions.
    #[serde(default, deserialize_with = "null_default")]
    pub tunread_group: Vec<String>,
    /// Favourite.
    #[serde(default)]
    pub f: Option<bool>,
    /// Archived.
    #[serde(default)]
    pub archived: Option<bool>,
    /// Last update of the document.
    #[serde(rename = "_updatedAt", default)]
    pub updated_at: Option<RcDate>,
}

/// An e-mail address of a user.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct Email {
    /// The address.
    pub address: String,
    /// Verified.
    #[serde(default)]
    pub verified: bool,
}

/// A user (`users.info`, `users.list`, members lists, `/me`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    /// User id (`_id`).
    #[serde(rename = "_id")]
    pub id: String,
    /// Username (absent on some app/livechat users).
    #[serde(default)]
    pub username: Option<String>,
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// Presence: `online`, `away`, `busy`, `offline`.
    #[serde(default)]
    pub status: Option<String>,
    /// Custom status text.
    #[serde(default)]
    pub status_text: Option<String>,
    /// Offset from UTC in hours (may be fractional).
    #[serde(default)]
    pub utc_offset: Option<f64>,
    /// Active account.
    #[serde(default)]
    pub active: Option<bool>,
    /// Roles.
    #[serde(default, deserialize_with = "null_default")]
    pub roles: Vec<String>,
    /// E-mail addresses (only with the right to see them).
    #[serde(default, deserialize_with = "null_default")]
    pub emails: Vec<Email>,
    /// `user`, `bot`, `app`.
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    /// Avatar URL (`/me`).
    #[serde(default)]
    pub avatar_url: Option<String>,
    /// Last login.
    #[serde(default)]
    pub last_login: Option<RcDate>,
}

/// `GET /api/v1/me`: the user at the top level, plus `settings`.
#[derive(Debug, Clone, Deserialize)]
pub struct Me {
    /// The user.
    #[serde(flatten)]
    pub user: User,
    /// `settings.preferences` and the like, kept raw.
    #[serde(default)]
    pub settings: Option<Value>,
}

/// A Rocket.Chat release number, e.g. `7.4.1` (pre-release suffixes are ignored).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    /// Major.
    pub major: u32,
    /// Minor.
    pub minor: u32,
    /// Patch.
    pub patch: u32,
}

impl Version {
    /// A version from its parts.
    pub const fn new(major: u32, minor: u32, patch: u32) -> Self {
        Self { major, minor, patch }
    }

    /// Parse `8.0.0`, `7.4`, `6.10.2-rc.1`; `None` when it does not start with a number.
    pub fn parse(s: &str) -> Option<Self> {
        let core = s.trim().trim_start_matches('v');
        let core = core.split(['-', '+', ' ']).next().unwrap_or_default();
        let mut parts = core.split('.');
        let major = parts.next()?.parse().ok()?;
        let minor = parts.next().map_or(Some(0), |p| p.parse().ok())?;
        let patch = parts.next().map_or(Some(0), |p| p.parse().ok())?;
        Some(Self { major, minor, patch })
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// `POST /api/v1/login`: `{status:"success", data:{userId, authToken, me}}`.
#[derive(Debug, Clone, Deserialize)]
pub struct Login {
    /// The session.
    pub data: LoginData,
}

/// The session a login created.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoginData {
    /// For `X-User-Id`.
    pub user_id: String,
    /// For `X-Auth-Token`.
    pub auth_token: String,
    /// The user, as `/me` returns it.
    #[serde(default)]
    pub me: Option<User>,
}

/// How a server takes file uploads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadFlow {
    /// `rooms.media/:rid` then `rooms.mediaConfirm/:rid/:fileId` (6.10+; the only one from 8.0).
    MediaConfirm,
    /// `rooms.upload/:rid` (before 6.10).
    Legacy,
}

impl UploadFlow {
    /// The flow for a server version; unknown versions get the current flow (a 404 then says why).
    pub fn for_version(v: Option<Version>) -> Self {
        match v {
            Some(v) if v < Version::new(6, 10, 0) => Self::Legacy,
            _ => Self::MediaConfirm,
        }
    }
}

/// `GET /api/info`: `{version, success}`; admins also get `info{version, …}`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ServerInfo {
    /// Version string, e.g. `7.4.1` (absent when the server hides it).
    #[serde(default)]
    pub version: Option<String>,
    /// Build details (admins only), kept raw apart from its version.
    #[serde(default)]
    pub info: Option<Value>,
}

impl ServerInfo {
    /// The server's version: the top-level `version`, else `info.version`.
    pub fn version(&self) -> Option<Version> {
        self.version.as_deref().or_else(|| self.info.as_ref()?.get("version")?.as_str()).and_then(Version::parse)
    }
}

/// A page of a paginated list: `{<items>, count, offset, total, success}`.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The items.
    pub items: Vec<T>,
    /// Items on this page (as the server says; the length of `items` when absent).
    pub count: u64,
    /// Offset of the first item.
    pub offset: u64,
    /// Items in all pages; `None` where the endpoint gives no total.
    pub total: Option<u64>,
}

impl<T> Page<T> {
    /// How many items follow this page, when the total is known.
    pub fn remaining(&self) -> Option<u64> {
        let shown = self.offset.saturating_add(self.items.len() as u64);
        self.total.map(|t| t.saturating_sub(shown))
    }
}

impl<T: DeserializeOwned> Page<T> {
    /// Read a page whose items sit under `key` (`channels`, `groups`, `ims`, `messages`, `members`,
    /// `threads`, `users`, `result`, …).
    pub fn from_body(body: &[u8], key: &str) -> Result<Self, ModelError> {
        let value: Value = serde_json::from_slice(body)?;
        Self::from_value(value, key)
    }

    /// [`Page::from_body`] on a parsed body.
    pub fn from_value(mut value: Value, key: &str) -> Result<Self, ModelError> {
        let items = match value.get_mut(key).map(Value::take) {
            Some(Value::Null) | None => return Err(ModelError::MissingList(key.to_owned())),
            Some(list) => serde_json::from_value::<Vec<T>>(list)?,
        };
        let num = |k: &str| value.get(k).and_then(Value::as_u64);
        Ok(Self {
            count: num("count").unwrap_or(items.len() as u64),
            offset: num("offset").unwrap_or(0),
            total: num("total"),
            items,
        })
    }
}

/// Room history (`channels.history`, `groups.history`, `im.history`): newest first, no total.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct History {
    /// Messages, newest first.
    #[serde(default, deserialize_with = "null_default")]
    pub messages: Vec<Message>,
    /// First unread message (with `unreads=true`).
    #[serde(default)]
    pub first_unread: Option<Message>,
    /// Unread messages not in this page (with `unreads=true`).
    #[serde(default)]
    pub unread_not_loaded: Option<u64>,
}

/// `chat.search`: messages, no total.
#[derive(Debug, Clone, Deserialize)]
pub struct SearchResult {
    /// Matching messages.
    #[serde(default, deserialize_with = "null_default")]
    pub messages: Vec<Message>,
}

/// A removed entry of `rooms.get` / `subscriptions.get`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Removed {
    /// Id of the removed document.
    #[serde(rename = "_id")]
    pub id: String,
}

/// `rooms.get` / `subscriptions.get`: every entry changed since `updatedSince` (all of them without it).
#[derive(Debug, Clone, Deserialize)]
#[serde(bound = "T: Deserialize<'de>")]
pub struct Updates<T> {
    /// New or changed entries.
    #[serde(default = "Vec::new", deserialize_with = "null_default")]
    pub update: Vec<T>,
    /// Removed entries.
    #[serde(default, deserialize_with = "null_default")]
    pub remove: Vec<Removed>,
}

/// `rooms.info`: `{room, team?, parent?}`.
#[derive(Debug, Clone, Deserialize)]
pub struct RoomInfo {
    /// The room.
    pub room: Room,
    /// Its team, raw.
    #[serde(default)]
    pub team: Option<Value>,
    /// Its parent room (discussions).
    #[serde(default)]
    pub parent: Option<Room>,
}

/// `im.create`: `{room}`.
#[derive(Debug, Clone, Deserialize)]
pub struct DirectRoom {
    /// The DM room (its id is `_id`, also in `rid`).
    pub room: Room,
}

/// `channels.create`: `{channel}`; `groups.create`: `{group}`.
#[derive(Debug, Clone, Deserialize)]
pub struct CreatedRoom {
    /// The new room.
    #[serde(alias = "channel", alias = "group")]
    pub room: Room,
}

/// `chat.postMessage`: `{ts: <epoch ms number>, channel, message}`; `chat.sendMessage`,
/// `chat.update` and `rooms.mediaConfirm`: `{message}`.
#[derive(Debug, Clone, Deserialize)]
pub struct PostedMessage {
    /// The message as stored.
    pub message: Message,
    /// When it was stored (`chat.postMessage` only).
    #[serde(default)]
    pub ts: Option<RcDate>,
    /// The target as sent (`chat.postMessage` only).
    #[serde(default)]
    pub channel: Option<String>,
}

/// `chat.delete`: `{_id, ts: "<epoch ms string>", message}`.
#[derive(Debug, Clone, Deserialize)]
pub struct DeletedMessage {
    /// The deleted message id.
    #[serde(rename = "_id")]
    pub id: String,
    /// When it was deleted.
    #[serde(default)]
    pub ts: Option<RcDate>,
}

/// `rooms.media/:rid`: `{file:{_id,url}}`.
#[derive(Debug, Clone, Deserialize)]
pub struct UploadedMedia {
    /// The temporary upload.
    pub file: UploadedFile,
}

/// A temporary upload awaiting `rooms.mediaConfirm`.
#[derive(Debug, Clone, Deserialize)]
pub struct UploadedFile {
    /// File id, for `rooms.mediaConfirm/:rid/:fileId`.
    #[serde(rename = "_id")]
    pub id: String,
    /// Download URL.
    #[serde(default)]
    pub url: Option<String>,
}

/// `users.info`: `{user}`.
#[derive(Debug, Clone, Deserialize)]
pub struct UserInfo {
    /// The user.
    pub user: User,
}

/// `channels.counters` / `groups.counters` / `im.counters`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Counters {
    /// I am a member.
    #[serde(default)]
    pub joined: bool,
    /// Members.
    #[serde(default)]
    pub members: Option<u64>,
    /// Unread messages.
    #[serde(default)]
    pub unreads: Option<u64>,
    /// Unread since.
    #[serde(default)]
    pub unreads_from: Option<RcDate>,
    /// Messages in the room.
    #[serde(default)]
    pub msgs: Option<u64>,
    /// Last message time.
    #[serde(default)]
    pub latest: Option<RcDate>,
    /// Mentions of me.
    #[serde(default)]
    pub user_mentions: Option<u64>,
}

/// `spotlight`: `{users, rooms}`.
#[derive(Debug, Clone, Deserialize)]
pub struct Spotlight {
    /// Matching users.
    #[serde(default, deserialize_with = "null_default")]
    pub users: Vec<User>,
    /// Matching rooms (only ones not yet joined, per the spec).
    #[serde(default, deserialize_with = "null_default")]
    pub rooms: Vec<Room>,
}

/// Read a JSON body into `T`.
pub fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, ModelError> {
    Ok(serde_json::from_slice(body)?)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use serde_json::json;

    use super::*;

    fn date(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn dates_in_every_form() {
        let want = date("2016-12-14T20:56:05.117Z");
        for v in [
            json!("2016-12-14T20:56:05.117Z"),
            json!("2016-12-14T21:56:05.117+01:00"),
            json!(1481748965117_i64),
            json!("1481748965117"),
            json!({"$date": 1481748965117_i64}),
            json!({"$date": "2016-12-14T20:56:05.117Z"}),
            json!({"$date": {"$numberLong": "1481748965117"}}),
        ] {
            let got: RcDate = serde_json::from_value(v.clone()).unwrap();
            assert_eq!(got.utc(), want, "{v}");
        }
        for bad in [json!("yesterday"), json!(true), json!({"date": 1}), json!(null)] {
            assert!(serde_json::from_value::<RcDate>(bad.clone()).is_err(), "{bad}");
        }
        assert_eq!(RcDate(want).to_iso(), "2016-12-14T20:56:05.117Z");
    }

    #[test]
    fn message_with_thread_reactions_files_and_edit() {
        let m: Message = serde_json::from_value(json!({
            "_id": "m1", "rid": "GENERAL", "msg": "hello", "ts": "2026-11-20T09:31:00.000Z",
            "u": {"_id": "u1", "username": "alice", "name": "Alice"},
            "tcount": 3, "tlm": {"$date": 1763632260000_i64}, "replies": ["u2"],
            "editedAt": "2026-11-20T09:35:00.000Z", "editedBy": {"_id": "u1", "username": "alice"},
            "reactions": {":+1:": {"usernames": ["bob", "carol"]}},
            "attachments": [{"title": "a.pdf", "title_link": "/file-upload/f1/a.pdf", "type": "file"}],
            "file": {"_id": "f1", "name": "a.pdf", "type": "application/pdf"},
            "mentions": [{"_id": "all", "username": "all"}],
            "_updatedAt": {"$date": 1763632500000_i64},
            "unknownField": {"anything": 1}
        }))
        .unwrap();
        assert_eq!(m.u.username.as_deref(), Some("alice"));
        assert_eq!(m.tcount, Some(3));
        assert_eq!(m.reactions[":+1:"].usernames, ["bob", "carol"]);
        assert_eq!(m.file.as_ref().unwrap().mime.as_deref(), Some("application/pdf"));
        assert_eq!(m.attachments[0].title_link.as_deref(), Some("/file-upload/f1/a.pdf"));
        assert!(m.edited_at.is_some());
        assert_eq!(m.updated_at.unwrap().utc(), date("2025-11-20T09:55:00Z"));
        assert_eq!(m.mentions[0].username.as_deref(), Some("all"));
    }

    #[test]
    fn minimal_and_null_laden_message() {
        let m: Message =
            serde_json::from_value(json!({"_id": "x", "msg": null, "reactions": null, "attachments": null})).unwrap();
        assert_eq!(m.msg, "");
        assert!(m.reactions.is_empty() && m.attachments.is_empty() && m.ts.is_none());
        let sys: Message =
            serde_json::from_value(json!({"_id": "s", "t": "uj", "msg": "bob", "u": {"_id": "u2", "username": "bob"}}))
                .unwrap();
        assert_eq!(sys.t.as_deref(), Some("uj"));
    }

    #[test]
    fn rooms_and_types() {
        let r: Room = serde_json::from_value(json!({
            "_id": "r1", "t": "p", "name": "ops", "fname": "Ops Team", "usersCount": 4, "ro": true,
            "lm": "2026-11-20T09:31:00.000Z", "lastMessage": {"_id": "m", "msg": "x"}, "teamMain": true
        }))
        .unwrap();
        assert_eq!(r.t, RoomType::Private);
        assert_eq!(r.t.endpoint_family(), Some("groups"));
        assert_eq!(r.display_name(), "Ops Team");
        assert_eq!(r.users_count, Some(4));
        assert_eq!(r.last_message.unwrap().msg, "x");
        let dm: Room = serde_json::from_value(
            json!({"_id": "u1u2", "t": "d", "usernames": ["alice", "bob"], "uids": ["u1", "u2"]}),
        )
        .unwrap();
        assert_eq!(dm.display_name(), "alice, bob");
        assert_eq!(dm.t.endpoint_family(), Some("im"));
        let odd: Room = serde_json::from_value(json!({"_id": "v", "t": "v"})).unwrap();
        assert_eq!(odd.t, RoomType::Other("v".into()));
        assert_eq!(odd.t.endpoint_family(), None);
        assert_eq!(odd.display_name(), "v");
    }

    #[test]
    fn subscription_counts_default_to_zero() {
        let s: Subscription = serde_json::from_value(json!({
            "rid": "GENERAL", "name": "general", "t": "c", "unread": 12, "userMentions": 2, "groupMentions": null,
            "tunread": ["t1"], "ls": "2026-11-20T09:00:00.000Z", "alert": true
        }))
        .unwrap();
        assert_eq!((s.unread, s.user_mentions, s.group_mentions), (12, 2, 0));
        assert_eq!(s.tunread, ["t1"]);
        let bare: Subscription = serde_json::from_value(json!({"rid": "x", "t": "d"})).unwrap();
        assert_eq!(bare.unread, 0);
        assert!(bare.tunread.is_empty());
    }

    #[test]
    fn me_and_server_info() {
        let me: Me = parse(
            br#"{"_id":"u1","username":"alice","name":"Alice","emails":[{"address":"a@x.org","verified":true}],
                "status":"online","utcOffset":1,"active":true,"roles":["user","bot"],
                "settings":{"preferences":{}},"avatarUrl":"https://x/avatar/alice","success":true}"#,
        )
        .unwrap();
        assert_eq!(me.user.id, "u1");
        assert_eq!(me.user.roles, ["user", "bot"]);
        assert_eq!(me.user.emails[0].address, "a@x.org");
        assert_eq!(me.user.utc_offset, Some(1.0));
        assert!(me.settings.is_some());

        let info: ServerInfo = parse(br#"{"version":"6.10.2","success":true}"#).unwrap();
        assert_eq!(info.version(), Some(Version::new(6, 10, 2)));
        let admin: ServerInfo = parse(br#"{"info":{"version":"8.0.0-rc.1","build":{}},"success":true}"#).unwrap();
        assert_eq!(admin.version(), Some(Version::new(8, 0, 0)));
        let hidden: ServerInfo = parse(br#"{"success":true}"#).unwrap();
        assert_eq!(hidden.version(), None);
    }

    #[test]
    fn login_and_upload_flow() {
        let login: Login = parse(
            br#"{"status":"success","data":{"userId":"u1","authToken":"tok","me":{"_id":"u1","username":"bot"}},"success":true}"#,
        )
        .unwrap();
        assert_eq!((login.data.user_id.as_str(), login.data.auth_token.as_str()), ("u1", "tok"));
        assert_eq!(login.data.me.unwrap().username.as_deref(), Some("bot"));
        assert_eq!(UploadFlow::for_version(Some(Version::new(6, 9, 9))), UploadFlow::Legacy);
        assert_eq!(UploadFlow::for_version(Some(Version::new(6, 10, 0))), UploadFlow::MediaConfirm);
        assert_eq!(UploadFlow::for_version(Some(Version::new(8, 0, 0))), UploadFlow::MediaConfirm);
        assert_eq!(UploadFlow::for_version(None), UploadFlow::MediaConfirm);
    }

    #[test]
    fn versions_order_numerically() {
        assert!(Version::parse("6.10.0").unwrap() > Version::parse("6.9.9").unwrap());
        assert_eq!(Version::parse("7.4"), Some(Version::new(7, 4, 0)));
        assert_eq!(Version::parse("v8"), Some(Version::new(8, 0, 0)));
        assert_eq!(Version::parse("next"), None);
        assert_eq!(Version::new(7, 8, 0).to_string(), "7.8.0");
    }

    #[test]
    fn pages_read_their_list_and_counts() {
        let p: Page<Room> = Page::from_body(
            br#"{"channels":[{"_id":"a","t":"c","name":"a"},{"_id":"b","t":"c","name":"b"}],
                "count":2,"offset":10,"total":15,"success":true}"#,
            "channels",
        )
        .unwrap();
        assert_eq!((p.items.len(), p.count, p.offset, p.total), (2, 2, 10, Some(15)));
        assert_eq!(p.remaining(), Some(3));

        let no_total: Page<Message> = Page::from_body(br#"{"messages":[{"_id":"m"}]}"#, "messages").unwrap();
        assert_eq!((no_total.count, no_total.offset, no_total.total, no_total.remaining()), (1, 0, None, None));

        let err = Page::<Room>::from_body(br#"{"groups":[]}"#, "channels").unwrap_err();
        assert!(err.to_string().contains("no `channels` list"), "{err}");
        assert!(Page::<Room>::from_body(b"not json", "channels").is_err());
    }

    #[test]
    fn envelopes_of_writes() {
        let posted: PostedMessage = parse(
            br#"{"ts":1481748965123,"channel":"general","message":{"_id":"m","rid":"GENERAL","msg":"hi"},"success":true}"#,
        )
        .unwrap();
        assert_eq!(posted.ts.unwrap().utc().timestamp_millis(), 1481748965123);
        assert_eq!(posted.channel.as_deref(), Some("general"));

        let deleted: DeletedMessage =
            parse(br#"{"_id":"m","ts":"1481748965123","message":{"_id":"m","rid":"r","u":{}},"success":true}"#)
                .unwrap();
        assert_eq!(deleted.ts.unwrap().utc().timestamp_millis(), 1481748965123);

        let created: CreatedRoom = parse(br#"{"group":{"_id":"g","t":"p","name":"secret"},"success":true}"#).unwrap();
        assert_eq!(created.room.t, RoomType::Private);
        let created: CreatedRoom = parse(br#"{"channel":{"_id":"c","t":"c","name":"open"},"success":true}"#).unwrap();
        assert_eq!(created.room.name.as_deref(), Some("open"));

        let media: UploadedMedia =
            parse(br#"{"file":{"_id":"f1","url":"/file-upload/f1/a.txt"},"success":true}"#).unwrap();
        assert_eq!(media.file.id, "f1");

        let updates: Updates<Subscription> =
            parse(br#"{"update":[{"rid":"r","t":"c","unread":1}],"remove":[{"_id":"gone"}],"success":true}"#).unwrap();
        assert_eq!(updates.update[0].unread, 1);
        assert_eq!(updates.remove[0].id, "gone");

        let history: History =
            parse(br#"{"messages":[{"_id":"b"},{"_id":"a"}],"firstUnread":{"_id":"a"},"unreadNotLoaded":4}"#).unwrap();
        assert_eq!(history.messages.len(), 2);
        assert_eq!(history.unread_not_loaded, Some(4));

        let counters: Counters =
            parse(br#"{"joined":true,"members":3,"unreads":2,"unreadsFrom":"2026-11-20T09:00:00.000Z","msgs":9,"latest":"2026-11-20T09:30:00.000Z","userMentions":1}"#)
                .unwrap();
        assert!(counters.joined);
        assert_eq!(counters.unreads, Some(2));
    }
}

//! A stateful stand-in Rocket.Chat REST server (v1 API) for tests, faithful to
//! `shared/upstreams/rocketchat.md`: per-version routes and bodies, the auth headers and their
//! 401, the error envelopes, history and pagination, threads, reactions, unread state, uploads
//! and the rate limiter with its headers. It runs on [`StandIn`], so every request is recorded
//! and faults can be scripted on top (`rc.fault(...)` through `Deref`).
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use test_support::rocketchat::{RcVersion, RocketChat, RoomKind};
//! let rc = RocketChat::start(RcVersion::V7).await?;
//! let alice = rc.add_user("alice", "Alice", "pw");
//! let bob = rc.add_user("bob", "Bob", "pw");
//! let general = rc.add_room(RoomKind::Channel, "general", &["alice", "bob"]);
//! rc.post_as("bob", &general, "hello @alice", None);
//! // A client calls e.g. GET {rc.url()}/api/v1/channels.history?roomId=... with
//! // X-User-Id: alice.id and X-Auth-Token: alice.auth_token (a personal access token).
//! assert_eq!(rc.subscription("alice", &general).map(|s| s.user_mentions), Some(1));
//! # let _ = (alice, bob);
//! # Ok(())
//! # }
//! ```
//!
//! Choices where the doc is silent are marked in the code ("the doc is silent"). Ordinary users
//! hit the real default limiter (10 calls per 60 s per route and method); users with the `bot`,
//! `admin` or `app` role are exempt, as on the real server. Use
//! [`disable_rate_limit`](RocketChat::disable_rate_limit) for tests that do not care. Buckets are
//! keyed by route and method only: every client is on 127.0.0.1, so, as behind one IP on the real
//! server, all users share a route's bucket. A 401 is answered before the limiter counts.

mod error;
mod http;
mod ratelimit;
mod render;
mod routes;
mod world;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use serde_json::Value;

use crate::standin::StandIn;
use http::{Shared, lock};
use ratelimit::Rule;
use world::{World, iso};

/// A Rocket.Chat server version; the stand-in switches behaviour on it (routes that appear or
/// disappear, the login body rules, `/api/me`, the 7.0.3–7.3 `channels.list` bug, the planned
/// 9.0 envelopes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RcVersion {
    /// Major version.
    pub major: u16,
    /// Minor version.
    pub minor: u16,
    /// Patch version.
    pub patch: u16,
}

impl RcVersion {
    /// 6.9.3: only the legacy `rooms.upload/:rid`; form-encoded login still accepted.
    pub const V6_9: RcVersion = RcVersion::new(6, 9, 3);
    /// 6.10.0: `rooms.media` + `rooms.mediaConfirm` appear, `rooms.upload` still there.
    pub const V6_10: RcVersion = RcVersion::new(6, 10, 0);
    /// 7.10.0: JSON-only login (7.6), no `/api/me` (7.8), both upload flows.
    pub const V7: RcVersion = RcVersion::new(7, 10, 0);
    /// 8.5.0: `rooms.upload` removed (404); `users.info?email=`.
    pub const V8: RcVersion = RcVersion::new(8, 5, 0);

    /// Any version.
    pub const fn new(major: u16, minor: u16, patch: u16) -> RcVersion {
        RcVersion { major, minor, patch }
    }
}

impl std::fmt::Display for RcVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// The kind of room [`RocketChat::add_room`] creates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoomKind {
    /// Public channel (`t: "c"`).
    Channel,
    /// Private group (`t: "p"`).
    Group,
    /// Direct message (`t: "d"`); the name is ignored.
    Direct,
}

/// A user the test created, with a personal access token for the auth headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserHandle {
    /// `_id`, for `X-User-Id`.
    pub id: String,
    /// Username.
    pub username: String,
    /// A personal access token (never expires), for `X-Auth-Token`.
    pub auth_token: String,
}

/// A stored message, for assertions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// `_id`.
    pub id: String,
    /// Room id.
    pub rid: String,
    /// Text (`msg`).
    pub text: String,
    /// Author's username.
    pub username: String,
    /// `ts`, ISO-8601 with milliseconds.
    pub ts: String,
    /// System message type (`uj` when a user joined), None for ordinary messages.
    pub system: Option<String>,
    /// Thread parent id of a reply.
    pub tmid: Option<String>,
    /// A thread reply also shown in the room.
    pub tshow: bool,
    /// Number of replies, for a thread parent.
    pub tcount: u64,
    /// Reactions: `:emoji:` to usernames.
    pub reactions: BTreeMap<String, Vec<String>>,
    /// Edited (`editedAt` set).
    pub edited: bool,
    /// Name of the attached file, if any.
    pub file_name: Option<String>,
    /// The attachment's description, if any.
    pub description: Option<String>,
    /// Alias (impersonation), if any.
    pub alias: Option<String>,
}

/// A user's subscription to a room, for assertions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    /// Unread messages.
    pub unread: u64,
    /// Direct mentions (every message counts in a DM).
    pub user_mentions: u64,
    /// `@all` / `@here` mentions.
    pub group_mentions: u64,
    /// Alert flag.
    pub alert: bool,
    /// Thread ids with unread replies.
    pub tunread: Vec<String>,
    /// Last seen, ISO-8601.
    pub ls: String,
}

/// A stored upload, for assertions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadedFile {
    /// File id.
    pub id: String,
    /// Room id.
    pub rid: String,
    /// File name as uploaded.
    pub name: String,
    /// Content type of the part.
    pub content_type: String,
    /// The bytes.
    pub data: Vec<u8>,
    /// False for a `rooms.media` upload not yet confirmed (temporary, expires after 24 h).
    pub confirmed: bool,
}

/// The running stand-in Rocket.Chat. Derefs to its [`StandIn`] (requests, faults, url).
pub struct RocketChat {
    standin: StandIn,
    world: Shared,
}

impl std::ops::Deref for RocketChat {
    type Target = StandIn;
    fn deref(&self) -> &StandIn {
        &self.standin
    }
}

impl std::fmt::Debug for RocketChat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RocketChat").field("standin", &self.standin).field("version", &self.version()).finish()
    }
}

impl RocketChat {
    /// Serve a Rocket.Chat of this version on 127.0.0.1:0, with no users and no rooms.
    pub async fn start(version: RcVersion) -> std::io::Result<RocketChat> {
        let world: Shared = Arc::new(Mutex::new(World::new(version)));
        // The stand-in has buffered the body already; uploads are bound by `FileUpload_MaxFileSize`
        // (100 MiB by default), not by axum's 2 MB default.
        let router = Router::new()
            .fallback(http::dispatch)
            .layer(axum::extract::DefaultBodyLimit::disable())
            .with_state(world.clone());
        let standin = StandIn::start(router).await?;
        Ok(RocketChat { standin, world })
    }

    /// Stop serving and wait until the port and every connection are closed.
    pub async fn shutdown(self) {
        self.standin.shutdown().await;
    }

    /// The server version.
    pub fn version(&self) -> RcVersion {
        lock(&self.world).version
    }

    /// Base URL, `http://127.0.0.1:PORT` (no trailing slash).
    pub fn url(&self) -> String {
        self.standin.url()
    }

    /// The underlying stand-in (also reachable through `Deref`).
    pub fn standin(&self) -> &StandIn {
        &self.standin
    }

    /// Add an ordinary user (role `user`, rate-limited) with one personal access token.
    pub fn add_user(&self, username: &str, name: &str, password: &str) -> UserHandle {
        self.add_user_with_roles(username, name, password, &["user"])
    }

    /// Add a user with these roles (`user`, `bot`, `admin`, `app`; `bot`, `admin` and `app`
    /// bypass the rate limiter, `admin` has every permission).
    pub fn add_user_with_roles(&self, username: &str, name: &str, password: &str, roles: &[&str]) -> UserHandle {
        let (id, auth_token) = lock(&self.world).add_user(username, name, password, roles);
        UserHandle { id, username: username.to_owned(), auth_token }
    }

    /// Add a user with this `_id` and personal access token (a stand-in process preloads
    /// credentials its client was given, as the real server holds a token created earlier).
    ///
    /// # Panics
    /// If the username or the id is taken (a mistake in the caller).
    pub fn add_user_with_token(
        &self,
        username: &str,
        name: &str,
        password: &str,
        roles: &[&str],
        id: &str,
        auth_token: &str,
    ) -> UserHandle {
        let mut w = lock(&self.world);
        assert!(
            w.user_by_username(username).is_none() && w.user(id).is_none(),
            "rocketchat stand-in: user {username:?} or id {id:?} exists"
        );
        let (id, auth_token) = w.add_user_with(username, name, password, roles, id.to_owned(), auth_token.to_owned());
        UserHandle { id, username: username.to_owned(), auth_token }
    }

    /// Require a TOTP second factor at login: the stand-in accepts exactly `code` (None removes it).
    ///
    /// # Panics
    /// If there is no such user (a mistake in the test).
    pub fn set_totp(&self, username: &str, code: Option<&str>) {
        let mut w = lock(&self.world);
        let id = user_id(&w, username);
        if let Some(u) = w.user_mut(&id) {
            u.totp = code.map(str::to_owned);
        }
    }

    /// Set a user's presence status (`online`, `away`, `busy`, `offline`), seen in member lists.
    ///
    /// # Panics
    /// If there is no such user.
    pub fn set_status(&self, username: &str, status: &str) {
        let mut w = lock(&self.world);
        let id = user_id(&w, username);
        if let Some(u) = w.user_mut(&id) {
            u.status = status.to_owned();
        }
    }

    /// True if `token` currently authenticates user `user_id` (e.g. false after logout).
    pub fn token_is_valid(&self, user_id: &str, token: &str) -> bool {
        lock(&self.world).authenticate(user_id, token).is_some()
    }

    /// Create a room; `members` are usernames, the first one is the creator and owner. For
    /// [`RoomKind::Direct`] the name is ignored. Returns the room id.
    ///
    /// # Panics
    /// If a member is unknown or `members` is empty.
    pub fn add_room(&self, kind: RoomKind, name: &str, members: &[&str]) -> String {
        let mut w = lock(&self.world);
        let ids: Vec<String> = members.iter().map(|m| user_id(&w, m)).collect();
        let Some(creator) = ids.first().cloned() else { panic!("add_room: a room needs at least one member") };
        match kind {
            RoomKind::Channel => w.create_room("c", Some(name), &creator, &ids, false),
            RoomKind::Group => w.create_room("p", Some(name), &creator, &ids, false),
            RoomKind::Direct => w.direct(&creator, &ids[1..]),
        }
    }

    /// Make a room read-only (only its owner may post) or writable again.
    pub fn set_read_only(&self, room_id: &str, read_only: bool) {
        if let Some(r) = lock(&self.world).room_mut(room_id) {
            r.read_only = read_only;
        }
    }

    /// Insert a message as if `username` had sent it (unread counts, mentions and thread state
    /// update as for a real send; the size limit and room permissions are not checked).
    /// Returns the message id.
    ///
    /// # Panics
    /// If the user is unknown or `tmid` is not a message of that room.
    pub fn post_as(&self, username: &str, room_id: &str, text: &str, tmid: Option<&str>) -> String {
        let mut w = lock(&self.world);
        let uid = user_id(&w, username);
        let new = world::NewMessage {
            rid: room_id.to_owned(),
            uid,
            text: text.to_owned(),
            tmid: tmid.map(str::to_owned),
            ..world::NewMessage::default()
        };
        match w.insert_message(new) {
            Ok(id) => id,
            Err(e) => panic!("post_as: {}", e.body),
        }
    }

    /// The messages of a room, oldest first (system messages included).
    pub fn messages(&self, room_id: &str) -> Vec<Message> {
        let w = lock(&self.world);
        w.messages.iter().filter(|m| m.rid == room_id).map(|m| to_message(&w, m)).collect()
    }

    /// One message by id.
    pub fn message(&self, id: &str) -> Option<Message> {
        let w = lock(&self.world);
        w.msg(id).map(|m| to_message(&w, m))
    }

    /// A user's subscription to a room (None if not a member).
    pub fn subscription(&self, username: &str, room_id: &str) -> Option<Subscription> {
        let w = lock(&self.world);
        let uid = w.user_by_username(username)?.id.clone();
        w.subs.get(&(uid, room_id.to_owned())).map(|s| Subscription {
            unread: s.unread,
            user_mentions: s.user_mentions,
            group_mentions: s.group_mentions,
            alert: s.alert,
            tunread: s.tunread.clone(),
            ls: iso(s.ls),
        })
    }

    /// The room ids a user is a member of, in creation order.
    pub fn rooms_of(&self, username: &str) -> Vec<String> {
        let w = lock(&self.world);
        let Some(uid) = w.user_by_username(username).map(|u| u.id.clone()) else { return Vec::new() };
        w.rooms.iter().filter(|r| w.is_member(&uid, r)).map(|r| r.id.clone()).collect()
    }

    /// The uploads stored for a room.
    pub fn uploads(&self, room_id: &str) -> Vec<UploadedFile> {
        lock(&self.world)
            .uploads
            .iter()
            .filter(|u| u.rid == room_id)
            .map(|u| UploadedFile {
                id: u.id.clone(),
                rid: u.rid.clone(),
                name: u.name.clone(),
                content_type: u.content_type.clone(),
                data: u.data.clone(),
                confirmed: u.expires_at.is_none(),
            })
            .collect()
    }

    /// Set a server setting, e.g. `Message_MaxAllowedSize` (5000), `FileUpload_MaxFileSize`
    /// (104857600), `Threads_enabled` (true), `API_Default_Count` (50), `API_Upper_Count_Limit` (100).
    pub fn set_setting(&self, id: &str, value: impl Into<Value>) {
        lock(&self.world).settings.insert(id.to_owned(), value.into());
    }

    /// Set the limiter rule for one route (its path below `/api/v1/`, e.g. `chat.postMessage`
    /// or `rooms.upload/:rid`), or for every route without a rule of its own (`None`).
    /// Counters restart.
    pub fn set_rate_limit(&self, route: Option<&str>, limit: u32, window: Duration) {
        let mut w = lock(&self.world);
        let rule = Some(Rule { limit, window });
        match route {
            Some(r) => {
                w.limiter.route_rules.insert(r.to_owned(), rule);
            }
            None => w.limiter.default_rule = rule,
        }
        w.limiter.reset();
    }

    /// Turn the limiter off for one route, or by default (`None`, like `TEST_MODE`; routes
    /// given their own rule keep it).
    pub fn disable_rate_limit(&self, route: Option<&str>) {
        let mut w = lock(&self.world);
        match route {
            Some(r) => {
                w.limiter.route_rules.insert(r.to_owned(), None);
            }
            None => w.limiter.default_rule = None,
        }
        w.limiter.reset();
    }

    /// Give a role a permission (e.g. `api-bypass-rate-limit` to `user`).
    pub fn grant_permission(&self, role: &str, permission: &str) {
        lock(&self.world).role_perms.entry(role.to_owned()).or_default().insert(permission.to_owned());
    }

    /// Take a permission from a role (e.g. `create-c` from `user`; `admin` keeps everything).
    pub fn revoke_permission(&self, role: &str, permission: &str) {
        if let Some(perms) = lock(&self.world).role_perms.get_mut(role) {
            perms.remove(permission);
        }
    }
}

fn user_id(w: &World, username: &str) -> String {
    match w.user_by_username(username) {
        Some(u) => u.id.clone(),
        None => panic!("rocketchat stand-in: no user {username:?}"),
    }
}

fn to_message(w: &World, m: &world::Msg) -> Message {
    let upload = m.file.as_deref().and_then(|f| w.uploads.iter().find(|u| u.id == f));
    Message {
        id: m.id.clone(),
        rid: m.rid.clone(),
        text: m.msg.clone(),
        username: w.user(&m.uid).map(|u| u.username.clone()).unwrap_or_default(),
        ts: iso(m.ts),
        system: m.t.map(str::to_owned),
        tmid: m.tmid.clone(),
        tshow: m.tshow,
        tcount: m.tcount,
        reactions: m.reactions.clone(),
        edited: m.edited.is_some(),
        file_name: upload.map(|u| u.name.clone()),
        description: m.description.clone(),
        alias: m.alias.clone(),
    }
}

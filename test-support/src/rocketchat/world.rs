//! The stand-in's state: users, rooms, subscriptions, messages, uploads, settings, permissions
//! and rate-limit buckets, with the operations that change them the way the real server does.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, SecondsFormat, TimeZone as _, Utc};
use serde_json::{Value, json};

use super::RcVersion;
use super::error::ApiError;
use super::ratelimit::{RateLimiter, RateVerdict};

/// Meteor's id alphabet (`Random.id()`), 17 characters per id.
const ID_ALPHABET: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTWXYZabcdefghijkmnopqrstuvwxyz";
const TOKEN_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Epoch milliseconds now.
pub(crate) fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

/// ISO-8601 UTC with milliseconds, as `JSON.stringify(new Date(ms))`.
pub(crate) fn iso(ms: i64) -> String {
    let dt: DateTime<Utc> = Utc.timestamp_millis_opt(ms).single().unwrap_or_default();
    dt.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// `Date.parse` of an ISO-8601 string (None if it does not parse).
pub(crate) fn parse_iso(s: &str) -> Option<i64> {
    DateTime::parse_from_rfc3339(s).ok().map(|d| d.timestamp_millis())
}

/// A token of a user (`services.resume.loginTokens`).
#[derive(Debug, Clone)]
pub(crate) struct Token {
    pub(crate) token: String,
    /// `Some(name)` for a personal access token, None for a login token.
    pub(crate) pat_name: Option<String>,
    pub(crate) bypass_two_factor: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct User {
    pub(crate) id: String,
    pub(crate) username: String,
    pub(crate) name: String,
    pub(crate) password: String,
    pub(crate) email: String,
    pub(crate) roles: Vec<String>,
    pub(crate) tokens: Vec<Token>,
    /// The TOTP code the stand-in accepts (a fixed code stands for the authenticator app).
    pub(crate) totp: Option<String>,
    pub(crate) status: String,
    pub(crate) created: i64,
}

#[derive(Debug, Clone)]
pub(crate) struct Room {
    pub(crate) id: String,
    /// `c`, `p` or `d`.
    pub(crate) t: &'static str,
    /// Slug (None for DMs).
    pub(crate) name: Option<String>,
    pub(crate) fname: Option<String>,
    /// Member user ids, in joining order.
    pub(crate) members: Vec<String>,
    pub(crate) owners: BTreeSet<String>,
    pub(crate) read_only: bool,
    pub(crate) creator: String,
    pub(crate) ts: i64,
    pub(crate) lm: Option<i64>,
    pub(crate) msgs: u64,
    pub(crate) updated: i64,
}

/// A stored upload (temporary until confirmed, from 6.10).
#[derive(Debug, Clone)]
pub(crate) struct Upload {
    pub(crate) id: String,
    pub(crate) rid: String,
    pub(crate) uid: String,
    pub(crate) name: String,
    pub(crate) content_type: String,
    pub(crate) data: Vec<u8>,
    pub(crate) expires_at: Option<i64>,
}

#[derive(Debug, Clone)]
pub(crate) struct Msg {
    pub(crate) id: String,
    pub(crate) rid: String,
    pub(crate) msg: String,
    pub(crate) ts: i64,
    pub(crate) uid: String,
    /// System message type (`uj` for a user who joined), None for ordinary messages.
    pub(crate) t: Option<&'static str>,
    pub(crate) tmid: Option<String>,
    pub(crate) tshow: bool,
    pub(crate) tcount: u64,
    pub(crate) tlm: Option<i64>,
    /// User ids following the thread (parent author and repliers).
    pub(crate) replies: Vec<String>,
    /// Emoji (`:smile:`) to usernames, in reaction order.
    pub(crate) reactions: BTreeMap<String, Vec<String>>,
    pub(crate) edited: Option<(i64, String)>,
    /// `(id, username)` of the mentioned users, plus `all` / `here`.
    pub(crate) mentions: Vec<(String, String)>,
    pub(crate) file: Option<String>,
    pub(crate) description: Option<String>,
    pub(crate) pinned: bool,
    pub(crate) alias: Option<String>,
    pub(crate) custom_fields: Option<Value>,
    /// `attachments[]` as sent (file messages build theirs from the upload).
    pub(crate) attachments: Option<Value>,
    pub(crate) updated: i64,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Sub {
    pub(crate) unread: u64,
    pub(crate) user_mentions: u64,
    pub(crate) group_mentions: u64,
    pub(crate) alert: bool,
    pub(crate) ls: i64,
    pub(crate) ts: i64,
    pub(crate) tunread: Vec<String>,
    pub(crate) updated: i64,
}

/// Everything the stand-in knows.
pub(crate) struct World {
    pub(crate) version: RcVersion,
    seed: u64,
    seq: u64,
    last_ts: i64,
    pub(crate) users: Vec<User>,
    pub(crate) rooms: Vec<Room>,
    pub(crate) messages: Vec<Msg>,
    /// `(user id, room id)` to subscription.
    pub(crate) subs: BTreeMap<(String, String), Sub>,
    pub(crate) settings: BTreeMap<String, Value>,
    pub(crate) role_perms: BTreeMap<String, BTreeSet<String>>,
    pub(crate) uploads: Vec<Upload>,
    pub(crate) limiter: RateLimiter,
}

/// The public settings the stand-in serves, with the real defaults.
fn default_settings() -> BTreeMap<String, Value> {
    [
        ("Message_MaxAllowedSize", json!(5000)),
        ("FileUpload_MaxFileSize", json!(104_857_600)),
        ("Threads_enabled", json!(true)),
        ("Message_AllowEditing", json!(true)),
        ("Message_AllowDeleting", json!(true)),
        ("API_Default_Count", json!(50)),
        ("API_Upper_Count_Limit", json!(100)),
        ("API_Allow_Infinite_Count", json!(true)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

/// Default role permissions (the subset the stand-in checks). `admin` has every permission.
fn default_role_perms() -> BTreeMap<String, BTreeSet<String>> {
    let user = [
        "create-c",
        "create-p",
        "create-d",
        "view-c-room",
        "view-joined-room",
        "view-d-room",
        "create-personal-access-tokens",
    ];
    let bot = ["api-bypass-rate-limit", "message-impersonate", "view-c-room", "view-joined-room", "view-d-room"];
    let app = ["api-bypass-rate-limit", "message-impersonate"];
    let set = |ps: &[&str]| ps.iter().map(|p| (*p).to_owned()).collect::<BTreeSet<_>>();
    [("user", set(&user)), ("bot", set(&bot)), ("app", set(&app))].into_iter().map(|(r, s)| (r.to_owned(), s)).collect()
}

/// Permissions a room owner holds in that room (roles `owner` in the real server).
const OWNER_PERMS: [&str; 4] = ["delete-message", "edit-message", "post-readonly", "force-delete-message"];

fn splitmix(x: &mut u64) -> u64 {
    *x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *x;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl World {
    pub(crate) fn new(version: RcVersion) -> World {
        static INSTANCE: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        let instance = INSTANCE.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        World {
            version,
            seed: (now_ms() as u64) ^ instance.rotate_left(32),
            seq: 0,
            last_ts: 0,
            users: Vec::new(),
            rooms: Vec::new(),
            messages: Vec::new(),
            subs: BTreeMap::new(),
            settings: default_settings(),
            role_perms: default_role_perms(),
            uploads: Vec::new(),
            limiter: RateLimiter::default(),
        }
    }

    fn random(&mut self, len: usize, alphabet: &[u8]) -> String {
        self.seq += 1;
        let mut state = self.seed ^ self.seq.wrapping_mul(0xA24B_AED4_963E_E407);
        (0..len).map(|_| alphabet[(splitmix(&mut state) % alphabet.len() as u64) as usize] as char).collect()
    }

    pub(crate) fn new_id(&mut self) -> String {
        self.random(17, ID_ALPHABET)
    }

    pub(crate) fn new_token(&mut self) -> String {
        self.random(43, TOKEN_ALPHABET)
    }

    /// A timestamp for a new record: now, but strictly after the previous one, so that
    /// `latest`/`oldest` pagination in tests is deterministic (the real server can give two
    /// messages the same millisecond).
    pub(crate) fn tick(&mut self) -> i64 {
        self.last_ts = now_ms().max(self.last_ts + 1);
        self.last_ts
    }

    // ----- settings -----

    pub(crate) fn setting_i64(&self, id: &str, default: i64) -> i64 {
        self.settings.get(id).and_then(Value::as_i64).unwrap_or(default)
    }

    pub(crate) fn setting_bool(&self, id: &str, default: bool) -> bool {
        self.settings.get(id).and_then(Value::as_bool).unwrap_or(default)
    }

    // ----- users -----

    pub(crate) fn add_user(&mut self, username: &str, name: &str, password: &str, roles: &[&str]) -> (String, String) {
        let id = self.new_id();
        let token = self.new_token();
        self.add_user_with(username, name, password, roles, id, token)
    }

    /// [`add_user`](Self::add_user) with a given user id and personal access token.
    pub(crate) fn add_user_with(
        &mut self,
        username: &str,
        name: &str,
        password: &str,
        roles: &[&str],
        id: String,
        token: String,
    ) -> (String, String) {
        let created = self.tick();
        self.users.push(User {
            id: id.clone(),
            username: username.to_owned(),
            name: name.to_owned(),
            password: password.to_owned(),
            email: format!("{username}@example.test"),
            roles: roles.iter().map(|r| (*r).to_owned()).collect(),
            tokens: vec![Token { token: token.clone(), pat_name: Some("stand-in".into()), bypass_two_factor: false }],
            totp: None,
            status: "online".into(),
            created,
        });
        (id, token)
    }

    pub(crate) fn user(&self, id: &str) -> Option<&User> {
        self.users.iter().find(|u| u.id == id)
    }

    pub(crate) fn user_mut(&mut self, id: &str) -> Option<&mut User> {
        self.users.iter_mut().find(|u| u.id == id)
    }

    pub(crate) fn user_by_username(&self, username: &str) -> Option<&User> {
        self.users.iter().find(|u| u.username == username)
    }

    /// The user owning this `(user id, token)` pair (a token of another user does not count).
    pub(crate) fn authenticate(&self, uid: &str, token: &str) -> Option<&User> {
        self.user(uid).filter(|u| u.tokens.iter().any(|t| t.token == token))
    }

    pub(crate) fn has_perm(&self, uid: &str, perm: &str) -> bool {
        let Some(user) = self.user(uid) else { return false };
        user.roles.iter().any(|r| r == "admin" || self.role_perms.get(r).is_some_and(|p| p.contains(perm)))
    }

    /// A permission in a room: global, or held as the room's owner.
    pub(crate) fn has_room_perm(&self, uid: &str, room: &Room, perm: &str) -> bool {
        self.has_perm(uid, perm) || (room.owners.contains(uid) && OWNER_PERMS.contains(&perm))
    }

    // ----- rooms -----

    pub(crate) fn room(&self, rid: &str) -> Option<&Room> {
        self.rooms.iter().find(|r| r.id == rid)
    }

    pub(crate) fn room_mut(&mut self, rid: &str) -> Option<&mut Room> {
        self.rooms.iter_mut().find(|r| r.id == rid)
    }

    pub(crate) fn room_by_name(&self, name: &str) -> Option<&Room> {
        self.rooms.iter().find(|r| r.name.as_deref() == Some(name))
    }

    pub(crate) fn is_member(&self, uid: &str, room: &Room) -> bool {
        room.members.iter().any(|m| m == uid)
    }

    /// `canAccessRoom`: public channels to anyone who may view them, others to members.
    pub(crate) fn can_access(&self, uid: &str, room: &Room) -> bool {
        self.is_member(uid, room) || (room.t == "c" && self.has_perm(uid, "view-c-room"))
    }

    /// Create a room; `members` are user ids (the creator first). Returns the room id.
    pub(crate) fn create_room(
        &mut self,
        t: &'static str,
        name: Option<&str>,
        creator: &str,
        members: &[String],
        ro: bool,
    ) -> String {
        let id = if t == "d" && members.len() == 2 {
            // Real DM ids are the two user ids, sorted and concatenated.
            let mut ids = members.to_vec();
            ids.sort();
            ids.concat()
        } else {
            self.new_id()
        };
        let ts = self.tick();
        let mut unique: Vec<String> = Vec::new();
        for m in members {
            if !unique.contains(m) {
                unique.push(m.clone());
            }
        }
        for m in &unique {
            self.subs.insert((m.clone(), id.clone()), Sub { ls: ts, ts, updated: ts, ..Sub::default() });
        }
        let owners = if t == "d" { BTreeSet::new() } else { BTreeSet::from([creator.to_owned()]) };
        self.rooms.push(Room {
            id: id.clone(),
            t,
            name: name.map(str::to_owned),
            fname: name.map(str::to_owned),
            members: unique,
            owners,
            read_only: ro,
            creator: creator.to_owned(),
            ts,
            lm: None,
            msgs: 0,
            updated: ts,
        });
        id
    }

    /// The DM between these users (ids), created if missing (`im.create` is idempotent).
    pub(crate) fn direct(&mut self, creator: &str, others: &[String]) -> String {
        let mut want: BTreeSet<String> = others.iter().cloned().collect();
        want.insert(creator.to_owned());
        if let Some(r) =
            self.rooms.iter().find(|r| r.t == "d" && r.members.iter().cloned().collect::<BTreeSet<_>>() == want)
        {
            return r.id.clone();
        }
        let mut members = vec![creator.to_owned()];
        members.extend(want.into_iter().filter(|m| m != creator));
        if members.len() == 1 {
            // A DM with oneself: the real server keys it by the user id twice.
            let id = format!("{creator}{creator}");
            let ts = self.tick();
            self.subs.insert((creator.to_owned(), id.clone()), Sub { ls: ts, ts, updated: ts, ..Sub::default() });
            self.rooms.push(Room {
                id: id.clone(),
                t: "d",
                name: None,
                fname: None,
                members,
                owners: BTreeSet::new(),
                read_only: false,
                creator: creator.to_owned(),
                ts,
                lm: None,
                msgs: 0,
                updated: ts,
            });
            return id;
        }
        self.create_room("d", None, creator, &members, false)
    }

    /// Join a public channel: membership, a subscription and the `uj` system message.
    pub(crate) fn join(&mut self, uid: &str, rid: &str) {
        let ts = self.tick();
        let Some(room) = self.room_mut(rid) else { return };
        if room.members.iter().any(|m| m == uid) {
            return;
        }
        room.members.push(uid.to_owned());
        room.updated = ts;
        self.subs.insert((uid.to_owned(), rid.to_owned()), Sub { ls: ts, ts, updated: ts, ..Sub::default() });
        let username = self.user(uid).map(|u| u.username.clone()).unwrap_or_default();
        let id = self.new_id();
        self.messages.push(Msg::new(id, rid, &username, ts, uid, Some("uj")));
    }

    // ----- messages -----

    pub(crate) fn msg(&self, id: &str) -> Option<&Msg> {
        self.messages.iter().find(|m| m.id == id)
    }

    pub(crate) fn msg_mut(&mut self, id: &str) -> Option<&mut Msg> {
        self.messages.iter_mut().find(|m| m.id == id)
    }

    /// Mentions in a text: `@username` of known users, and `@all` / `@here`.
    fn parse_mentions(&self, text: &str) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        for (i, _) in text.match_indices('@') {
            if i > 0 && text[..i].chars().next_back().is_some_and(|c| c.is_alphanumeric()) {
                continue; // an e-mail address, not a mention
            }
            let name: String =
                text[i + 1..].chars().take_while(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-')).collect();
            let name = name.trim_end_matches('.').to_owned();
            let mention = match name.as_str() {
                "all" | "here" => Some((name.clone(), name.clone())),
                _ => self.user_by_username(&name).map(|u| (u.id.clone(), u.username.clone())),
            };
            if let Some(m) = mention
                && !out.contains(&m)
            {
                out.push(m);
            }
        }
        out
    }

    /// Message text limit (`Message_MaxAllowedSize`, counted in UTF-16 units like JS `length`).
    pub(crate) fn check_size(&self, text: &str) -> Result<(), ApiError> {
        let max = self.setting_i64("Message_MaxAllowedSize", 5000);
        if text.encode_utf16().count() as i64 > max {
            return Err(ApiError::meteor("error-message-size-exceeded", "Message size exceeds Message_MaxAllowedSize"));
        }
        Ok(())
    }

    /// `canSendMessage`: room access and read-only rooms.
    pub(crate) fn check_can_send(&self, uid: &str, rid: &str) -> Result<(), ApiError> {
        let room = self.room(rid).ok_or_else(|| ApiError::meteor("error-invalid-room", "Invalid room"))?;
        if !self.is_member(uid, room) {
            return Err(ApiError::meteor("error-not-allowed", "Not allowed"));
        }
        if room.read_only && !self.has_room_perm(uid, room, "post-readonly") {
            return Err(ApiError::plain("You can't send messages because the room is readonly."));
        }
        Ok(())
    }

    /// Store a message the way `sendMessage` does: thread bookkeeping, room `lm`/`msgs`, and
    /// the members' subscriptions (unread, mentions, thread unread). Size and access are the
    /// caller's checks. Returns the message id.
    pub(crate) fn insert_message(&mut self, new: NewMessage) -> Result<String, ApiError> {
        let mut tmid = new.tmid;
        if let Some(t) = &tmid {
            if !self.setting_bool("Threads_enabled", true) {
                return Err(ApiError::meteor("error-not-allowed", "not-allowed"));
            }
            let parent = self
                .msg(t)
                .filter(|p| p.rid == new.rid)
                .ok_or_else(|| ApiError::meteor("error-invalid-message", "Invalid message"))?;
            // A reply to a reply goes to the thread's root.
            if let Some(root) = &parent.tmid {
                tmid = Some(root.clone());
            }
        }
        let ts = self.tick();
        let id = match new.id {
            Some(id) => id,
            None => self.new_id(),
        };
        let mentions = self.parse_mentions(&new.text);
        let mut msg = Msg::new(id.clone(), &new.rid, &new.text, ts, &new.uid, None);
        msg.tmid = tmid.clone();
        msg.tshow = new.tshow && tmid.is_some();
        msg.mentions = mentions.clone();
        msg.file = new.file;
        msg.description = new.description;
        msg.alias = new.alias;
        msg.custom_fields = new.custom_fields;
        msg.attachments = new.attachments;
        let tshow = msg.tshow;
        self.messages.push(msg);

        let mut followers: Vec<String> = Vec::new();
        if let Some(t) = &tmid
            && let Some(parent) = self.msg_mut(t)
        {
            // `threads/server/functions.ts` `reply`: the parent's author joins on the first reply.
            if parent.replies.is_empty() {
                let author = parent.uid.clone();
                parent.replies.push(author);
            }
            if !parent.replies.contains(&new.uid) {
                parent.replies.push(new.uid.clone());
            }
            for (mid, _) in &mentions {
                if self_is_user_id(mid) && !parent.replies.contains(mid) {
                    parent.replies.push(mid.clone());
                }
            }
            parent.tcount += 1;
            parent.tlm = Some(ts);
            parent.updated = ts;
            followers = parent.replies.clone();
        }

        let (members, t) = match self.room_mut(&new.rid) {
            Some(room) => {
                room.lm = Some(ts);
                room.msgs += 1;
                room.updated = ts;
                (room.members.clone(), room.t)
            }
            None => (Vec::new(), "c"),
        };
        let to_all = mentions.iter().any(|(id, _)| id == "all" || id == "here");
        for member in members.iter().filter(|m| **m != new.uid) {
            let mentioned = mentions.iter().any(|(id, _)| id == member);
            let Some(sub) = self.subs.get_mut(&(member.clone(), new.rid.clone())) else { continue };
            if let Some(t) = &tmid
                && !tshow
            {
                // A thread-only reply leaves the room's unread count alone; followers and the
                // mentioned get the thread in `tunread` (notifyUsersOnMessage).
                if (followers.contains(member) || mentioned) && !sub.tunread.contains(t) {
                    sub.tunread.push(t.clone());
                    sub.updated = ts;
                }
                continue;
            }
            sub.unread += 1;
            sub.alert = true;
            // In a DM every message counts as a mention of the other party.
            if mentioned || t == "d" {
                sub.user_mentions += 1;
            }
            if to_all {
                sub.group_mentions += 1;
            }
            sub.updated = ts;
        }
        Ok(id)
    }

    /// Mark a room read for a user (`subscriptions.read`).
    pub(crate) fn mark_read(&mut self, uid: &str, rid: &str) -> bool {
        let ts = self.tick();
        match self.subs.get_mut(&(uid.to_owned(), rid.to_owned())) {
            Some(sub) => {
                sub.unread = 0;
                sub.user_mentions = 0;
                sub.group_mentions = 0;
                sub.alert = false;
                sub.tunread.clear();
                sub.ls = ts;
                sub.updated = ts;
                true
            }
            None => false,
        }
    }

    /// Delete a message; a thread reply also lowers its parent's `tcount`.
    pub(crate) fn delete_message(&mut self, id: &str) {
        let Some(pos) = self.messages.iter().position(|m| m.id == id) else { return };
        let msg = self.messages.remove(pos);
        let ts = self.tick();
        if let Some(t) = &msg.tmid
            && let Some(parent) = self.msg_mut(t)
        {
            parent.tcount = parent.tcount.saturating_sub(1);
            parent.updated = ts;
        }
        if let Some(room) = self.room_mut(&msg.rid) {
            room.msgs = room.msgs.saturating_sub(1);
            room.updated = ts;
        }
    }

    /// Toggle or set a reaction. `should_react`: None toggles, Some(true) adds, Some(false) removes.
    pub(crate) fn react(&mut self, mid: &str, username: &str, emoji: &str, should_react: Option<bool>) {
        let ts = self.tick();
        let Some(msg) = self.msg_mut(mid) else { return };
        let users = msg.reactions.entry(emoji.to_owned()).or_default();
        let present = users.iter().any(|u| u == username);
        let want = should_react.unwrap_or(!present);
        if want && !present {
            users.push(username.to_owned());
        } else if !want && present {
            users.retain(|u| u != username);
        }
        if users.is_empty() {
            msg.reactions.remove(emoji);
        }
        msg.updated = ts;
    }

    // ----- rate limiting -----

    /// Count a call (users with `api-bypass-rate-limit` are exempt and get no headers).
    pub(crate) fn rate_check(&mut self, route: &str, key: &str, uid: Option<&str>) -> RateVerdict {
        if uid.is_some_and(|u| self.has_perm(u, "api-bypass-rate-limit")) {
            return RateVerdict::Exempt;
        }
        self.limiter.check(route, key, now_ms())
    }
}

/// Mentions of `all`/`here` are not users.
fn self_is_user_id(id: &str) -> bool {
    id != "all" && id != "here"
}

impl Msg {
    pub(crate) fn new(id: String, rid: &str, text: &str, ts: i64, uid: &str, t: Option<&'static str>) -> Msg {
        Msg {
            id,
            rid: rid.to_owned(),
            msg: text.to_owned(),
            ts,
            uid: uid.to_owned(),
            t,
            tmid: None,
            tshow: false,
            tcount: 0,
            tlm: None,
            replies: Vec::new(),
            reactions: BTreeMap::new(),
            edited: None,
            mentions: Vec::new(),
            file: None,
            description: None,
            pinned: false,
            alias: None,
            custom_fields: None,
            attachments: None,
            updated: ts,
        }
    }
}

/// What [`World::insert_message`] needs.
#[derive(Debug, Default)]
pub(crate) struct NewMessage {
    pub(crate) id: Option<String>,
    pub(crate) rid: String,
    pub(crate) uid: String,
    pub(crate) text: String,
    pub(crate) tmid: Option<String>,
    pub(crate) tshow: bool,
    pub(crate) file: Option<String>,
    pub(crate) description: Option<String>,
    pub(crate) alias: Option<String>,
    pub(crate) custom_fields: Option<Value>,
    pub(crate) attachments: Option<Value>,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn ids_look_like_meteor_ids_and_differ() {
        let mut w = World::new(RcVersion::V8);
        let a = w.new_id();
        let b = w.new_id();
        assert_eq!(a.len(), 17);
        assert_ne!(a, b);
        assert!(a.bytes().all(|c| ID_ALPHABET.contains(&c)));
    }

    #[test]
    fn iso_round_trips_with_milliseconds() {
        assert_eq!(iso(1_481_748_965_123), "2016-12-14T20:56:05.123Z");
        assert_eq!(parse_iso("2016-12-14T20:56:05.123Z"), Some(1_481_748_965_123));
        assert_eq!(parse_iso("yesterday"), None);
    }

    #[test]
    fn mentions_skip_email_addresses_and_unknown_users() {
        let mut w = World::new(RcVersion::V8);
        let (bob, _) = w.add_user("bob", "Bob", "pw", &["user"]);
        let m = w.parse_mentions("hi @bob, mail bob@example.test, @nobody and @all.");
        assert_eq!(m, vec![(bob, "bob".to_owned()), ("all".to_owned(), "all".to_owned())]);
    }

    #[test]
    fn ticks_are_strictly_increasing() {
        let mut w = World::new(RcVersion::V8);
        let a = w.tick();
        assert!(w.tick() > a);
    }
}

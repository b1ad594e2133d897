//! Room and message references as people write them, and a cache of resolved rooms.
//!
//! Rooms are named the way people name them: `#general`, `general`, `@alice`, or a room id, or a
//! room link (`https://chat.example.com/channel/general`). Messages and threads are named by id or
//! by permalink (`…/channel/general?msg=ID`, `…/group/ops?msg=ID`, `…/direct/RID?msg=ID`, and
//! thread links `…/channel/general/thread/TMID[?msg=ID]`).
//!
//! Telling an id from a name: Rocket.Chat ids are Meteor `Random.id()` values, 17 characters of
//! `23456789ABCDEFGHJKLMNPQRSTWXYZabcdefghijkmnopqrstuvwxyz` (no `0 1 I O U V l`), a DM's id is the
//! two user ids joined (34 characters), and the default channel's id is `GENERAL`. Rocket.Chat
//! itself tries a bare value as an id first, then as a name ([`RoomRef::name_fallback`]).

use std::collections::HashMap;
use std::fmt;
use std::hash::Hash;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use url::Url;

/// Characters of Meteor's `Random.id()`.
const ID_ALPHABET: &str = "23456789ABCDEFGHJKLMNPQRSTWXYZabcdefghijkmnopqrstuvwxyz";
/// Length of one Meteor id.
const ID_LEN: usize = 17;

/// Why a room or message reference cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RefError {
    /// No room given.
    #[error("no room given: name it as `#general`, `general`, `@alice` or a room id")]
    EmptyRoom,
    /// No message given.
    #[error("no message given: give its id or its link")]
    EmptyMessage,
    /// A name with spaces (people often give the display name).
    #[error(
        "`{0}` has spaces, but room names do not; give the room's name (as in its link, e.g. `#team-ops`) or its id"
    )]
    Spaces(String),
    /// A bare `#` or `@`.
    #[error("`{0}` names no room: write `#name` for a channel or group, `@username` for a direct message")]
    Sigil(String),
    /// A link that is not a Rocket.Chat room or message link.
    #[error(
        "`{0}` is not a Rocket.Chat link; expected e.g. `https://chat.example.com/channel/general?msg=ID` \
         (or /group/, /direct/, or …/thread/ID)"
    )]
    NotALink(String),
    /// A room link where a message was expected.
    #[error("`{0}` links to a room, not a message: copy the message's link (its menu → Copy link) or give its id")]
    NoMessage(String),
    /// A message id with characters ids never have.
    #[error("`{0}` is not a message id: ids have no spaces or slashes; give the id or the message's link")]
    BadMessageId(String),
    /// A link to another server than the configured Rocket.Chat.
    #[error(
        "`{link}` links to {host}, but this server works with the Rocket.Chat at {ours}: give a link from that \
         server, or the room or message id"
    )]
    OtherServer {
        /// The link as given (shortened).
        link: String,
        /// Its host.
        host: String,
        /// The configured server's host.
        ours: String,
    },
}

/// The longest part of a caller's reference quoted back in an error.
const SHOWN_CHARS: usize = 120;

/// `s` as quoted in an error: cut after [`SHOWN_CHARS`] characters, with its length.
fn shown(s: &str) -> String {
    match s.char_indices().nth(SHOWN_CHARS) {
        Some((i, _)) => format!("{}… ({} characters)", &s[..i], s.chars().count()),
        None => s.to_owned(),
    }
}

/// The host of an `http(s)://` link, with its port when that is not the scheme's default;
/// `None` for anything else (a name, an id, an unparsable link).
pub fn link_host(s: &str) -> Option<String> {
    let s = s.trim();
    if !is_link(s) {
        return None;
    }
    let url = Url::parse(s).ok()?;
    let host = url.host_str()?.to_ascii_lowercase();
    Some(match url.port() {
        Some(p) => format!("{host}:{p}"),
        None => host,
    })
}

/// Refuse a link (room or message) to another server than `base`, the configured Rocket.Chat
/// URL: a room or message of another server must not be mapped onto one of this server that
/// happens to have the same name or id. Anything that is not a link passes.
pub fn check_same_server(value: &str, base: &str) -> Result<(), RefError> {
    let Some(host) = link_host(value) else { return Ok(()) };
    let ours = link_host(base).unwrap_or_default();
    if host == ours {
        Ok(())
    } else {
        Err(RefError::OtherServer { link: shown(value.trim()), host: shown(&host), ours })
    }
}

/// True when `s` has the shape of a Rocket.Chat room id (see the module doc).
pub fn looks_like_room_id(s: &str) -> bool {
    let meteor = |p: &str| p.len() == ID_LEN && p.chars().all(|c| ID_ALPHABET.contains(c));
    // An all-lowercase 17-letter word is a name far more often than an id (a random id has no
    // digit and no capital once in ~350,000).
    let mixed = |p: &str| p.chars().any(|c| c.is_ascii_digit() || c.is_ascii_uppercase());
    s == "GENERAL"
        || (meteor(s) && mixed(s))
        || (s.len() == 2 * ID_LEN && s.is_char_boundary(ID_LEN) && {
            let (a, b) = s.split_at(ID_LEN);
            meteor(a) && meteor(b) && mixed(s)
        })
}

/// A room as named by a person or a model.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RoomRef {
    /// A channel or private group by its name (the slug in its link, without `#`).
    Name(String),
    /// The direct-message room with this user (username without `@`).
    Direct(String),
    /// A room id.
    Id(String),
}

impl RoomRef {
    /// Read `#general`, `general`, `@alice`, a room id, or a room or message link.
    pub fn parse(input: &str) -> Result<Self, RefError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(RefError::EmptyRoom);
        }
        if is_link(s) {
            return Ok(parse_link(s)?.room);
        }
        if let Some(rest) = s.strip_prefix('#') {
            return Ok(Self::Name(word(rest, s)?));
        }
        if let Some(rest) = s.strip_prefix('@') {
            return Ok(Self::Direct(word(rest, s)?));
        }
        let bare = word(s, s)?;
        Ok(if looks_like_room_id(&bare) { Self::Id(bare) } else { Self::Name(bare) })
    }

    /// The text of the reference without its sigil.
    pub fn value(&self) -> &str {
        match self {
            Self::Name(v) | Self::Direct(v) | Self::Id(v) => v,
        }
    }

    /// For an id, the same text to try as a name when no room has that id (Rocket.Chat's own order).
    pub fn name_fallback(&self) -> Option<RoomRef> {
        match self {
            Self::Id(v) if v != "GENERAL" => Some(Self::Name(v.clone())),
            _ => None,
        }
    }
}

impl fmt::Display for RoomRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Name(n) => write!(f, "#{n}"),
            Self::Direct(u) => write!(f, "@{u}"),
            Self::Id(id) => write!(f, "room id {id}"),
        }
    }
}

fn word(rest: &str, whole: &str) -> Result<String, RefError> {
    let rest = rest.trim();
    if rest.is_empty() {
        return Err(RefError::Sigil(shown(whole)));
    }
    if rest.chars().any(char::is_whitespace) {
        return Err(RefError::Spaces(shown(whole)));
    }
    Ok(rest.to_owned())
}

fn is_link(s: &str) -> bool {
    let lower = s.get(..8).unwrap_or(s).to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

/// A message (or thread) as named by a person or a model: its id or its permalink.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageRef {
    /// The message the reference points at (for a thread link without `?msg=`, the thread's root).
    pub id: String,
    /// The thread root, when the link is inside a thread.
    pub thread: Option<String>,
    /// The room, when the reference is a link.
    pub room: Option<RoomRef>,
    /// The link's host (with port), to check it is our Rocket.Chat server.
    pub host: Option<String>,
}

impl MessageRef {
    /// Read a message id or a permalink (see the module doc).
    pub fn parse(input: &str) -> Result<Self, RefError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(RefError::EmptyMessage);
        }
        if is_link(s) {
            let link = parse_link(s)?;
            let id = link.msg.clone().or_else(|| link.thread.clone()).ok_or_else(|| RefError::NoMessage(shown(s)))?;
            return Ok(Self { id, thread: link.thread, room: Some(link.room), host: link.host });
        }
        if s.contains(['/', '?', '#']) || s.chars().any(char::is_whitespace) {
            return Err(RefError::BadMessageId(shown(s)));
        }
        Ok(Self { id: s.to_owned(), thread: None, room: None, host: None })
    }

    /// The thread to read for this reference: the thread it sits in, else the message itself.
    pub fn thread_root(&self) -> &str {
        self.thread.as_deref().unwrap_or(&self.id)
    }
}

struct Link {
    room: RoomRef,
    msg: Option<String>,
    thread: Option<String>,
    host: Option<String>,
}

fn parse_link(s: &str) -> Result<Link, RefError> {
    let not_a_link = || RefError::NotALink(shown(s));
    let url = Url::parse(s).map_err(|_| not_a_link())?;
    let segments: Vec<String> = url
        .path_segments()
        .map(|segs| segs.filter(|p| !p.is_empty()).map(percent_decode).collect())
        .unwrap_or_default();
    // A server may live under a sub-path (`https://host/chat/channel/general`): find the kind.
    let at =
        segments.iter().position(|p| matches!(p.as_str(), "channel" | "group" | "direct")).ok_or_else(not_a_link)?;
    let kind = segments[at].as_str();
    let name = segments.get(at + 1).filter(|n| !n.is_empty()).ok_or_else(not_a_link)?;
    let room = match kind {
        "direct" if !looks_like_room_id(name) => RoomRef::Direct(name.clone()),
        "direct" => RoomRef::Id(name.clone()),
        // `/channel/<name>` and `/group/<name>` carry names; old links may carry an id.
        _ if looks_like_room_id(name) => RoomRef::Id(name.clone()),
        _ => RoomRef::Name(name.clone()),
    };
    let thread = match segments.get(at + 2).map(String::as_str) {
        Some("thread") => Some(segments.get(at + 3).cloned().ok_or_else(not_a_link)?),
        _ => None,
    };
    let msg = url.query_pairs().find(|(k, _)| k == "msg").map(|(_, v)| v.into_owned()).filter(|v| !v.is_empty());
    let host = url.host_str().map(|h| match url.port() {
        Some(p) => format!("{h}:{p}"),
        None => h.to_owned(),
    });
    Ok(Link { room, msg, thread, host })
}

fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned()
}

/// A source of the current time, so tests can move it.
pub trait Clock: Send + Sync {
    /// Now.
    fn now(&self) -> Instant;
}

/// The real monotonic clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }
}

/// A clock that moves only when told (tests).
#[derive(Debug, Clone)]
pub struct ManualClock(Arc<Mutex<Instant>>);

impl Default for ManualClock {
    fn default() -> Self {
        Self(Arc::new(Mutex::new(Instant::now())))
    }
}

impl ManualClock {
    /// Move the clock forward.
    pub fn advance(&self, by: Duration) {
        let mut now = lock(&self.0);
        *now += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Instant {
        *lock(&self.0)
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A bounded cache of resolved rooms keyed by (user id, reference), each entry living `ttl`.
///
/// Keyed per user because what a reference resolves to depends on who asks (`@alice` is a
/// different DM for each caller, and access differs). Thread-safe; values are cloned out.
pub struct TtlCache<V, C: Clock = SystemClock> {
    ttl: Duration,
    capacity: usize,
    clock: C,
    entries: Mutex<HashMap<(String, RoomRef), (Instant, V)>>,
}

impl<V: Clone> TtlCache<V, SystemClock> {
    /// A cache on the system clock holding at most `capacity` entries for `ttl` each.
    pub fn new(ttl: Duration, capacity: usize) -> Self {
        Self::with_clock(ttl, capacity, SystemClock)
    }
}

impl<V: Clone, C: Clock> TtlCache<V, C> {
    /// A cache on the given clock.
    pub fn with_clock(ttl: Duration, capacity: usize, clock: C) -> Self {
        Self { ttl, capacity: capacity.max(1), clock, entries: Mutex::new(HashMap::new()) }
    }

    /// The live entry for `user` and `room`, if any.
    pub fn get(&self, user: &str, room: &RoomRef) -> Option<V> {
        let now = self.clock.now();
        let mut entries = lock(&self.entries);
        let key = (user.to_owned(), room.clone());
        match entries.get(&key) {
            Some((expires, v)) if *expires > now => Some(v.clone()),
            Some(_) => {
                entries.remove(&key);
                None
            }
            None => None,
        }
    }

    /// Store `value` for `user` and `room`; when full, expired entries go first, then the one
    /// closest to expiry.
    pub fn insert(&self, user: &str, room: RoomRef, value: V) {
        let now = self.clock.now();
        let mut entries = lock(&self.entries);
        let key = (user.to_owned(), room);
        if !entries.contains_key(&key) && entries.len() >= self.capacity {
            entries.retain(|_, (expires, _)| *expires > now);
            if entries.len() >= self.capacity {
                let oldest = entries.iter().min_by_key(|(_, (expires, _))| *expires).map(|(k, _)| k.clone());
                if let Some(k) = oldest {
                    entries.remove(&k);
                }
            }
        }
        entries.insert(key, (now + self.ttl, value));
    }

    /// Forget one entry (e.g. after the room was renamed or access was lost).
    pub fn invalidate(&self, user: &str, room: &RoomRef) {
        lock(&self.entries).remove(&(user.to_owned(), room.clone()));
    }

    /// Forget every entry of one user (e.g. after their token was rejected).
    pub fn invalidate_user(&self, user: &str) {
        lock(&self.entries).retain(|(u, _), _| u != user);
    }

    /// Entries held, expired ones included until they are next touched.
    pub fn len(&self) -> usize {
        lock(&self.entries).len()
    }

    /// True when no entry is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn name(s: &str) -> RoomRef {
        RoomRef::Name(s.into())
    }
    fn id(s: &str) -> RoomRef {
        RoomRef::Id(s.into())
    }

    #[test]
    fn rooms_the_way_people_name_them() {
        assert_eq!(RoomRef::parse("#general").unwrap(), name("general"));
        assert_eq!(RoomRef::parse("general").unwrap(), name("general"));
        assert_eq!(RoomRef::parse("  #team-ops.eu_1 ").unwrap(), name("team-ops.eu_1"));
        assert_eq!(RoomRef::parse("@alice").unwrap(), RoomRef::Direct("alice".into()));
        assert_eq!(RoomRef::parse("@alice.b-c").unwrap(), RoomRef::Direct("alice.b-c".into()));
        assert_eq!(RoomRef::parse("ByehQjC44FwMeiLbX").unwrap(), id("ByehQjC44FwMeiLbX"));
        assert_eq!(RoomRef::parse("GENERAL").unwrap(), id("GENERAL"));
        // A `#` forces a name even when it looks like an id.
        assert_eq!(RoomRef::parse("#ByehQjC44FwMeiLbX").unwrap(), name("ByehQjC44FwMeiLbX"));
        // Unicode names (UTF8_Channel_Names_Validation) pass through.
        assert_eq!(RoomRef::parse("#équipe").unwrap(), name("équipe"));
    }

    #[test]
    fn ids_and_names_apart() {
        // Two user ids joined: a DM's room id.
        assert!(looks_like_room_id("ByehQjC44FwMeiLbXrocket2cat3bot456"));
        assert!(looks_like_room_id("ByehQjC44FwMeiLbXZ9aaaaaaaaaaaaaaa"));
        // 17 characters but with letters ids never use (`l`, `I`, `O`, `0`, `1`, `-`).
        assert!(!looks_like_room_id("developmentalteam"));
        assert!(!looks_like_room_id("ByehQjC44FwMeiLb0"));
        assert!(!looks_like_room_id("release-notes-v92"));
        // 17 id characters but no digit or capital: a word, not an id.
        assert!(!looks_like_room_id("engineeringupdate"));
        assert!(!looks_like_room_id("general"));
        assert!(!looks_like_room_id("ByehQjC44FwMeiLbXX"));
        assert_eq!(RoomRef::parse("engineeringupdate").unwrap(), name("engineeringupdate"));
    }

    #[test]
    fn id_falls_back_to_name() {
        assert_eq!(id("ByehQjC44FwMeiLbX").name_fallback(), Some(name("ByehQjC44FwMeiLbX")));
        assert_eq!(id("GENERAL").name_fallback(), None);
        assert_eq!(name("x").name_fallback(), None);
    }

    #[test]
    fn bad_room_references_say_what_to_give() {
        assert_eq!(RoomRef::parse("  ").unwrap_err(), RefError::EmptyRoom);
        assert!(matches!(RoomRef::parse("#").unwrap_err(), RefError::Sigil(_)));
        assert!(matches!(RoomRef::parse("@ ").unwrap_err(), RefError::Sigil(_)));
        let e = RoomRef::parse("Ops Team").unwrap_err();
        assert!(e.to_string().contains("room names do not"), "{e}");
        assert!(matches!(RoomRef::parse("https://chat.example.com/home").unwrap_err(), RefError::NotALink(_)));
    }

    #[test]
    fn room_links() {
        assert_eq!(RoomRef::parse("https://chat.example.com/channel/general").unwrap(), name("general"));
        assert_eq!(RoomRef::parse("https://chat.example.com/group/ops?msg=abc").unwrap(), name("ops"));
        assert_eq!(RoomRef::parse("https://chat.example.com/direct/alice").unwrap(), RoomRef::Direct("alice".into()));
        assert_eq!(
            RoomRef::parse("https://chat.example.com/direct/ByehQjC44FwMeiLbXrocket2cat3bot456").unwrap(),
            id("ByehQjC44FwMeiLbXrocket2cat3bot456")
        );
        assert_eq!(RoomRef::parse("https://example.com/chat/channel/caf%C3%A9").unwrap(), name("café"));
    }

    #[test]
    fn message_ids_and_permalinks() {
        let bare = MessageRef::parse(" aBcD3fGh2jKmNpQrS ").unwrap();
        assert_eq!((bare.id.as_str(), bare.thread.as_deref(), bare.room.as_ref()), ("aBcD3fGh2jKmNpQrS", None, None));
        assert_eq!(bare.thread_root(), "aBcD3fGh2jKmNpQrS");

        let ch = MessageRef::parse("https://chat.example.com/channel/general?msg=M1").unwrap();
        assert_eq!(ch.id, "M1");
        assert_eq!(ch.room, Some(name("general")));
        assert_eq!(ch.host.as_deref(), Some("chat.example.com"));
        assert_eq!(ch.thread, None);

        let grp = MessageRef::parse("http://127.0.0.1:3000/group/ops?foo=1&msg=M2").unwrap();
        assert_eq!((grp.id.as_str(), grp.host.as_deref()), ("M2", Some("127.0.0.1:3000")));

        let dm =
            MessageRef::parse("https://chat.example.com/direct/ByehQjC44FwMeiLbXrocket2cat3bot456?msg=M3").unwrap();
        assert_eq!(dm.room, Some(id("ByehQjC44FwMeiLbXrocket2cat3bot456")));
    }

    #[test]
    fn thread_links() {
        let root = MessageRef::parse("https://chat.example.com/channel/general/thread/T1").unwrap();
        assert_eq!((root.id.as_str(), root.thread.as_deref()), ("T1", Some("T1")));
        assert_eq!(root.thread_root(), "T1");
        let reply = MessageRef::parse("https://chat.example.com/group/ops/thread/T1?msg=R7").unwrap();
        assert_eq!((reply.id.as_str(), reply.thread_root()), ("R7", "T1"));
        assert_eq!(reply.room, Some(name("ops")));
        assert!(matches!(
            MessageRef::parse("https://chat.example.com/channel/general/thread").unwrap_err(),
            RefError::NotALink(_)
        ));
    }

    #[test]
    fn bad_message_references() {
        assert_eq!(MessageRef::parse("").unwrap_err(), RefError::EmptyMessage);
        assert!(matches!(
            MessageRef::parse("https://chat.example.com/channel/general").unwrap_err(),
            RefError::NoMessage(_)
        ));
        assert!(matches!(
            MessageRef::parse("https://chat.example.com/channel/general?msg=").unwrap_err(),
            RefError::NoMessage(_)
        ));
        assert!(matches!(MessageRef::parse("two words").unwrap_err(), RefError::BadMessageId(_)));
        assert!(matches!(MessageRef::parse("channel/general").unwrap_err(), RefError::BadMessageId(_)));
        assert!(matches!(MessageRef::parse("https://example.com/").unwrap_err(), RefError::NotALink(_)));
    }

    #[test]
    fn links_to_another_server_are_refused() {
        let ours = "https://chat.example.com";
        for same in [
            "https://chat.example.com/channel/general?msg=M1",
            "http://CHAT.example.com/group/ops/thread/T1",
            "https://chat.example.com:443/direct/alice",
            "#general",
            "ByehQjC44FwMeiLbX",
            "not a link at all",
        ] {
            assert_eq!(check_same_server(same, ours), Ok(()), "{same}");
        }
        let e = check_same_server("https://evil.example/channel/general?msg=M1", ours).unwrap_err();
        assert_eq!(
            e,
            RefError::OtherServer {
                link: "https://evil.example/channel/general?msg=M1".into(),
                host: "evil.example".into(),
                ours: "chat.example.com".into(),
            }
        );
        assert!(
            e.to_string()
                .contains("links to evil.example, but this server works with the Rocket.Chat at chat.example.com")
        );
        // Another port of the same machine is another server; user info does not make a host.
        let local = "http://127.0.0.1:3000";
        assert!(check_same_server("http://127.0.0.1:3001/channel/general?msg=M1", local).is_err());
        assert!(check_same_server("http://127.0.0.1:3000@evil.example/channel/general?msg=M1", local).is_err());
        assert!(check_same_server("http://127.0.0.1:3000/channel/general?msg=M1", local).is_ok());
        assert!(check_same_server("https://chat.example.com.evil.example/channel/g?msg=M", ours).is_err());
    }

    #[test]
    fn long_references_are_quoted_shortened() {
        let long = format!("{} x", "Z".repeat(10_000));
        let e = RoomRef::parse(&long).unwrap_err().to_string();
        assert!(e.contains("… (10002 characters)") && e.len() < 400, "{e}");
        let e = MessageRef::parse(&format!("a/{}", "b".repeat(5000))).unwrap_err().to_string();
        assert!(e.len() < 400, "{e}");
    }

    #[test]
    fn cache_hits_expires_and_is_per_user() {
        let clock = ManualClock::default();
        let cache: TtlCache<String, _> = TtlCache::with_clock(Duration::from_secs(60), 10, clock.clone());
        cache.insert("u1", name("general"), "GENERAL".into());
        assert_eq!(cache.get("u1", &name("general")).as_deref(), Some("GENERAL"));
        assert_eq!(cache.get("u2", &name("general")), None, "another user does not see u1's entry");
        assert_eq!(cache.get("u1", &id("general")), None, "a name and an id are different keys");
        clock.advance(Duration::from_secs(59));
        assert!(cache.get("u1", &name("general")).is_some());
        clock.advance(Duration::from_secs(1));
        assert_eq!(cache.get("u1", &name("general")), None, "expired at exactly ttl");
        assert!(cache.is_empty(), "an expired entry is dropped when read");
    }

    #[test]
    fn cache_stays_within_capacity() {
        let clock = ManualClock::default();
        let cache = TtlCache::with_clock(Duration::from_secs(60), 2, clock.clone());
        cache.insert("u", name("a"), 1);
        clock.advance(Duration::from_secs(1));
        cache.insert("u", name("b"), 2);
        clock.advance(Duration::from_secs(1));
        cache.insert("u", name("c"), 3);
        assert_eq!(cache.len(), 2);
        assert_eq!(cache.get("u", &name("a")), None, "the entry nearest expiry went");
        assert_eq!((cache.get("u", &name("b")), cache.get("u", &name("c"))), (Some(2), Some(3)));
        // Replacing an existing key does not evict.
        cache.insert("u", name("c"), 30);
        assert_eq!((cache.len(), cache.get("u", &name("c"))), (2, Some(30)));
        // Expired entries are evicted before live ones.
        clock.advance(Duration::from_secs(59));
        cache.insert("u", name("d"), 4);
        assert_eq!((cache.get("u", &name("c")), cache.get("u", &name("d"))), (Some(30), Some(4)));
    }

    #[test]
    fn cache_invalidation() {
        let cache = TtlCache::new(Duration::from_secs(60), 10);
        cache.insert("u1", name("a"), 1);
        cache.insert("u1", name("b"), 2);
        cache.insert("u2", name("a"), 3);
        cache.invalidate("u1", &name("a"));
        assert_eq!((cache.get("u1", &name("a")), cache.get("u1", &name("b"))), (None, Some(2)));
        cache.invalidate_user("u1");
        assert_eq!((cache.get("u1", &name("b")), cache.get("u2", &name("a"))), (None, Some(3)));
    }
}

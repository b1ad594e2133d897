//! Guards on what the server writes: group mentions, message size, and the `write_rooms` allow-list.
//!
//! Group mentions (`@all`, `@here`, and `@channel` as people coming from Slack write it) notify a
//! whole room. Rocket.Chat finds mentions with `@` followed by a run of `[0-9a-zA-Z-_.]` after the
//! start of a line, a space or punctuation; `email@all.com` has a letter before the `@` and the run
//! `all.com`, and `@allison` has the run `allison`, so neither is one. A mention is neutralised by a
//! zero-width joiner (U+200D) after the `@`: the text reads the same, and the character is outside
//! the run Rocket.Chat looks for, so no one is notified. (Backticks would work too but show as code.)

use std::collections::HashSet;
use std::fmt;

use crate::model::{Room, RoomType};
use crate::rooms::{RefError, RoomRef};

/// The character inserted after `@` to neutralise a group mention.
pub const NEUTRALISER: char = '\u{200D}';

/// A mention that notifies a whole room.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GroupMention {
    /// `@all`: every member.
    All,
    /// `@here`: every active member.
    Here,
    /// `@channel`: Slack's `@all`; neutralised too, so it cannot notify if a server maps it.
    Channel,
}

impl GroupMention {
    fn from_word(word: &str) -> Option<Self> {
        match word.to_ascii_lowercase().as_str() {
            "all" => Some(Self::All),
            "here" => Some(Self::Here),
            "channel" => Some(Self::Channel),
            _ => None,
        }
    }
}

impl fmt::Display for GroupMention {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::All => "@all",
            Self::Here => "@here",
            Self::Channel => "@channel",
        })
    }
}

fn in_mention_run(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')
}

/// The group mentions in `text`, with the byte offset of each `@`.
pub fn find_group_mentions(text: &str) -> Vec<(usize, GroupMention)> {
    let mut found = Vec::new();
    let mut prev: Option<char> = None;
    for (i, c) in text.char_indices() {
        if c == '@' && !prev.is_some_and(char::is_alphanumeric) {
            let rest = &text[i + 1..];
            let run_len = rest.find(|c: char| !in_mention_run(c)).unwrap_or(rest.len());
            // `@all@other.server` is a federated user, not a group mention.
            let federated = rest[run_len..].starts_with('@');
            // A sentence may end right after the mention (`Hi @all.`), or emphasis (`_@all_`).
            let word = rest[..run_len].trim_end_matches(['.', '_']);
            if let Some(m) = GroupMention::from_word(word).filter(|_| !federated) {
                found.push((i, m));
            }
        }
        prev = Some(c);
    }
    found
}

/// Text with group mentions neutralised, and which ones were.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Neutralised {
    /// The text to send.
    pub text: String,
    /// The mentions neutralised, in order of appearance.
    pub neutralised: Vec<GroupMention>,
}

impl Neutralised {
    /// A note for the tool's answer, e.g. "@all and @here were not sent as mentions …"; `None` when
    /// nothing was changed.
    pub fn note(&self) -> Option<String> {
        let mut kinds: Vec<String> = Vec::new();
        for m in &self.neutralised {
            let s = m.to_string();
            if !kinds.contains(&s) {
                kinds.push(s);
            }
        }
        (!kinds.is_empty()).then(|| {
            format!(
                "{} {} sent as plain text, not as a mention that notifies the whole room (not allowed by this server's configuration).",
                kinds.join(", "),
                if kinds.len() == 1 { "was" } else { "were" }
            )
        })
    }
}

/// Neutralise every group mention in `text` except those in `allowed`.
pub fn neutralise_group_mentions(text: &str, allowed: &[GroupMention]) -> Neutralised {
    let mut out = String::with_capacity(text.len() + 8);
    let mut neutralised = Vec::new();
    let mut last = 0;
    for (at, m) in find_group_mentions(text) {
        if allowed.contains(&m) {
            continue;
        }
        out.push_str(&text[last..=at]);
        out.push(NEUTRALISER);
        last = at + 1;
        neutralised.push(m);
    }
    out.push_str(&text[last..]);
    Neutralised { text: out, neutralised }
}

/// Rocket.Chat's default `Message_MaxAllowedSize`.
pub const DEFAULT_MAX_MESSAGE_SIZE: usize = 5000;

/// A message longer than the server accepts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the message is {length} characters long, but this Rocket.Chat server accepts at most {max} \
     (Message_MaxAllowedSize): shorten it, send it as several messages, or upload it as a file"
)]
pub struct MessageTooLong {
    /// Its length as Rocket.Chat counts it.
    pub length: usize,
    /// The limit.
    pub max: usize,
}

/// The length of `text` as JavaScript's `String.length` counts it (UTF-16 code units): never less
/// than what Rocket.Chat counts, so a text that passes here is not refused for its size.
pub fn message_length(text: &str) -> usize {
    text.encode_utf16().count()
}

/// Check `text` against `Message_MaxAllowedSize` (`max`).
pub fn check_message_size(text: &str, max: usize) -> Result<(), MessageTooLong> {
    let length = message_length(text);
    if length > max { Err(MessageTooLong { length, max }) } else { Ok(()) }
}

/// A write to a room outside the allow-list.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("this server may not write to {room}: writes are allowed only to {allowed} (write_rooms)")]
pub struct WriteDenied {
    /// The room refused.
    pub room: String,
    /// The allow-list as configured.
    pub allowed: String,
}

/// The `write_rooms` allow-list: the rooms the server may post to, edit, react or upload in.
///
/// Entries are written like room references: `#name` or `name` (a channel or group by name,
/// case-insensitive, since people write `#General` for `general`), a room id (exact, as ids are
/// case-sensitive; also matched as a name, like Rocket.Chat tries a bare value), `@username` (the
/// DM with that user, case-insensitive; a group DM needs every other member listed), and `*`
/// (every room).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteRooms {
    any: bool,
    names: HashSet<String>,
    ids: HashSet<String>,
    users: HashSet<String>,
    listed: Vec<String>,
}

impl WriteRooms {
    /// Every room allowed.
    pub fn any() -> Self {
        Self { any: true, names: HashSet::new(), ids: HashSet::new(), users: HashSet::new(), listed: vec!["*".into()] }
    }

    /// Read the configured entries (an empty list allows no room).
    pub fn parse<S: AsRef<str>>(entries: impl IntoIterator<Item = S>) -> Result<Self, RefError> {
        let mut me =
            Self { any: false, names: HashSet::new(), ids: HashSet::new(), users: HashSet::new(), listed: vec![] };
        for entry in entries {
            let entry = entry.as_ref().trim();
            if entry == "*" {
                me.any = true;
                me.listed.push("*".into());
                continue;
            }
            let room = RoomRef::parse(entry)?;
            me.listed.push(room.to_string());
            match room {
                RoomRef::Name(n) => {
                    me.names.insert(n.to_lowercase());
                }
                RoomRef::Direct(u) => {
                    me.users.insert(u.to_lowercase());
                }
                RoomRef::Id(id) => {
                    me.names.insert(id.to_lowercase());
                    me.ids.insert(id);
                }
            }
        }
        Ok(me)
    }

    /// True when every room is allowed.
    pub fn is_unrestricted(&self) -> bool {
        self.any
    }

    /// True when `room` may be written to by the user `me` (username, to leave out of DM members).
    pub fn allows(&self, room: &Room, me: &str) -> bool {
        if self.any || self.ids.contains(&room.id) {
            return true;
        }
        if room.t == RoomType::Direct {
            let others: Vec<String> =
                room.usernames.iter().map(|u| u.to_lowercase()).filter(|u| *u != me.to_lowercase()).collect();
            // A DM with oneself has no other member: it is allowed by listing oneself.
            let others = if others.is_empty() { vec![me.to_lowercase()] } else { others };
            return others.iter().all(|u| self.users.contains(u));
        }
        room.name.as_deref().is_some_and(|n| self.names.contains(&n.to_lowercase()))
    }

    /// [`WriteRooms::allows`] as a result whose error says which rooms are allowed.
    pub fn check(&self, room: &Room, me: &str) -> Result<(), WriteDenied> {
        if self.allows(room, me) {
            return Ok(());
        }
        let shown = match (&room.t, room.name.as_deref()) {
            (RoomType::Direct, _) => {
                let others: Vec<String> = room.usernames.iter().filter(|u| *u != me).map(|u| format!("@{u}")).collect();
                format!(
                    "the direct messages with {}",
                    if others.is_empty() { format!("@{me}") } else { others.join(", ") }
                )
            }
            (_, Some(n)) => format!("#{n}"),
            _ => format!("room {}", room.id),
        };
        let allowed = if self.listed.is_empty() { "no room".to_owned() } else { self.listed.join(", ") };
        Err(WriteDenied { room: shown, allowed })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use GroupMention::{All, Channel, Here};

    fn kinds(text: &str) -> Vec<GroupMention> {
        find_group_mentions(text).into_iter().map(|(_, m)| m).collect()
    }

    #[test]
    fn finds_group_mentions() {
        assert_eq!(kinds("@all please read"), [All]);
        assert_eq!(kinds("hi @here, and @channel!"), [Here, Channel]);
        assert_eq!(kinds("Hi @all."), [All]);
        assert_eq!(kinds("Hi @all..."), [All]);
        assert_eq!(kinds("(@all) *@here* _@all_ >@here\n@ALL"), [All, Here, All, Here, All]);
        assert_eq!(kinds("@all:"), [All]);
        assert_eq!(find_group_mentions("ab @here")[0].0, 3);
    }

    #[test]
    fn not_group_mentions() {
        for text in [
            "mail me at email@all.com",
            "ping@here",
            "@allison and @hereford and @channels",
            "@all-hands meeting",
            "@all_staff",
            "@all.com",
            "@all@other.example",
            "all here channel",
            "@",
            "",
            "user@here.example",
        ] {
            assert_eq!(kinds(text), [], "{text:?}");
        }
    }

    #[test]
    fn neutralises_unless_allowed() {
        let n = neutralise_group_mentions("@all see @here; mail email@all.com, @allison", &[]);
        assert_eq!(n.text, "@\u{200D}all see @\u{200D}here; mail email@all.com, @allison");
        assert_eq!(n.neutralised, [All, Here]);
        assert_eq!(n.text.replace(NEUTRALISER, ""), "@all see @here; mail email@all.com, @allison");
        // Neutralised text has no group mention left, and neutralising again changes nothing.
        assert_eq!(kinds(&n.text), []);
        assert_eq!(neutralise_group_mentions(&n.text, &[]).text, n.text);

        let some = neutralise_group_mentions("@here and @all", &[Here]);
        assert_eq!(some.text, "@here and @\u{200D}all");
        assert_eq!(some.neutralised, [All]);

        let none = neutralise_group_mentions("@all é @here", &[All, Here, Channel]);
        assert_eq!((none.text.as_str(), none.neutralised.len()), ("@all é @here", 0));
        assert_eq!(none.note(), None);
    }

    #[test]
    fn neutralising_keeps_unicode_intact() {
        let n = neutralise_group_mentions("Grüße @all 🎉 @here", &[]);
        assert_eq!(n.text, "Grüße @\u{200D}all 🎉 @\u{200D}here");
    }

    #[test]
    fn neutralised_note() {
        let n = neutralise_group_mentions("@all @all @here", &[]);
        assert_eq!(
            n.note().unwrap(),
            "@all, @here were sent as plain text, not as a mention that notifies the whole room (not allowed by this \
             server's configuration)."
        );
        assert!(neutralise_group_mentions("@here", &[]).note().unwrap().starts_with("@here was sent"));
    }

    #[test]
    fn message_size() {
        assert!(check_message_size(&"a".repeat(5000), DEFAULT_MAX_MESSAGE_SIZE).is_ok());
        let e = check_message_size(&"a".repeat(5001), DEFAULT_MAX_MESSAGE_SIZE).unwrap_err();
        assert_eq!(e, MessageTooLong { length: 5001, max: 5000 });
        assert!(e.to_string().contains("at most 5000 (Message_MaxAllowedSize)"));
        // Counted like JavaScript: an emoji outside the BMP is two, an accented letter one.
        assert_eq!(message_length("é🎉"), 3);
        assert!(check_message_size("🎉🎉", 3).is_err());
        assert!(check_message_size("ééé", 3).is_ok());
    }

    fn room(id: &str, t: &str, name: Option<&str>, usernames: &[&str]) -> Room {
        serde_json::from_value(serde_json::json!({
            "_id": id, "t": t, "name": name, "usernames": usernames,
        }))
        .unwrap()
    }

    #[test]
    fn write_rooms_by_name_id_and_user() {
        let w = WriteRooms::parse(["#General", "ops", "ByehQjC44FwMeiLbX", "@Alice"]).unwrap();
        assert!(!w.is_unrestricted());
        assert!(w.allows(&room("GENERAL", "c", Some("general"), &[]), "bot"), "names match case-insensitively");
        assert!(w.allows(&room("x1", "p", Some("OPS"), &[]), "bot"));
        assert!(w.allows(&room("ByehQjC44FwMeiLbX", "c", Some("whatever"), &[]), "bot"), "by id");
        assert!(!w.allows(&room("byehqjc44fwmeilbx", "c", Some("other"), &[]), "bot"), "ids are case-sensitive");
        assert!(w.allows(&room("x2", "c", Some("byehqjc44fwmeilbx"), &[]), "bot"), "an id entry also matches a name");
        assert!(!w.allows(&room("x3", "c", Some("random"), &[]), "bot"));
        assert!(!w.allows(&room("x4", "c", None, &[]), "bot"));
        // DMs: by the other member(s).
        assert!(w.allows(&room("d1", "d", None, &["bot", "alice"]), "bot"));
        assert!(!w.allows(&room("d2", "d", None, &["bot", "bob"]), "bot"));
        assert!(
            !w.allows(&room("d3", "d", None, &["bot", "alice", "bob"]), "bot"),
            "every other member must be listed"
        );
        // A DM is not matched by a channel entry of the same name.
        assert!(
            !WriteRooms::parse(["alice"]).unwrap().allows(&room("d4", "d", Some("alice"), &["bot", "alice"]), "bot")
        );
        // A channel is not matched by a user entry.
        assert!(!WriteRooms::parse(["@ops"]).unwrap().allows(&room("x5", "c", Some("ops"), &[]), "bot"));
    }

    #[test]
    fn write_rooms_any_and_none() {
        let any = WriteRooms::parse(["*"]).unwrap();
        assert!(any.is_unrestricted() && any.allows(&room("z", "p", Some("secret"), &[]), "bot"));
        assert!(WriteRooms::any().allows(&room("d", "d", None, &["bot", "eve"]), "bot"));
        let none = WriteRooms::parse(Vec::<String>::new()).unwrap();
        let e = none.check(&room("GENERAL", "c", Some("general"), &[]), "bot").unwrap_err();
        assert_eq!(
            e.to_string(),
            "this server may not write to #general: writes are allowed only to no room (write_rooms)"
        );
        assert!(WriteRooms::parse(["two words"]).is_err());
        assert!(WriteRooms::parse(["#"]).is_err());
    }

    #[test]
    fn write_denied_names_the_room_and_the_list() {
        let w = WriteRooms::parse(["#general", "@alice"]).unwrap();
        assert!(w.check(&room("GENERAL", "c", Some("general"), &[]), "bot").is_ok());
        let e = w.check(&room("d", "d", None, &["bot", "bob"]), "bot").unwrap_err();
        assert_eq!(e.room, "the direct messages with @bob");
        assert_eq!(e.allowed, "#general, @alice");
        let e = w.check(&room("x", "p", Some("secret"), &[]), "bot").unwrap_err();
        assert_eq!(
            e.to_string(),
            "this server may not write to #secret: writes are allowed only to #general, @alice (write_rooms)"
        );
    }
}

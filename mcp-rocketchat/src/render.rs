//! Compact text for a model: one line per message, room, user or unread summary, times in the
//! caller's zone, and [`Bounded`] output that stops at a size and says how to fetch the rest.
//!
//! A message reads `[2026-11-20 10:31] @alice: text (id, thread: 3 replies, :+1: 2)`.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::model::{Attachment, FileRef, Message, RcDate, Room, RoomType, Subscription, User};

/// Characters of message text shown before it is cut, by default.
pub const DEFAULT_MAX_TEXT: usize = 2000;

/// Renders models as single lines in one time zone.
#[derive(Debug, Clone, Copy)]
pub struct Renderer {
    tz: Tz,
    max_text: usize,
}

impl Renderer {
    /// Times in `tz`, message text cut at [`DEFAULT_MAX_TEXT`] characters.
    pub fn new(tz: Tz) -> Self {
        Self { tz, max_text: DEFAULT_MAX_TEXT }
    }

    /// Cut message text at `max` characters.
    pub fn with_max_text(mut self, max: usize) -> Self {
        self.max_text = max.max(1);
        self
    }

    /// `2026-11-20 10:31` in the caller's zone.
    pub fn time(&self, t: DateTime<Utc>) -> String {
        t.with_timezone(&self.tz).format("%Y-%m-%d %H:%M").to_string()
    }

    fn opt_time(&self, t: Option<RcDate>) -> String {
        t.map_or_else(|| "?".to_owned(), |t| self.time(t.utc()))
    }

    /// One message on one line.
    pub fn message(&self, m: &Message) -> String {
        let mut line = format!("[{}] {}", self.opt_time(m.ts), sender(m));
        match m.t.as_deref() {
            Some(t) => {
                line.push(' ');
                line.push_str(&system_text(t, &one_line(&m.msg, self.max_text)));
            }
            None => {
                line.push(':');
                let text = one_line(&m.msg, self.max_text);
                if !text.is_empty() {
                    line.push(' ');
                    line.push_str(&text);
                }
                for part in attachment_parts(m, self.max_text) {
                    line.push(' ');
                    line.push_str(&part);
                }
            }
        }
        let _ = write!(line, " ({})", self.details(m).join(", "));
        line
    }

    fn details(&self, m: &Message) -> Vec<String> {
        let mut d = vec![m.id.clone()];
        if m.edited_at.is_some() {
            d.push("edited".to_owned());
        }
        if let Some(root) = &m.tmid {
            d.push(if m.tshow == Some(true) {
                format!("reply in thread {root}, also sent to the room")
            } else {
                format!("reply in thread {root}")
            });
        }
        if let Some(n) = m.tcount.filter(|n| *n > 0) {
            let last = m.tlm.map(|t| format!(", last {}", self.time(t.utc()))).unwrap_or_default();
            d.push(format!("thread: {n} {}{last}", if n == 1 { "reply" } else { "replies" }));
        }
        if let Some(drid) = &m.drid {
            d.push(format!("discussion {drid}"));
        }
        if m.pinned == Some(true) {
            d.push("pinned".to_owned());
        }
        let mut reactions: Vec<(&String, usize)> = m.reactions.iter().map(|(e, r)| (e, r.usernames.len())).collect();
        reactions.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        d.extend(reactions.into_iter().map(|(e, n)| format!("{e} {n}")));
        d
    }

    /// One room on one line, with my unread counts when its subscription is given.
    pub fn room(&self, r: &Room, sub: Option<&Subscription>) -> String {
        let label = match r.t {
            RoomType::Direct => {
                let who = sub.and_then(|s| s.name.clone()).unwrap_or_else(|| r.usernames.join(", @"));
                format!("@{who}")
            }
            _ => format!("#{}", r.name.as_deref().unwrap_or(&r.id)),
        };
        let mut line = label;
        if let Some(f) = r.fname.as_deref().filter(|f| Some(*f) != r.name.as_deref() && !f.is_empty()) {
            let _ = write!(line, " “{f}”");
        }
        let mut d = vec![r.t.label().to_owned(), format!("id {}", r.id)];
        if let Some(n) = r.users_count {
            d.push(format!("{n} {}", if n == 1 { "member" } else { "members" }));
        }
        if r.team_main == Some(true) {
            d.push("team".to_owned());
        }
        if r.prid.is_some() {
            d.push("discussion".to_owned());
        }
        if r.ro == Some(true) {
            d.push("read-only".to_owned());
        }
        if r.archived == Some(true) {
            d.push("archived".to_owned());
        }
        if let Some(lm) = r.lm {
            d.push(format!("last message {}", self.time(lm.utc())));
        }
        let _ = write!(line, " ({})", d.join(", "));
        if let Some(topic) = r.topic.as_deref().map(|t| one_line(t, 200)).filter(|t| !t.is_empty()) {
            let _ = write!(line, " topic: {topic}");
        }
        if let Some(s) = sub {
            let counts = unread_counts(s);
            if !counts.is_empty() {
                let _ = write!(line, " — {}", counts.join(", "));
            }
        }
        line
    }

    /// My unread state in one room: `#general (public, id GENERAL): 12 unread, 2 mentions of you, …`.
    pub fn unread(&self, s: &Subscription) -> String {
        let sigil = if s.t == RoomType::Direct { '@' } else { '#' };
        let name = s.name.as_deref().unwrap_or(&s.rid);
        let mut line = format!("{sigil}{name} ({}, id {})", s.t.label(), s.rid);
        let counts = unread_counts(s);
        let _ = write!(line, ": {}", if counts.is_empty() { "nothing unread".to_owned() } else { counts.join(", ") });
        if let Some(ls) = s.ls {
            let _ = write!(line, "; last read {}", self.time(ls.utc()));
        }
        line
    }

    /// One user on one line.
    pub fn user(&self, u: &User) -> String {
        let mut line = format!("@{}", u.username.as_deref().unwrap_or("?"));
        if let Some(name) = u.name.as_deref().filter(|n| !n.is_empty() && Some(*n) != u.username.as_deref()) {
            let _ = write!(line, " — {name}");
        }
        let mut d = Vec::new();
        if let Some(s) = &u.status {
            d.push(s.clone());
        }
        if let Some(t) = u.status_text.as_deref().filter(|t| !t.is_empty()) {
            d.push(format!("“{}”", one_line(t, 120)));
        }
        d.push(format!("id {}", u.id));
        if u.kind.as_deref().is_some_and(|k| k != "user") {
            d.push(u.kind.clone().unwrap_or_default());
        }
        if !u.roles.is_empty() {
            d.push(format!("roles: {}", u.roles.join(" ")));
        }
        if let Some(off) = u.utc_offset {
            d.push(utc_offset(off));
        }
        if u.active == Some(false) {
            d.push("deactivated".to_owned());
        }
        if let Some(e) = u.emails.first() {
            d.push(e.address.clone());
        }
        let _ = write!(line, " ({})", d.join(", "));
        line
    }
}

fn sender(m: &Message) -> String {
    let user = format!("@{}", m.u.username.as_deref().filter(|u| !u.is_empty()).unwrap_or("?"));
    match m.alias.as_deref().filter(|a| !a.is_empty()) {
        Some(alias) => format!("{user} as “{alias}”"),
        None => user,
    }
}

fn unread_counts(s: &Subscription) -> Vec<String> {
    let mut c = Vec::new();
    if s.unread > 0 {
        c.push(format!("{} unread", s.unread));
    }
    if s.user_mentions > 0 {
        c.push(format!("{} {} of you", s.user_mentions, if s.user_mentions == 1 { "mention" } else { "mentions" }));
    }
    if s.group_mentions > 0 {
        c.push(format!("{} @all/@here", s.group_mentions));
    }
    if !s.tunread.is_empty() {
        let n = s.tunread.len();
        c.push(format!("{n} unread {}", if n == 1 { "thread" } else { "threads" }));
    }
    c
}

fn utc_offset(hours: f64) -> String {
    let minutes = (hours * 60.0).round() as i64;
    let (sign, m) = if minutes < 0 { ('-', -minutes) } else { ('+', minutes) };
    match m % 60 {
        0 => format!("UTC{sign}{}", m / 60),
        r => format!("UTC{sign}{}:{r:02}", m / 60),
    }
}

/// Text on one line: line breaks become ` ⏎ `, runs of spaces one space, cut at `max` characters.
pub fn one_line(text: &str, max: usize) -> String {
    let joined = text.lines().map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join(" ⏎ ");
    let squeezed = joined.split(' ').filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ");
    cut(&squeezed, max)
}

fn cut(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

/// What a system message (`t`) says, given its `msg`.
pub fn system_text(t: &str, msg: &str) -> String {
    let with = |verb: &str| if msg.is_empty() { verb.to_owned() } else { format!("{verb} @{msg}") };
    let quoted = |what: &str| format!("changed the {what} to “{msg}”");
    match t {
        "uj" => "joined the room".to_owned(),
        "ujt" => "joined the team".to_owned(),
        "ul" => "left the room".to_owned(),
        "ult" => "left the team".to_owned(),
        "au" => with("added"),
        "ru" => with("removed"),
        "user-muted" => with("muted"),
        "user-unmuted" => with("unmuted"),
        "subscription-role-added" => with("gave a role to"),
        "subscription-role-removed" => with("took a role from"),
        "r" => format!("renamed the room to #{msg}"),
        "room_changed_topic" => quoted("topic"),
        "room_changed_description" => quoted("description"),
        "room_changed_announcement" => quoted("announcement"),
        "room_changed_privacy" => format!("changed the room type to {msg}"),
        "room_changed_avatar" => "changed the room avatar".to_owned(),
        "message_pinned" => "pinned a message".to_owned(),
        "discussion-created" => format!("started a discussion: {msg}"),
        "rm" => "deleted a message".to_owned(),
        "e2e" => "sent an encrypted message".to_owned(),
        "videoconf" | "jitsi_call_started" => "started a call".to_owned(),
        _ if msg.is_empty() => format!("(system event {t})"),
        _ => format!("(system event {t}): {msg}"),
    }
}

fn file_part(f: &FileRef, description: Option<&str>) -> String {
    let mut s = format!("[file: {}", f.name.as_deref().unwrap_or(&f.id));
    if let Some(mime) = &f.mime {
        let _ = write!(s, ", {mime}");
    }
    if let Some(size) = f.size {
        let _ = write!(s, ", {}", human_size(size));
    }
    if let Some(d) = description.filter(|d| !d.is_empty()) {
        let _ = write!(s, ": {d}");
    }
    s.push(']');
    s
}

fn human_size(bytes: u64) -> String {
    match bytes {
        b if b < 1024 => format!("{b} B"),
        b if b < 1024 * 1024 => format!("{:.0} KB", b as f64 / 1024.0),
        b => format!("{:.1} MB", b as f64 / (1024.0 * 1024.0)),
    }
}

/// Files first (described by their upload attachment), then the other attachments.
fn attachment_parts(m: &Message, max_text: usize) -> Vec<String> {
    let files: Vec<&FileRef> = if m.files.is_empty() { m.file.iter().collect() } else { m.files.iter().collect() };
    let is_upload = |a: &Attachment| {
        a.title_link.as_deref().is_some_and(|l| l.contains("/file-upload/"))
            || files.iter().any(|f| f.name.is_some() && a.title == f.name)
    };
    let upload_description = m
        .attachments
        .iter()
        .filter(|a| is_upload(a))
        .find_map(|a| a.description.as_deref().map(|d| one_line(d, max_text)));
    let mut parts: Vec<String> = files
        .iter()
        .enumerate()
        .map(|(i, f)| file_part(f, if i == 0 { upload_description.as_deref() } else { None }))
        .collect();
    for a in &m.attachments {
        if !files.is_empty() && is_upload(a) {
            continue;
        }
        let text = a.text.as_deref().or(a.description.as_deref()).or(a.fallback.as_deref()).map(|t| one_line(t, 300));
        let part = if a.message_link.is_some() {
            let who = a.author_name.as_deref().map(|n| format!(" @{n}")).unwrap_or_default();
            format!("[quote{who}: {}]", text.unwrap_or_default())
        } else if a.image_url.is_some() {
            format!("[image: {}]", a.title.as_deref().unwrap_or("untitled"))
        } else if a.audio_url.is_some() || a.video_url.is_some() {
            format!("[media: {}]", a.title.as_deref().unwrap_or("untitled"))
        } else {
            match (a.title.as_deref(), text) {
                (Some(t), Some(x)) => format!("[attachment: {t} — {x}]"),
                (Some(t), None) => format!("[attachment: {t}]"),
                (None, Some(x)) => format!("[attachment: {x}]"),
                (None, None) => continue,
            }
        };
        parts.push(part);
    }
    parts
}

/// How many items exist past those given to a [`Bounded`] builder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Beyond {
    /// None: the input was everything.
    Nothing,
    /// Exactly this many more (from a page's `total`).
    Exactly(u64),
    /// Maybe more (a full page of an endpoint without a total, e.g. history).
    Unknown,
}

/// Output lines up to a maximum size, then a last line saying how many were left out and how to
/// fetch them (`… 37 more; call again with before=2026-11-20T10:31:00.000Z`).
#[derive(Debug, Clone)]
pub struct Bounded {
    max: usize,
    out: String,
    shown: usize,
    omitted: usize,
}

impl Bounded {
    /// Room kept for the last line.
    pub const FOOTER_RESERVE: usize = 160;

    /// A builder whose output, last line included, is at most `max` bytes.
    pub fn new(max: usize) -> Self {
        Self { max, out: String::new(), shown: 0, omitted: 0 }
    }

    fn budget(&self) -> usize {
        self.max.saturating_sub(Self::FOOTER_RESERVE)
    }

    /// Add a line that is not an item (a heading); cut if it alone exceeds the budget.
    pub fn heading(&mut self, line: &str) {
        let room = self.budget().saturating_sub(self.out.len() + 1);
        self.append(&cut_bytes(line, room));
    }

    /// Add an item's line; `false` (and counted as left out) once it no longer fits. A first item
    /// too long for the budget is cut rather than left out, so the output is never empty.
    pub fn push(&mut self, line: &str) -> bool {
        if self.omitted > 0 {
            self.omitted += 1;
            return false;
        }
        let needed = self.out.len() + line.len() + usize::from(!self.out.is_empty());
        if needed <= self.budget() {
            self.append(line);
        } else if self.shown == 0 {
            let room = self.budget().saturating_sub(self.out.len() + 1);
            self.append(&cut_bytes(line, room));
        } else {
            self.omitted += 1;
            return false;
        }
        self.shown += 1;
        true
    }

    fn append(&mut self, line: &str) {
        if !self.out.is_empty() {
            self.out.push('\n');
        }
        self.out.push_str(line);
    }

    /// Items shown so far.
    pub fn shown(&self) -> usize {
        self.shown
    }

    /// Items left out so far.
    pub fn omitted(&self) -> usize {
        self.omitted
    }

    /// The output, with a last line when anything is left (`resume` is the argument to call again
    /// with, e.g. `before=<ts of the last shown message>` or `offset=50`).
    pub fn finish(self, beyond: Beyond, resume: Option<&str>) -> String {
        let again = |s: &str| match resume {
            Some(r) => format!("{s}; call again with {r}"),
            None => format!("{s}; narrow the request to see them"),
        };
        let footer = match (beyond, self.omitted as u64) {
            (Beyond::Nothing, 0) | (Beyond::Exactly(0), 0) => None,
            (Beyond::Nothing, n) | (Beyond::Exactly(0), n) => Some(again(&format!("… {n} more"))),
            (Beyond::Exactly(more), n) => Some(again(&format!("… {} more", n + more))),
            (Beyond::Unknown, 0) => Some(match resume {
                Some(r) => format!("… there may be more; call again with {r}"),
                None => "… there may be more".to_owned(),
            }),
            (Beyond::Unknown, n) => Some(again(&format!("… {n} more, and maybe others after them"))),
        };
        let mut out = self.out;
        if let Some(f) = footer {
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str(&f);
        }
        cut_bytes(&out, self.max)
    }
}

/// `s` cut to at most `max` bytes on a character boundary, ending in `…` when cut.
fn cut_bytes(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let keep = max.saturating_sub('…'.len_utf8());
    let end = (0..=keep).rev().find(|i| s.is_char_boundary(*i)).unwrap_or(0);
    format!("{}…", &s[..end])
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use chrono_tz::{Europe::Berlin, UTC};
    use serde_json::json;

    use super::*;

    fn msg(v: serde_json::Value) -> Message {
        serde_json::from_value(v).unwrap()
    }
    fn base(extra: serde_json::Value) -> Message {
        let mut v = json!({"_id": "M1", "rid": "GENERAL", "msg": "hello", "ts": "2026-11-20T09:31:00.000Z",
                           "u": {"_id": "u1", "username": "alice"}});
        for (k, x) in extra.as_object().unwrap() {
            v[k] = x.clone();
        }
        msg(v)
    }
    fn r() -> Renderer {
        Renderer::new(Berlin)
    }

    #[test]
    fn the_example_line() {
        let m = base(json!({"tcount": 3, "reactions": {":+1:": {"usernames": ["bob", "carol"]}}}));
        assert_eq!(r().message(&m), "[2026-11-20 10:31] @alice: hello (M1, thread: 3 replies, :+1: 2)");
        assert_eq!(
            Renderer::new(UTC).message(&base(json!({}))),
            "[2026-11-20 09:31] @alice: hello (M1)",
            "times follow the caller's zone"
        );
    }

    #[test]
    fn edited_replies_and_threads() {
        let m = base(json!({"editedAt": "2026-11-20T09:40:00.000Z", "tmid": "T9"}));
        assert_eq!(r().message(&m), "[2026-11-20 10:31] @alice: hello (M1, edited, reply in thread T9)");
        let shown = base(json!({"tmid": "T9", "tshow": true}));
        assert!(r().message(&shown).ends_with("(M1, reply in thread T9, also sent to the room)"));
        let root = base(json!({"tcount": 1, "tlm": "2026-11-20T10:00:00.000Z", "pinned": true, "drid": "D1"}));
        assert!(r().message(&root).ends_with("(M1, thread: 1 reply, last 2026-11-20 11:00, discussion D1, pinned)"));
        let zero = base(json!({"tcount": 0}));
        assert!(r().message(&zero).ends_with("(M1)"));
    }

    #[test]
    fn reactions_by_count_then_name() {
        let m = base(json!({"reactions": {
            ":tada:": {"usernames": ["a"]}, ":eyes:": {"usernames": ["a"]}, ":+1:": {"usernames": ["a", "b", "c"]}
        }}));
        assert!(r().message(&m).ends_with("(M1, :+1: 3, :eyes: 1, :tada: 1)"), "{}", r().message(&m));
    }

    #[test]
    fn text_is_one_line_and_cut() {
        let m = base(json!({"msg": "line one\n\n  line   two\r\nthree"}));
        assert_eq!(r().message(&m), "[2026-11-20 10:31] @alice: line one ⏎ line two ⏎ three (M1)");
        let long = base(json!({"msg": "é".repeat(50)}));
        assert_eq!(
            r().with_max_text(10).message(&long),
            format!("[2026-11-20 10:31] @alice: {}… (M1)", "é".repeat(10))
        );
        let nobody = msg(json!({"_id": "X", "msg": ""}));
        assert_eq!(r().message(&nobody), "[?] @?: (X)");
        let alias = base(json!({"alias": "Deploy Bot"}));
        assert!(r().message(&alias).starts_with("[2026-11-20 10:31] @alice as “Deploy Bot”: hello"));
    }

    #[test]
    fn system_messages() {
        let sys = |t: &str, m: &str| r().message(&base(json!({"t": t, "msg": m})));
        assert_eq!(sys("uj", "alice"), "[2026-11-20 10:31] @alice joined the room (M1)");
        assert_eq!(sys("au", "bob"), "[2026-11-20 10:31] @alice added @bob (M1)");
        assert_eq!(sys("ru", "bob"), "[2026-11-20 10:31] @alice removed @bob (M1)");
        assert_eq!(sys("r", "new-name"), "[2026-11-20 10:31] @alice renamed the room to #new-name (M1)");
        assert_eq!(
            sys("room_changed_topic", "Q4 plans"),
            "[2026-11-20 10:31] @alice changed the topic to “Q4 plans” (M1)"
        );
        assert_eq!(sys("livechat-started", ""), "[2026-11-20 10:31] @alice (system event livechat-started) (M1)");
        assert_eq!(sys("something-new", "x"), "[2026-11-20 10:31] @alice (system event something-new): x (M1)");
    }

    #[test]
    fn files_and_attachments() {
        let upload = base(json!({
            "msg": "",
            "file": {"_id": "F1", "name": "report.pdf", "type": "application/pdf", "size": 245_760},
            "files": [{"_id": "F1", "name": "report.pdf", "type": "application/pdf", "size": 245_760}],
            "attachments": [{"title": "report.pdf", "title_link": "/file-upload/F1/report.pdf", "description": "Q3 numbers"}]
        }));
        assert_eq!(
            r().message(&upload),
            "[2026-11-20 10:31] @alice: [file: report.pdf, application/pdf, 240 KB: Q3 numbers] (M1)"
        );
        let old = base(json!({"file": {"_id": "F2", "name": "a.png", "type": "image/png"},
                              "attachments": [{"title": "a.png", "title_link": "/file-upload/F2/a.png", "image_url": "/file-upload/F2/a.png"}]}));
        assert_eq!(r().message(&old), "[2026-11-20 10:31] @alice: hello [file: a.png, image/png] (M1)");
        let quote = base(json!({"attachments": [
            {"message_link": "https://chat.example.com/channel/general?msg=Q", "author_name": "bob", "text": "original\ntext"},
            {"image_url": "https://x/y.png", "title": "diagram"},
            {"title": "Build #42", "text": "passed"},
            {"fallback": "card"},
            {}
        ]}));
        assert_eq!(
            r().message(&quote),
            "[2026-11-20 10:31] @alice: hello [quote @bob: original ⏎ text] [image: diagram] [attachment: Build #42 — passed] [attachment: card] (M1)"
        );
        assert_eq!(human_size(512), "512 B");
        assert_eq!(human_size(3 * 1024 * 1024 + 100), "3.0 MB");
    }

    fn room(v: serde_json::Value) -> Room {
        serde_json::from_value(v).unwrap()
    }
    fn sub(v: serde_json::Value) -> Subscription {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn rooms() {
        let general = room(json!({"_id": "GENERAL", "t": "c", "name": "general", "usersCount": 42,
                                  "topic": "Company-wide\nnews", "lm": "2026-11-20T09:31:00.000Z"}));
        assert_eq!(
            r().room(&general, None),
            "#general (public, id GENERAL, 42 members, last message 2026-11-20 10:31) topic: Company-wide ⏎ news"
        );
        let s = sub(json!({"rid": "GENERAL", "t": "c", "name": "general", "unread": 3, "userMentions": 1}));
        assert!(r().room(&general, Some(&s)).ends_with(" — 3 unread, 1 mention of you"));
        let ops = room(json!({"_id": "r2", "t": "p", "name": "ops", "fname": "Ops Team", "ro": true, "archived": true,
                              "teamMain": true, "usersCount": 1}));
        assert_eq!(r().room(&ops, None), "#ops “Ops Team” (private, id r2, 1 member, team, read-only, archived)");
        let dm = room(json!({"_id": "u1u2", "t": "d", "usernames": ["me", "alice"]}));
        assert_eq!(r().room(&dm, None), "@me, @alice (direct, id u1u2)");
        let dm_sub = sub(json!({"rid": "u1u2", "t": "d", "name": "alice"}));
        assert_eq!(r().room(&dm, Some(&dm_sub)), "@alice (direct, id u1u2)");
    }

    #[test]
    fn unread_lines() {
        let s = sub(json!({"rid": "GENERAL", "t": "c", "name": "general", "unread": 12, "userMentions": 2,
                           "groupMentions": 1, "tunread": ["a", "b", "c"], "ls": "2026-11-20T08:00:00.000Z"}));
        assert_eq!(
            r().unread(&s),
            "#general (public, id GENERAL): 12 unread, 2 mentions of you, 1 @all/@here, 3 unread threads; last read 2026-11-20 09:00"
        );
        let dm = sub(json!({"rid": "d1", "t": "d", "name": "bob", "tunread": ["x"]}));
        assert_eq!(r().unread(&dm), "@bob (direct, id d1): 1 unread thread");
        let quiet = sub(json!({"rid": "q", "t": "p"}));
        assert_eq!(r().unread(&quiet), "#q (private, id q): nothing unread");
    }

    #[test]
    fn users() {
        let u: User = serde_json::from_value(json!({
            "_id": "u1", "username": "alice", "name": "Alice Liddell", "status": "online", "statusText": "in a meeting",
            "roles": ["admin", "user"], "utcOffset": 5.5, "emails": [{"address": "alice@example.com"}]
        }))
        .unwrap();
        assert_eq!(
            r().user(&u),
            "@alice — Alice Liddell (online, “in a meeting”, id u1, roles: admin user, UTC+5:30, alice@example.com)"
        );
        let bot: User = serde_json::from_value(json!({"_id": "b", "username": "ci", "name": "ci", "type": "bot",
                                                      "active": false, "utcOffset": -8}))
        .unwrap();
        assert_eq!(r().user(&bot), "@ci (id b, bot, UTC-8, deactivated)");
    }

    #[test]
    fn bounded_stops_and_says_how_to_go_on() {
        let mut b = Bounded::new(Bounded::FOOTER_RESERVE + 25);
        b.heading("3 messages:");
        assert!(b.push("first line"));
        assert!(!b.push("second line is long"));
        assert!(!b.push("third"), "nothing is added once a line was left out, to keep order");
        assert_eq!((b.shown(), b.omitted()), (1, 2));
        let out = b.finish(Beyond::Exactly(35), Some("before=2026-11-20T10:31:00.000Z"));
        assert_eq!(out, "3 messages:\nfirst line\n… 37 more; call again with before=2026-11-20T10:31:00.000Z");
    }

    #[test]
    fn bounded_footers() {
        let full = |beyond, resume| {
            let mut b = Bounded::new(1000);
            b.push("a");
            b.finish(beyond, resume)
        };
        assert_eq!(full(Beyond::Nothing, Some("offset=1")), "a");
        assert_eq!(full(Beyond::Exactly(0), None), "a");
        assert_eq!(full(Beyond::Exactly(4), Some("offset=1")), "a\n… 4 more; call again with offset=1");
        assert_eq!(full(Beyond::Exactly(4), None), "a\n… 4 more; narrow the request to see them");
        assert_eq!(full(Beyond::Unknown, Some("before=X")), "a\n… there may be more; call again with before=X");
        let mut b = Bounded::new(Bounded::FOOTER_RESERVE + 2);
        assert!(b.push("a"));
        assert!(!b.push("bb"));
        assert_eq!(
            b.finish(Beyond::Unknown, Some("before=X")),
            "a\n… 1 more, and maybe others after them; call again with before=X"
        );
        assert_eq!(Bounded::new(100).finish(Beyond::Nothing, None), "");
    }

    #[test]
    fn bounded_never_exceeds_its_size() {
        let mut b = Bounded::new(300);
        let line = "x".repeat(1000);
        assert!(b.push(&line), "a first line too long is cut, not dropped");
        assert!(!b.push("y"));
        let out = b.finish(Beyond::Exactly(10), Some("offset=1"));
        assert!(out.len() <= 300, "{}", out.len());
        assert!(out.contains("x…\n… 11 more; call again with offset=1"), "{out}");
        // Multi-byte text is cut on a character boundary.
        let mut tiny = Bounded::new(Bounded::FOOTER_RESERVE + 10);
        tiny.push(&"é".repeat(100));
        assert_eq!(tiny.finish(Beyond::Nothing, None), "ééé…");
        // A maximum below the footer's reserve still gives bounded output.
        let mut silly = Bounded::new(10);
        silly.push("hello world");
        silly.push("more");
        let out = silly.finish(Beyond::Nothing, Some("offset=1"));
        assert!(out.len() <= 10 && out.ends_with('…'), "{out}");
        // Many lines: the total stays under the maximum.
        let mut many = Bounded::new(2000);
        let shown = (0..500).filter(|i| many.push(&format!("line {i} with some words in it"))).count();
        assert!(shown > 10 && shown < 500);
        let out = many.finish(Beyond::Nothing, Some("offset=…"));
        assert!(out.len() <= 2000);
        assert!(out.ends_with(&format!("… {} more; call again with offset=…", 500 - shown)), "{out}");
    }
}

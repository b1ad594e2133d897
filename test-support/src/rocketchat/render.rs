//! The JSON shapes of users, rooms, subscriptions and messages as the real server sends them
//! (ISO-8601 dates with milliseconds, `u:{_id,username,name}`, `reactions:{":e:":{usernames}}`).

use serde_json::{Value, json};

use super::world::{Msg, Room, Sub, User, World, iso};

impl World {
    pub(crate) fn user_brief(&self, uid: &str) -> Value {
        match self.user(uid) {
            Some(u) => json!({"_id": u.id, "username": u.username, "name": u.name}),
            None => json!({"_id": uid}),
        }
    }

    /// The reduced user object ordinary callers get from `users.info` / `users.list`.
    pub(crate) fn user_public(&self, u: &User) -> Value {
        json!({
            "_id": u.id, "type": "user", "status": u.status, "active": true, "name": u.name,
            "utcOffset": 0, "username": u.username, "roles": u.roles,
            "createdAt": iso(u.created), "_updatedAt": iso(u.created),
        })
    }

    /// The object `GET /me` returns (top level).
    pub(crate) fn user_me(&self, u: &User) -> Value {
        json!({
            "_id": u.id, "name": u.name, "emails": [{"address": u.email, "verified": true}],
            "status": u.status, "statusConnection": u.status, "username": u.username, "utcOffset": 0,
            "active": true, "roles": u.roles, "settings": {"preferences": {}},
            "avatarUrl": format!("/avatar/{}", u.username),
        })
    }

    pub(crate) fn room_json(&self, room: &Room) -> Value {
        let creator = self.user(&room.creator);
        let mut v = json!({
            "_id": room.id, "t": room.t, "msgs": room.msgs, "usersCount": room.members.len(),
            "ts": iso(room.ts), "_updatedAt": iso(room.updated),
        });
        if room.t == "d" {
            let usernames: Vec<String> =
                room.members.iter().filter_map(|m| self.user(m).map(|u| u.username.clone())).collect();
            v["usernames"] = json!(usernames);
            v["uids"] = json!(room.members);
        } else {
            v["name"] = json!(room.name);
            v["fname"] = json!(room.fname);
            v["ro"] = json!(room.read_only);
            v["default"] = json!(false);
            v["sysMes"] = json!(true);
            v["u"] = json!({"_id": room.creator, "username": creator.map(|u| u.username.clone())});
        }
        if let Some(lm) = room.lm {
            v["lm"] = json!(iso(lm));
            if let Some(last) = self.messages.iter().rev().find(|m| m.rid == room.id && m.t.is_none()) {
                v["lastMessage"] = self.msg_json(last);
            }
        }
        v
    }

    pub(crate) fn sub_json(&self, uid: &str, room: &Room, sub: &Sub) -> Value {
        let (name, fname) = if room.t == "d" {
            let other = room.members.iter().find(|m| *m != uid).unwrap_or(&room.creator);
            let u = self.user(other);
            (u.map(|u| u.username.clone()), u.map(|u| u.name.clone()))
        } else {
            (room.name.clone(), room.fname.clone())
        };
        json!({
            "_id": format!("{}{}", room.id, uid), "rid": room.id, "name": name, "fname": fname, "t": room.t,
            "u": self.user_brief(uid), "open": true, "alert": sub.alert, "unread": sub.unread,
            "userMentions": sub.user_mentions, "groupMentions": sub.group_mentions, "tunread": sub.tunread,
            "ls": iso(sub.ls), "ts": iso(sub.ts), "_updatedAt": iso(sub.updated),
        })
    }

    pub(crate) fn msg_json(&self, m: &Msg) -> Value {
        let mut v = json!({
            "_id": m.id, "rid": m.rid, "msg": m.msg, "ts": iso(m.ts), "u": self.user_brief(&m.uid),
            "_updatedAt": iso(m.updated), "urls": [], "channels": [],
            "mentions": m.mentions.iter().map(|(id, username)| {
                let mut o = json!({"_id": id, "username": username});
                if let Some(u) = self.user(id) {
                    o["name"] = json!(u.name);
                    o["type"] = json!("user");
                }
                o
            }).collect::<Vec<_>>(),
        });
        if let Some(t) = m.t {
            v["t"] = json!(t);
            v["groupable"] = json!(false);
        }
        if let Some(tmid) = &m.tmid {
            v["tmid"] = json!(tmid);
            if m.tshow {
                v["tshow"] = json!(true);
            }
        }
        if let Some(tlm) = m.tlm {
            v["tcount"] = json!(m.tcount);
            v["tlm"] = json!(iso(tlm));
            v["replies"] = json!(m.replies);
        }
        if !m.reactions.is_empty() {
            v["reactions"] = m
                .reactions
                .iter()
                .map(|(emoji, users)| (emoji.clone(), json!({"usernames": users})))
                .collect::<serde_json::Map<_, _>>()
                .into();
        }
        if let Some((at, by)) = &m.edited {
            v["editedAt"] = json!(iso(*at));
            v["editedBy"] = json!({"_id": by, "username": self.user(by).map(|u| u.username.clone())});
        }
        if m.pinned {
            v["pinned"] = json!(true);
        }
        if let Some(alias) = &m.alias {
            v["alias"] = json!(alias);
        }
        if let Some(cf) = &m.custom_fields {
            v["customFields"] = cf.clone();
        }
        if let Some(att) = &m.attachments {
            v["attachments"] = att.clone();
        }
        if let Some(file) = m.file.as_deref().and_then(|f| self.uploads.iter().find(|u| u.id == f)) {
            let f = json!({"_id": file.id, "name": file.name, "type": file.content_type, "size": file.data.len(),
                "format": file.name.rsplit_once('.').map(|(_, e)| e.to_uppercase()).unwrap_or_default()});
            v["file"] = f.clone();
            v["files"] = json!([f]);
            let link = format!("/file-upload/{}/{}", file.id, file.name);
            let mut att = json!({"ts": "1970-01-01T00:00:00.000Z", "title": file.name, "title_link": link,
                "title_link_download": true, "type": "file", "size": file.data.len()});
            if let Some(d) = &m.description {
                att["description"] = json!(d);
            }
            if file.content_type.starts_with("image/") {
                att["image_url"] = json!(link);
                att["image_type"] = json!(file.content_type);
                att["image_size"] = json!(file.data.len());
            }
            v["attachments"] = json!([att]);
        }
        v
    }
}

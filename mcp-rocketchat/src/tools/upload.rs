//! `upload_file`: from inline content or the operator's upload directory, size-limited; the
//! two-step media upload on 6.10+ (`rooms.media` then `rooms.mediaConfirm`), `rooms.upload` before.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use bytes::Bytes;
use mcp_core::{Hints, ToolDef, ToolError, ToolOutput};
use serde_json::json;

use super::{App, Ctx, check, guard_text, invalid, permalink, room_label, writable_room};
use crate::app::RocketChat;
use crate::args::UploadFileArgs;
use crate::client::Call;
use crate::model::{PostedMessage, UploadFlow, UploadedMedia};

/// The multipart boundary (the content is checked not to contain it).
const BOUNDARY: &str = "mcp-rocketchat-boundary-7d1f3c9a5b2e40f8";
const MULTIPART: &str = "multipart/form-data; boundary=mcp-rocketchat-boundary-7d1f3c9a5b2e40f8";

/// A multipart body with one file part and text fields.
fn multipart(filename: &str, mime: &str, data: &[u8], fields: &[(&str, &str)]) -> Result<Bytes, ToolError> {
    let marker = format!("--{BOUNDARY}");
    if data.windows(marker.len()).any(|w| w == marker.as_bytes()) {
        return Err(ToolError::invalid("the file contains this server's multipart boundary; it cannot be sent"));
    }
    let quoted = filename.replace(['"', '\r', '\n'], "_");
    let mut out = Vec::with_capacity(data.len() + 512);
    for (name, value) in fields {
        out.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes(),
        );
    }
    out.extend_from_slice(
        format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{quoted}\"\r\nContent-Type: {mime}\r\n\r\n"
        )
        .as_bytes(),
    );
    out.extend_from_slice(data);
    out.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    Ok(Bytes::from(out))
}

/// A MIME type from the file name's extension.
fn guess_mime(name: &str) -> &'static str {
    let ext = name.rsplit('.').next().unwrap_or_default().to_ascii_lowercase();
    match ext.as_str() {
        "txt" | "log" | "md" => "text/plain",
        "csv" => "text/csv",
        "json" => "application/json",
        "pdf" => "application/pdf",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "svg" => "image/svg+xml",
        "zip" => "application/zip",
        "html" | "htm" => "text/html",
        "yaml" | "yml" => "application/yaml",
        _ => "application/octet-stream",
    }
}

/// A file below `dir` (no escape by `..` or links), read within `max` bytes.
/// Longest part of a caller's `path` an error message repeats.
const MAX_SHOWN_PATH: usize = 200;

/// A caller's `path` fit to repeat in an error: at most [`MAX_SHOWN_PATH`] characters (then `…`),
/// control characters escaped, so a long or multi-line path cannot flood or forge the message.
fn shown(rel: &str) -> String {
    let mut out = String::new();
    for c in rel.chars().take(MAX_SHOWN_PATH) {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    if rel.chars().nth(MAX_SHOWN_PATH).is_some() {
        out.push('…');
    }
    out
}

fn read_allowed(dir: Option<&Path>, rel: &str, max: u64) -> Result<Vec<u8>, ToolError> {
    let Some(dir) = dir else {
        return Err(ToolError::invalid(
            "`path` needs an upload directory, and this server has none (rocketchat.upload_dir); send the content inline",
        ));
    };
    let root = dir.canonicalize().map_err(|_| ToolError::internal("the upload directory is not readable"))?;
    let wanted: PathBuf = root.join(rel.trim_start_matches('/'));
    let shown = shown(rel);
    let real =
        wanted.canonicalize().map_err(|_| ToolError::NotFound(format!("no file `{shown}` in the upload directory")))?;
    if !real.starts_with(&root) || !real.is_file() {
        return Err(ToolError::invalid(format!("`{shown}` is not a file inside the upload directory")));
    }
    let size = real.metadata().map(|m| m.len()).unwrap_or(u64::MAX);
    if size > max {
        return Err(ToolError::invalid(format!("`{shown}` has {size} bytes; this server sends at most {max}")));
    }
    std::fs::read(&real).map_err(|_| ToolError::internal(format!("cannot read `{shown}`")))
}

/// `upload_file`.
pub fn upload_file() -> ToolDef<RocketChat> {
    ToolDef::new(
        "upload_file",
        "Upload a file",
        "Upload a file to a room, with an optional message and description, optionally in a thread. Give the content \
         inline (`text_content`, or `content_base64` for binary files) or a `path` inside the server's upload \
         directory. Never retried automatically.",
        Hints::additive(false).open_world(),
        |s: App, ctx: Ctx, a: UploadFileArgs| async move {
            check(&s, &a)?;
            let max = s.config.upload_max_bytes;
            let data = if let Some(t) = &a.text_content {
                t.as_bytes().to_vec()
            } else if let Some(b) = &a.content_base64 {
                base64::engine::general_purpose::STANDARD
                    .decode(b.trim())
                    .map_err(|e| ToolError::invalid(format!("`content_base64` is not valid base64: {e}")))?
            } else {
                read_allowed(s.config.upload_dir.as_deref(), a.path.as_deref().unwrap_or_default(), max)?
            };
            if data.len() as u64 > max {
                return Err(ToolError::invalid(format!(
                    "the file has {} bytes; this server sends at most {max} (rocketchat.upload_max_bytes)",
                    data.len()
                )));
            }
            let name = a.filename.trim().to_owned();
            let mime =
                a.mime_type.clone().filter(|m| !m.trim().is_empty()).unwrap_or_else(|| guess_mime(&name).to_owned());
            let session = s.client.session(&ctx).await?;
            let room = writable_room(&s, &ctx, &session, &a.room().map_err(invalid)?).await?;
            let msg = match a.message.as_deref().filter(|m| !m.trim().is_empty()) {
                Some(m) => Some(guard_text(&s, &ctx, &session, m).await?.0),
                None => None,
            };
            let description = match a.description.as_deref().filter(|m| !m.trim().is_empty()) {
                Some(m) => Some(guard_text(&s, &ctx, &session, m).await?.0),
                None => None,
            };
            let tmid = a.thread().map_err(invalid)?.map(|t| t.thread_root().to_owned());
            let mut fields: Vec<(&str, &str)> = Vec::new();
            if let Some(m) = &msg {
                fields.push(("msg", m));
            }
            if let Some(d) = &description {
                fields.push(("description", d));
            }
            if let Some(t) = &tmid {
                fields.push(("tmid", t));
            }
            let version = s.client.version();
            let posted: PostedMessage = match UploadFlow::for_version(version) {
                UploadFlow::MediaConfirm => {
                    let media = Call::post("rooms.media/:rid")
                        .path(format!("api/v1/rooms.media/{}", room.id))
                        .raw(multipart(&name, &mime, &data, &[])?, MULTIPART);
                    match s.client.send_as(&ctx, &session, media).await {
                        Ok(r) => {
                            let up: UploadedMedia = r.json()?;
                            let body = json!({"msg": msg, "description": description, "tmid": tmid});
                            let confirm = Call::post("rooms.mediaConfirm/:rid/:fileId")
                                .path(format!("api/v1/rooms.mediaConfirm/{}/{}", room.id, up.file.id))
                                .json(body);
                            s.client.json(&ctx, &session, confirm).await?
                        }
                        // An unknown version older than 6.10 lacks rooms.media: the legacy route.
                        Err(ToolError::NotFound(_)) if version.is_none() => {
                            legacy(&s, &ctx, &session, &room.id, &name, &mime, &data, &fields).await?
                        }
                        Err(e) => return Err(e),
                    }
                }
                UploadFlow::Legacy => legacy(&s, &ctx, &session, &room.id, &name, &mime, &data, &fields).await?,
            };
            let link = permalink(&s.client.base_url(), &room, &posted.message.id);
            let text = format!("Uploaded {name} ({} bytes) to {}: {link}", data.len(), room_label(&room));
            let v = json!({"message_id": posted.message.id, "room_id": room.id, "permalink": link,
                "file": name, "bytes": data.len()});
            Ok(ToolOutput::with_structured(text, &v)?.affected(1))
        },
    )
}

#[allow(clippy::too_many_arguments)]
async fn legacy(
    s: &App,
    ctx: &Ctx,
    session: &crate::client::Session,
    rid: &str,
    name: &str,
    mime: &str,
    data: &[u8],
    fields: &[(&str, &str)],
) -> Result<PostedMessage, ToolError> {
    let call = Call::post("rooms.upload/:rid")
        .path(format!("api/v1/rooms.upload/{rid}"))
        .raw(multipart(name, mime, data, fields)?, MULTIPART);
    s.client.json(ctx, session, call).await
}

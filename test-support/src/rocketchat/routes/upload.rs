//! File upload: `rooms.upload/:rid` (until 8.0) and `rooms.media/:rid` +
//! `rooms.mediaConfirm/:rid/:fileId` (from 6.10) (rocketchat.md §2.9).

use serde_json::{Value, json};

use super::super::error::ApiError;
use super::super::http::{Call, FilePart};
use super::super::world::{NewMessage, Upload, World};

/// 24 hours, the lifetime of an unconfirmed `rooms.media` upload.
const TEMPORARY_MS: i64 = 24 * 60 * 60 * 1000;

/// Room access (403 otherwise) and the uploaded `file` part, within `FileUpload_MaxFileSize`.
fn checked_file<'a>(w: &World, call: &'a Call) -> Result<(String, &'a FilePart), ApiError> {
    let rid = call.params.first().cloned().unwrap_or_default();
    let allowed = w.room(&rid).is_some_and(|r| w.is_member(&call.uid, r));
    if !allowed {
        return Err(ApiError::forbidden(w.version));
    }
    // `getUploadFormData` rejects a body without a file field.
    let file = call.files.first().ok_or_else(|| ApiError::meteor("invalid-field", ""))?;
    let max = w.setting_i64("FileUpload_MaxFileSize", 104_857_600);
    if max >= 0 && file.data.len() as i64 > max {
        // The doc names the limit, not the error; this is the form-data reader's.
        return Err(ApiError::meteor("error-file-too-large", ""));
    }
    Ok((rid, file))
}

fn store(w: &mut World, rid: &str, uid: &str, file: &FilePart, temporary: bool) -> String {
    let id = w.new_id();
    let expires_at = temporary.then(|| w.tick() + TEMPORARY_MS);
    w.uploads.push(Upload {
        id: id.clone(),
        rid: rid.to_owned(),
        uid: uid.to_owned(),
        name: file.name.clone(),
        content_type: file.content_type.clone(),
        data: file.data.clone(),
        expires_at,
    });
    id
}

/// Post the message of an upload (`msg`, `description`, `tmid` from the body).
fn post_file_message(w: &mut World, call: &Call, rid: &str, file_id: &str) -> Result<Value, ApiError> {
    let description = call.b("description").map(str::to_owned);
    let text = call.b("msg").unwrap_or_default().to_owned();
    w.check_size(description.as_deref().unwrap_or_default())?;
    w.check_size(&text)?;
    let tmid = call.b("tmid").filter(|t| !t.is_empty()).map(str::to_owned);
    let id = w.insert_message(NewMessage {
        rid: rid.to_owned(),
        uid: call.uid.clone(),
        text,
        tmid,
        file: Some(file_id.to_owned()),
        description,
        ..NewMessage::default()
    })?;
    Ok(w.msg(&id).map(|m| w.msg_json(m)).unwrap_or_default())
}

/// `POST rooms.upload/:rid` (multipart `file`, `msg`, `description`, `tmid`) returns `{message}`.
pub(crate) fn rooms_upload(w: &mut World, call: &Call) -> Result<Value, ApiError> {
    let (rid, file) = checked_file(w, call)?;
    w.check_size(call.b("description").unwrap_or_default())?;
    let file_id = store(w, &rid, &call.uid, file, false);
    let message = post_file_message(w, call, &rid, &file_id)?;
    Ok(json!({"message": message}))
}

/// `POST rooms.media/:rid` returns `{file:{_id,url}}`: a temporary upload, no message.
pub(crate) fn rooms_media(w: &mut World, call: &Call) -> Result<Value, ApiError> {
    let (rid, file) = checked_file(w, call)?;
    let file_id = store(w, &rid, &call.uid, file, true);
    let url = format!("/file-upload/{file_id}/{}", file.name);
    Ok(json!({"file": {"_id": file_id, "url": url}}))
}

/// `POST rooms.mediaConfirm/:rid/:fileId {msg?, description?, tmid?}` returns `{message}`.
pub(crate) fn rooms_media_confirm(w: &mut World, call: &Call) -> Result<Value, ApiError> {
    let rid = call.params.first().cloned().unwrap_or_default();
    let file_id = call.params.get(1).cloned().unwrap_or_default();
    let allowed = w.room(&rid).is_some_and(|r| w.is_member(&call.uid, r));
    if !allowed {
        return Err(ApiError::forbidden(w.version));
    }
    let known = w.uploads.iter().any(|u| u.id == file_id && u.rid == rid && u.uid == call.uid);
    if !known {
        return Err(ApiError::meteor("invalid-file", ""));
    }
    let message = post_file_message(w, call, &rid, &file_id)?;
    if let Some(upload) = w.uploads.iter_mut().find(|u| u.id == file_id) {
        upload.expires_at = None;
    }
    Ok(json!({"message": message}))
}

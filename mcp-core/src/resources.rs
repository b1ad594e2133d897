//! MCP resources served from files: [`FileRoot`] (the only way a server hands the core a file to
//! serve: a plain name inside one directory, never a path out of it), [`ServedFile`], and the
//! bounded, chunked reading behind `resources/read`.
//!
//! The server decides who may read what ([`crate::App::read_resource`]); the core reads the file
//! it was handed, in bounded chunks, as text (text MIME types, valid UTF-8) or base64 blob.

use std::io::Read;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use rmcp::model::ResourceContents;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// How `resources/read` answers (the `resources` section).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ResourcesConfig {
    /// Largest file `resources/read` returns, in bytes (1024 to 268435456, default 8388608 = 8 MiB;
    /// `MCP_RESOURCES_MAX_READ_BYTES`). A larger one is refused with a message pointing to its
    /// signed download URL (HTTP modes with `public_url`).
    pub max_read_bytes: u64,
}

impl Default for ResourcesConfig {
    fn default() -> Self {
        Self { max_read_bytes: 8 * 1024 * 1024 }
    }
}

/// Why a resource cannot be served.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResourceError {
    /// Unknown, gone, outside the root, or not for this caller: all look the same to the caller.
    #[error("resource not found")]
    NotFound,
    /// The file exists but could not be read (logged; the caller sees a generic message).
    #[error("resource unavailable: {0}")]
    Unavailable(String),
}

/// A file opened for serving: opened inside its [`FileRoot`], with what the answer needs.
#[derive(Debug)]
pub struct ServedFile {
    file: std::fs::File,
    len: u64,
    /// File name (for `Content-Disposition`).
    pub name: String,
    /// MIME type of the content.
    pub mime_type: String,
    /// Id for a signed download URL of the same file ([`crate::downloads::Downloads::link`]),
    /// offered when the file is too large for `resources/read`.
    pub download_id: Option<String>,
}

impl ServedFile {
    /// Size in bytes when opened.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the file is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Offer a download URL for this file id when it is too large to read inline.
    pub fn with_download_id(mut self, id: impl Into<String>) -> Self {
        self.download_id = Some(id.into());
        self
    }

    /// The open file (for streaming it).
    pub fn into_file(self) -> std::fs::File {
        self.file
    }
}

/// Longest file name a [`FileRoot`] serves.
const MAX_NAME: usize = 200;

/// One directory whose plain files may be served. Only a plain file name is accepted (letters,
/// digits, `.`, `_`, `-`; not starting with `.`): no separator, no `..`, no percent-encoding. The
/// file must be a regular file (not a symlink) whose canonical path is directly inside the
/// canonical directory, and the opened file must be the one that was checked.
#[derive(Debug, Clone)]
pub struct FileRoot {
    dir: PathBuf,
}

/// Is `name` a plain file name a [`FileRoot`] may serve?
pub fn is_plain_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_NAME
        && !name.starts_with('.')
        && !name.contains("..")
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

impl FileRoot {
    /// Files directly inside `dir`.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// The directory as configured.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Open `name` inside the root, as `mime_type`. Anything that is not a plain name of a
    /// regular file directly inside the directory is [`ResourceError::NotFound`].
    pub async fn open(&self, name: &str, mime_type: &str) -> Result<ServedFile, ResourceError> {
        if !is_plain_name(name) {
            return Err(ResourceError::NotFound);
        }
        let dir = self.dir.clone();
        let name = name.to_owned();
        let mime_type = mime_type.to_owned();
        tokio::task::spawn_blocking(move || open_inside(&dir, &name, mime_type))
            .await
            .map_err(|e| ResourceError::Unavailable(format!("open task failed: {e}")))?
    }
}

fn open_inside(dir: &Path, name: &str, mime_type: String) -> Result<ServedFile, ResourceError> {
    let Ok(root) = std::fs::canonicalize(dir) else { return Err(ResourceError::NotFound) };
    let path = root.join(name);
    // A symlink (to anywhere) is not served: lstat, not stat.
    let Ok(entry) = std::fs::symlink_metadata(&path) else { return Err(ResourceError::NotFound) };
    if !entry.file_type().is_file() {
        return Err(ResourceError::NotFound);
    }
    let Ok(canonical) = std::fs::canonicalize(&path) else { return Err(ResourceError::NotFound) };
    if canonical.parent() != Some(root.as_path()) {
        return Err(ResourceError::NotFound);
    }
    let file = match std::fs::File::open(&canonical) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(ResourceError::NotFound),
        Err(e) => return Err(ResourceError::Unavailable(e.to_string())),
    };
    let opened = file.metadata().map_err(|e| ResourceError::Unavailable(e.to_string()))?;
    if !opened.is_file() || !same_file(&opened, &entry) {
        // Replaced between the check and the open.
        return Err(ResourceError::NotFound);
    }
    Ok(ServedFile { file, len: opened.len(), name: name.to_owned(), mime_type, download_id: None })
}

#[cfg(unix)]
fn same_file(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt as _;
    a.dev() == b.dev() && a.ino() == b.ino()
}

#[cfg(not(unix))]
fn same_file(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    a.len() == b.len() && a.modified().ok() == b.modified().ok()
}

/// Is content of `mime` returned as text (when it is valid UTF-8)?
pub fn is_text_mime(mime: &str) -> bool {
    let m = mime.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    m.starts_with("text/")
        || matches!(m.as_str(), "application/json" | "application/xml" | "application/yaml" | "application/x-ndjson")
        || m.ends_with("+json")
        || m.ends_with("+xml")
}

/// Bytes read from disk at a time (a multiple of 3, so base64 chunks join without padding).
const CHUNK: usize = 48 * 1024;

/// Read `file` (at most `len` bytes) in [`CHUNK`]-sized reads into the contents of `uri`: text for
/// a text MIME type with valid UTF-8, else base64 blob, encoded chunk by chunk (the raw bytes
/// of a blob are never held whole next to their encoding).
pub fn read_contents(file: ServedFile, uri: &str) -> Result<ResourceContents, ResourceError> {
    let len = usize::try_from(file.len).map_err(|_| ResourceError::Unavailable("file too large".into()))?;
    let mime = file.mime_type.clone();
    let mut reader = file.file.take(file.len);
    let mut chunk = vec![0u8; CHUNK];
    if is_text_mime(&mime) {
        let mut bytes = Vec::with_capacity(len);
        loop {
            let n = read_full(&mut reader, &mut chunk)?;
            bytes.extend_from_slice(&chunk[..n]);
            if n < CHUNK {
                break;
            }
        }
        match String::from_utf8(bytes) {
            Ok(text) => return Ok(ResourceContents::text(text, uri).with_mime_type(mime)),
            Err(e) => {
                // Not UTF-8 after all: send it as a blob.
                let blob = base64::engine::general_purpose::STANDARD.encode(e.as_bytes());
                return Ok(ResourceContents::blob(blob, uri).with_mime_type(mime));
            }
        }
    }
    let mut blob = String::with_capacity(len.div_ceil(3) * 4);
    loop {
        let n = read_full(&mut reader, &mut chunk)?;
        base64::engine::general_purpose::STANDARD.encode_string(&chunk[..n], &mut blob);
        if n < CHUNK {
            break;
        }
    }
    Ok(ResourceContents::blob(blob, uri).with_mime_type(mime))
}

/// Fill `buf` from `reader` unless it ends first; the number of bytes read.
fn read_full(reader: &mut impl Read, buf: &mut [u8]) -> Result<usize, ResourceError> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(ResourceError::Unavailable(e.to_string())),
        }
    }
    Ok(filled)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_names_are_served() {
        for ok in ["a.csv", "export-2026-01-01T00.json", "A_b-9"] {
            assert!(is_plain_name(ok), "{ok}");
        }
        for bad in ["", "..", "../etc/passwd", "a/b", "a\\b", ".hidden", "%2e%2e%2fetc", "a..b", "a b", "é"] {
            assert!(!is_plain_name(bad), "{bad}");
        }
        assert!(!is_plain_name(&"a".repeat(201)));
    }

    #[test]
    fn text_mime_types() {
        assert!(is_text_mime("text/csv"));
        assert!(is_text_mime("application/json; charset=utf-8"));
        assert!(is_text_mime("application/ld+json"));
        assert!(!is_text_mime("image/png"));
        assert!(!is_text_mime("application/octet-stream"));
    }

    fn served(dir: &Path, name: &str, bytes: &[u8], mime: &str) -> ServedFile {
        std::fs::write(dir.join(name), bytes).unwrap();
        open_inside(dir, name, mime.to_owned()).unwrap()
    }

    #[test]
    fn blobs_are_encoded_chunk_by_chunk_and_equal_the_whole_encoding() {
        let dir = tempfile::tempdir().unwrap();
        let bytes: Vec<u8> = (0..(CHUNK * 2 + 7)).map(|i| (i % 251) as u8).collect();
        let f = served(dir.path(), "x.bin", &bytes, "application/octet-stream");
        let ResourceContents::BlobResourceContents { blob, .. } = read_contents(f, "u://x").unwrap() else {
            panic!("blob expected")
        };
        assert_eq!(blob, base64::engine::general_purpose::STANDARD.encode(&bytes));
    }

    #[test]
    fn text_types_are_text_unless_not_utf8() {
        let dir = tempfile::tempdir().unwrap();
        let text = "a,b\n".repeat(CHUNK / 2);
        let f = served(dir.path(), "t.csv", text.as_bytes(), "text/csv");
        match read_contents(f, "u://t").unwrap() {
            ResourceContents::TextResourceContents { text: t, mime_type, .. } => {
                assert_eq!(t, text);
                assert_eq!(mime_type.as_deref(), Some("text/csv"));
            }
            other => panic!("{other:?}"),
        }
        let f = served(dir.path(), "b.csv", &[0xff, 0xfe, b'a'], "text/csv");
        assert!(matches!(read_contents(f, "u://b").unwrap(), ResourceContents::BlobResourceContents { .. }));
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_and_paths_out_of_the_root_are_not_found() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("root");
        std::fs::create_dir(&root).unwrap();
        std::fs::write(dir.path().join("secret.txt"), "s").unwrap();
        std::os::unix::fs::symlink(dir.path().join("secret.txt"), root.join("link.txt")).unwrap();
        std::fs::create_dir(root.join("sub")).unwrap();
        assert_eq!(open_inside(&root, "link.txt", "text/plain".into()).unwrap_err(), ResourceError::NotFound);
        assert_eq!(open_inside(&root, "sub", "text/plain".into()).unwrap_err(), ResourceError::NotFound);
        assert_eq!(open_inside(&root, "missing", "text/plain".into()).unwrap_err(), ResourceError::NotFound);
        assert_eq!(open_inside(&root, "../secret.txt", "text/plain".into()).unwrap_err(), ResourceError::NotFound);
        std::fs::write(root.join("ok.txt"), "fine").unwrap();
        assert_eq!(open_inside(&root, "ok.txt", "text/plain".into()).unwrap().len(), 4);
    }
}

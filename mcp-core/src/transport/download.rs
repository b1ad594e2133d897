//! `GET /downloads/{token}`: a signed download URL, streamed from disk. Behind the Host/Origin
//! guard but not behind authentication: the token is the authorization.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, Method, StatusCode, header};

use super::http::HttpState;
use crate::app::App;
use crate::downloads::Refusal;
use crate::resources::ResourceError;

/// Bytes read from disk per chunk of the response body.
const CHUNK: usize = 64 * 1024;

fn plain(status: StatusCode, text: String) -> Response {
    (status, [(header::CACHE_CONTROL, "no-store")], text).into_response()
}

/// Serve one download. A HEAD request checks the token without using it.
pub(super) async fn serve<A: App>(
    State(state): State<Arc<HttpState<A>>>,
    method: Method,
    Path(token): Path<String>,
) -> Response {
    let Some(downloads) = state.core.downloads() else {
        return plain(
            StatusCode::NOT_FOUND,
            "Not Found: this server issues no download links (they need an HTTP transport and public_url)".into(),
        );
    };
    let verified = match downloads.verify(&token) {
        Ok(v) => v,
        Err(refusal) => return refused(refusal),
    };
    let file = match state.core.app.download(&verified.file_id).await {
        Ok(f) => f,
        Err(ResourceError::NotFound) => {
            return plain(
                StatusCode::NOT_FOUND,
                "Not Found: the file of this download link is gone (removed after its retention); ask for a new one"
                    .into(),
            );
        }
        Err(ResourceError::Unavailable(e)) => {
            tracing::error!(error = %e, "download: the file could not be opened");
            return plain(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Internal Server Error: the file could not be read; the failure was logged".into(),
            );
        }
    };
    let head = method == Method::HEAD;
    if head {
        if !downloads.has_uses_left(&verified) {
            return refused(Refusal::UsedUp);
        }
    } else if let Err(refusal) = downloads.consume(&verified) {
        return refused(refusal);
    }
    let len = file.len();
    let mut response = Response::builder()
        .status(StatusCode::OK)
        .header(
            header::CONTENT_TYPE,
            HeaderValue::from_str(&file.mime_type).unwrap_or(HeaderValue::from_static("application/octet-stream")),
        )
        .header(header::CONTENT_LENGTH, len)
        .header(header::CACHE_CONTROL, "no-store")
        .header("x-content-type-options", "nosniff");
    // Names come from FileRoot (letters, digits, `._-`): safe inside quotes.
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{}\"", file.name)) {
        response = response.header(header::CONTENT_DISPOSITION, v);
    }
    if head {
        return response.body(Body::empty()).unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response());
    }
    tracing::info!(target: "audit", bytes = len, "download served");
    let file = tokio::fs::File::from_std(file.into_file());
    let stream = futures::stream::unfold((file, len), |(mut file, left)| async move {
        use tokio::io::AsyncReadExt as _;
        if left == 0 {
            return None;
        }
        let want = usize::try_from(left).map_or(CHUNK, |l| l.min(CHUNK));
        let mut buf = vec![0u8; want];
        match file.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok::<_, std::io::Error>(bytes::Bytes::from(buf)), (file, left - n as u64)))
            }
            Err(e) => {
                tracing::warn!(error = %e, "download: read failed mid-stream");
                Some((Err(e), (file, 0)))
            }
        }
    });
    response.body(Body::from_stream(stream)).unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

fn refused(refusal: Refusal) -> Response {
    let status = match refusal {
        Refusal::Invalid => StatusCode::FORBIDDEN,
        Refusal::Expired | Refusal::UsedUp => StatusCode::GONE,
    };
    let reason = status.canonical_reason().unwrap_or_default();
    plain(status, format!("{reason}: {refusal}"))
}

//! The curl-friendly endpoints some servers' users have scripts against: `GET /mcp/tools` and
//! `POST /mcp/call-tool {"name","arguments"}`. Same auth, identity and permission path as MCP.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use rmcp::model::JsonObject;
use serde::Deserialize;

use super::http::HttpState;
use crate::app::App;
use crate::identity::Caller;
use crate::server::CallError;
use crate::tools::Progress;

fn caller_of(request: &Request) -> Arc<Caller> {
    request.extensions().get::<Arc<Caller>>().cloned().unwrap_or_default()
}

/// `GET /mcp/tools`: the tools this caller may use.
pub(crate) async fn list<A: App>(State(state): State<Arc<HttpState<A>>>, request: Request) -> Response {
    let caller = caller_of(&request);
    axum::Json(serde_json::json!({"tools": state.core.visible_tools(&caller)})).into_response()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CallBody {
    name: String,
    #[serde(default)]
    arguments: Option<JsonObject>,
}

fn error(status: StatusCode, message: String) -> Response {
    (status, axum::Json(serde_json::json!({"error": message, "isError": true}))).into_response()
}

/// `POST /mcp/call-tool`.
pub(crate) async fn call<A: App>(State(state): State<Arc<HttpState<A>>>, request: Request) -> Response {
    let caller = caller_of(&request);
    let bytes = match axum::body::to_bytes(request.into_body(), state.body_limit).await {
        Ok(b) => b,
        Err(_) => return error(StatusCode::PAYLOAD_TOO_LARGE, "Payload Too Large".into()),
    };
    let body: CallBody = match serde_json::from_slice(&bytes) {
        Ok(b) => b,
        Err(e) => {
            return error(
                StatusCode::BAD_REQUEST,
                format!("Bad Request: expected {{\"name\": string, \"arguments\": object}}: {e}"),
            );
        }
    };
    let cancel = state.core.shutdown.child_token();
    match state.core.call(caller, &body.name, body.arguments, Progress::default(), cancel).await {
        Err(e @ CallError::UnknownTool(_)) => error(StatusCode::NOT_FOUND, e.to_string()),
        Ok(d) if d.missing_scopes.is_some() => {
            state.auth.insufficient_scope(d.missing_scopes.as_deref().unwrap_or_default())
        }
        Ok(d) => {
            let status = if d.denied { StatusCode::FORBIDDEN } else { StatusCode::OK };
            let mut value = serde_json::to_value(&d.result).unwrap_or_default();
            if d.denied
                && let Some(obj) = value.as_object_mut()
            {
                let text =
                    d.result.content.first().and_then(|c| c.as_text()).map(|t| t.text.clone()).unwrap_or_default();
                obj.insert("error".into(), serde_json::Value::String(text));
            }
            (status, axum::Json(value)).into_response()
        }
    }
}

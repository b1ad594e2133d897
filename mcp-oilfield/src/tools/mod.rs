//! The oilfield tools, grouped by the permission level they need.
//!
//! Every tool: title, description a model can act on, annotations, JSON schema with ranges and
//! enums, a compact text rendering and `structuredContent`.

mod admin;
mod admin_exchange;
mod args;
mod delete;
mod read;
pub mod render;
mod write;

use mcp_core::{ToolDef, ToolError};

use crate::app::Oilfield;
use crate::db::DbError;

/// Every tool of the server, in the order clients list them.
pub fn all() -> Vec<ToolDef<Oilfield>> {
    let mut tools = read::tools();
    tools.extend(write::tools());
    tools.extend(delete::tools());
    tools.extend(admin::tools());
    tools
}

/// Map a storage error to the tool error a model can act on.
pub(crate) fn db_err(e: DbError) -> ToolError {
    match e {
        DbError::NotFound { .. } => ToolError::NotFound(e.to_string()),
        DbError::Conflict(m) => ToolError::Conflict(m),
        DbError::Invalid(m) => ToolError::InvalidArguments(m),
        DbError::Storage(m) => {
            tracing::error!(error = %m, "storage failure");
            ToolError::Internal("The database failed to answer; the error was logged. Retry shortly.".into())
        }
    }
}

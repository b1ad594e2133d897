//! The benchmark's second reference: the smallest MCP server rmcp allows for the same question,
//! the floor of any rmcp server. One tool, `query_drilling_data` (`well_id`, `limit`, `offset`),
//! answered by the same page query as `examples/bare_reference.rs` (included from there: the
//! store's statements, one row past the page for `next_offset`, no count) on a blocking thread
//! with its own read-only connection; rmcp's Streamable HTTP service, stateless with JSON
//! replies; no auth, no audit, no metrics, no logging, no Host/Origin guard of ours.
//!
//! ```text
//! minimal_rmcp --database target/bench/oilfield-1000x1000.db [--port 0]
//! curl -s localhost:PORT/mcp -H 'content-type: application/json' -H 'accept: application/json, text/event-stream' \
//!   -d '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"query_drilling_data","arguments":{"well_id":"SD-0001","limit":10}}}'
//! ```
//!
//! Binds 127.0.0.1 and prints `Listening on http://...` to stderr.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Result;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, InitializeResult, ListToolsResult,
    PaginatedRequestParams, ServerCapabilities, Tool,
};
use rmcp::service::RequestContext;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use rmcp::{ErrorData, RoleServer, ServerHandler};

#[allow(dead_code)] // only the page query and the argument parsing are used here
#[path = "bare_reference.rs"]
mod bare;

const TOOL: &str = "query_drilling_data";

#[derive(Clone)]
struct Minimal {
    database: Arc<PathBuf>,
    tool: Arc<Tool>,
}

impl Minimal {
    fn new(database: PathBuf) -> Self {
        let schema = serde_json::json!({
            "type": "object",
            "properties": {
                "well_id": {"type": "string", "description": "Well id"},
                "limit": {"type": "integer", "minimum": 1, "maximum": 500, "default": 20},
                "offset": {"type": "integer", "minimum": 0, "default": 0},
            },
            "required": ["well_id"],
            "additionalProperties": false,
        });
        let serde_json::Value::Object(schema) = schema else { unreachable!("an object literal") };
        let tool = Tool::new(TOOL, "Daily drilling reports of a well, newest first, paged.", Arc::new(schema));
        Self { database: Arc::new(database), tool: Arc::new(tool) }
    }
}

fn failed(text: String) -> CallToolResult {
    CallToolResult::error(vec![ContentBlock::text(text)])
}

impl ServerHandler for Minimal {
    fn get_info(&self) -> InitializeResult {
        InitializeResult::new(ServerCapabilities::builder().enable_tools().build())
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult::with_all_items(vec![(*self.tool).clone()]))
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        (name == TOOL).then(|| (*self.tool).clone())
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        if request.name != TOOL {
            return Err(ErrorData::invalid_params(format!("unknown tool {}", request.name), None));
        }
        let arguments = serde_json::Value::Object(request.arguments.unwrap_or_default());
        let q: bare::Query = match serde_json::from_value(arguments) {
            Ok(q) => q,
            Err(e) => return Ok(failed(format!("invalid arguments: {e}")).into()),
        };
        let path = self.database.clone();
        let page = tokio::task::spawn_blocking(move || bare::with_conn(&path, |conn| bare::query(conn, &q))).await;
        Ok(match page {
            Ok(Ok(page)) => match serde_json::to_value(&page) {
                Ok(v) => CallToolResult::structured(v),
                Err(e) => failed(e.to_string()),
            },
            Ok(Err(e)) => failed(e.to_string()),
            Err(e) => failed(e.to_string()),
        }
        .into())
    }
}

#[tokio::main]
async fn main() -> Result<()> {
    let (database, port) = bare::parse_args("minimal_rmcp")?;
    let handler = Minimal::new(database);
    let config = StreamableHttpServerConfig::default().with_legacy_session_mode(false).with_json_response(true);
    let service =
        StreamableHttpService::new(move || Ok(handler.clone()), Arc::new(LocalSessionManager::default()), config);
    let app = axum::Router::new().route_service("/mcp", service);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    eprintln!("Listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}

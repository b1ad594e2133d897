//! Shared core of the MCP server suite: transports (stdio, Streamable HTTP, legacy SSE), layered
//! config, auth, caller identity, tool surface controls, telemetry and graceful shutdown.
//!
//! A server crate implements [`App`] (its tools, its config section, its readiness check and, if
//! needed, a permission policy) and calls [`main`].
pub mod app;
pub mod auth;
pub mod cli;
pub mod config;
pub mod downloads;
pub mod identity;
pub mod net;
pub mod readiness;
pub mod resources;
pub mod run;
pub mod server;
pub mod telemetry;
pub mod testing;
pub mod tools;
pub mod transport;
pub mod upstream;

pub use app::{App, AuditRecord, BuildContext, CredentialSource, Denial, NoCommand, NoFlags, Readiness, ReadyState};
pub use identity::{Caller, Principal, Secret, TransportKind};
pub use run::main;
pub use tools::{Hints, ToolContext, ToolDef, ToolError, ToolOutput};

//! mcp-rocketmq through real MCP clients (Streamable HTTP, legacy SSE, stdio) against the
//! Volcengine stand-in of test-support, which verifies every request's signature.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod binary;
mod common;
mod config;
mod credentials;
mod errors;
mod stdio;
mod surface;

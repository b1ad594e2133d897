//! Integration tests of mcp-oilfield through real MCP clients over loopback HTTP and the real binary.
#![allow(clippy::unwrap_used)]

mod binary;
mod common;
mod deploy;
mod exports;
mod logs;
mod permissions;
mod surface;
mod tools_admin;
mod tools_read;
mod tools_write;

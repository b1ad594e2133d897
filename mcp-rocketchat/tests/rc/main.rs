//! mcp-rocketchat through real MCP clients (Streamable HTTP and stdio, in process) against the
//! stand-in Rocket.Chat of test-support.
#![allow(clippy::unwrap_used)]

mod binary;
mod common;
mod config;
mod credentials;
mod etiquette;
mod ready;
mod safety;
mod stdio;
mod surface;
mod tools;
mod wait;

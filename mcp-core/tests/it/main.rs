//! Integration tests of mcp-core: one binary, several modules (keeps link time down).
#![allow(clippy::unwrap_used)]

mod common;
mod compat;
mod config;
mod credentials;
mod hardening;
mod http_matrix;
mod identity;
mod oauth;
mod resources;
mod sse;
mod stdio;
mod surface;
mod upstream;

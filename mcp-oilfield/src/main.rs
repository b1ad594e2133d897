//! `mcp-oilfield`: drilling data over MCP with per-request role-based permissions.

use std::process::ExitCode;

/// mimalloc: see the workspace manifest for why.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    mcp_core::main::<mcp_oilfield::app::Oilfield>()
}

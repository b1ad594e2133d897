//! `mcp-oilfield`: drilling data over MCP with per-request role-based permissions.

use std::process::ExitCode;

fn main() -> ExitCode {
    mcp_core::main::<mcp_oilfield::app::Oilfield>()
}

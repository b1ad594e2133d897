//! `mcp-rocketchat`: Rocket.Chat over MCP (stdio, Streamable HTTP, SSE).

fn main() -> std::process::ExitCode {
    mcp_core::main::<mcp_rocketchat::app::RocketChat>()
}

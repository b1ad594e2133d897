//! `mcp-rocketchat`: Rocket.Chat over MCP (stdio, Streamable HTTP, SSE).

/// mimalloc: see the workspace manifest for why.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    mcp_core::main::<mcp_rocketchat::app::RocketChat>()
}

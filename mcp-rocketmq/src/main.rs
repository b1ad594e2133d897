//! `mcp-rocketmq`: Volcengine RocketMQ inventory and risk inspection over MCP.

/// mimalloc: see the workspace manifest for why.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    mcp_core::main::<mcp_rocketmq::app::RocketMq>()
}

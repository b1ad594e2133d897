//! `mcp-rocketmq`: Volcengine RocketMQ inventory and risk inspection over MCP.

fn main() -> std::process::ExitCode {
    mcp_core::main::<mcp_rocketmq::app::RocketMq>()
}

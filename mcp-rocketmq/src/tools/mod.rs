//! The tools: one per [`crate::action::Action`]. For now only their arguments (the wiring to the
//! MCP core comes with the upstream client).

pub mod args;

//! Shared core of the MCP server suite.
pub mod identity;
pub mod tools;

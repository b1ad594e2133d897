//! Rocket.Chat MCP server: a self-hosted Rocket.Chat in an assistant's hands (read, search,
//! threads, unread triage, post, upload, wait for replies), as each user or one configured account.

pub mod app;
pub mod args;
pub mod client;
pub mod config;
pub mod errors;
pub mod model;
pub mod render;
pub mod rooms;
pub mod safety;
pub mod timebounds;
pub mod tools;

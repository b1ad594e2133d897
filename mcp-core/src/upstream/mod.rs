//! The upstream layer of API-backed servers: one pooled client per upstream, built once before
//! serving from a config block the server embeds ([`UpstreamConfig`]), with retries only where
//! repeating is harmless, rate-limit waits that fit the tool call's deadline, a per-attempt hook
//! for signing, capped response bodies, typed errors and the `mcp_upstream_*` metrics.
//!
//! ```ignore
//! let chat = ctx.upstream(UpstreamName { label: "chat", display: "Chat API" }, "chat", &cfg.upstream)?;
//! let answer = chat.get("api/v1/rooms.info").query("roomName", "general").send(&tool_ctx).await?;
//! let room: RoomInfo = answer.error_for_status(None)?.json()?;
//! ```

mod client;
mod config;
mod response;
mod retry;

pub use client::{AttemptHook, Request, Upstream, UpstreamName};
pub use config::UpstreamConfig;
pub use response::Response;
pub use retry::{RateLimitReset, backoff, retry_after};

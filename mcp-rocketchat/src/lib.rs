//! Rocket.Chat MCP server: the transport-free parts (room and message references, time bounds,
//! response models, rendering, error mapping, safety checks and tool arguments).

pub mod args;
pub mod errors;
pub mod model;
pub mod render;
pub mod rooms;
pub mod safety;
pub mod timebounds;

//! Volcengine RocketMQ MCP server.
//!
//! * [`app`]: the server as an [`mcp_core::App`]; [`config`]: its `rocketmq:` section.
//! * [`client`]: the signed OpenAPI client on the core's upstream client.
//! * [`signer`]: the Volcengine V4 (HMAC-SHA256) request signature.
//! * [`credentials`]: AK/SK/session-token credentials from the environment or a per-request
//!   `Authorization: Bearer base64(JSON)` header.
//! * [`regions`]: the documented regions and the endpoint to call.
//! * [`action`]: the OpenAPI actions this server exposes as tools.
//! * [`tools`]: the tools; [`tools::args`]: their arguments, validation and the JSON body sent.
//! * [`envelope`]: the response envelope (`ResponseMetadata`, `Result`, `Error`).
//! * [`render`]: the compact text of a result for the model.

pub mod action;
pub mod app;
pub mod client;
pub mod config;
pub mod credentials;
pub mod envelope;
pub mod regions;
pub mod render;
pub mod signer;
pub mod tools;

/// The OpenAPI version of every action (`Version=` query parameter).
pub const API_VERSION: &str = "2023-01-01";

/// The service name in the credential scope, as the existing server signs it (`x-service-code`).
///
/// The generated SDK uses `rocketmq` (lower case) instead; both appear in official examples.
pub const SERVICE: &str = "RocketMQ";

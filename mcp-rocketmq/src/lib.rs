//! Volcengine RocketMQ MCP server: the transport-free parts.
//!
//! * [`signer`]: the Volcengine V4 (HMAC-SHA256) request signature.
//! * [`credentials`]: AK/SK/session-token credentials from the environment or a per-request
//!   `Authorization: Bearer base64(JSON)` header.
//! * [`regions`]: the documented regions and the endpoint to call.
//! * [`action`]: the OpenAPI actions this server exposes as tools.
//! * [`tools::args`]: each tool's arguments, their validation and the JSON body sent.
//! * [`envelope`]: the response envelope (`ResponseMetadata`, `Result`, `Error`).
//! * [`render`]: the compact text of a result for the model.

pub mod action;
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

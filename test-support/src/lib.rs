//! Shared test helpers.
pub mod jwks;

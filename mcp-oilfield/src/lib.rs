//! Oilfield drilling data: storage, domain rules and data exchange for the oilfield MCP server.
//!
//! - [`domain`]: well ids, date expressions, validation ranges, well and report types.
//! - [`db`]: the SQLite store (`Store`) with scoped reads and writes, statistics and audit log.
//! - [`demo`]: deterministic demo data and a bulk seeder.
//! - [`import`] / [`export`]: CSV import (all-or-nothing) and streaming CSV/JSON export.

pub mod db;
pub mod demo;
pub mod domain;
pub mod export;
pub mod exports;
pub mod import;
// tool layer modules are declared below
pub mod app;
mod audit_pruner;
mod audit_writer;
mod background;
pub mod config;
pub mod plot;
pub mod rbac;
pub mod tools;

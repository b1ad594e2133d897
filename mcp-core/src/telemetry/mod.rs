//! Logs (tracing to stderr) and Prometheus metrics.

mod logging;
mod metrics;

pub use logging::{Escaped, init_logging};
pub use metrics::{Metrics, Outcome};

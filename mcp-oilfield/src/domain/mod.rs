//! Domain rules of drilling data that do not need the database: well identifiers, date expressions,
//! value ranges and the shapes of wells and daily reports.

pub mod dates;
pub mod ids;
pub mod report;
pub mod validation;
pub mod well;

pub use dates::{parse_date, parse_date_range, parse_iso_date, serde_date, serde_opt_date};
pub use ids::{closest_ids_for, normalize_well_id};
pub use report::{DailyReport, NewReport, ReportPatch};
pub use validation::{validate_new_report, validate_new_well};
pub use well::{NewWell, Well, WellPatch, WellStatus, WellSummary, WellType};

/// A rule of the domain was broken by an input value. The message is meant for the end user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    /// A well identifier could not be understood.
    #[error("{0}")]
    WellId(String),
    /// A date or date range could not be understood.
    #[error("{0}")]
    Date(String),
    /// One or more values are out of range or inconsistent (messages joined with "; ").
    #[error("{}", .0.join("; "))]
    Invalid(Vec<String>),
}

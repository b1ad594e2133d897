//! Wells: the stored record, its listing summary and the inputs that create or change one.

use chrono::NaiveDate;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Trajectory of a well.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum WellType {
    #[default]
    Vertical,
    Directional,
    Horizontal,
}

/// Life-cycle status of a well.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum WellStatus {
    #[default]
    Planned,
    Drilling,
    Completed,
    Suspended,
    Abandoned,
}

macro_rules! text_enum {
    ($ty:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        impl $ty {
            /// Lower-case name as stored and serialised.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text),+ }
            }
            /// Parse the lower-case name (case-insensitive).
            pub fn parse(s: &str) -> Option<Self> {
                match s.trim().to_ascii_lowercase().as_str() { $($text => Some(Self::$variant),)+ _ => None }
            }
            /// All accepted names, for error messages.
            pub fn names() -> &'static str {
                concat!($($text, " "),+).trim_ascii_end()
            }
        }
        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

text_enum!(WellType { Vertical => "vertical", Directional => "directional", Horizontal => "horizontal" });
text_enum!(WellStatus {
    Planned => "planned",
    Drilling => "drilling",
    Completed => "completed",
    Suspended => "suspended",
    Abandoned => "abandoned",
});

/// A well as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Well {
    /// Canonical id, e.g. `ZT-102` or `W001`.
    pub id: String,
    pub name: String,
    pub field: String,
    /// Block, e.g. `Block-A`.
    pub block: String,
    pub well_type: WellType,
    pub status: WellStatus,
    /// Start of drilling.
    pub spud_date: Option<NaiveDate>,
    /// Planned total measured depth, m.
    pub target_depth_m: Option<f64>,
    pub rig: Option<String>,
    pub operator: Option<String>,
    /// Degrees, WGS84.
    pub latitude: Option<f64>,
    /// Degrees, WGS84.
    pub longitude: Option<f64>,
    /// RFC 3339 UTC timestamp.
    pub created_at: String,
    /// RFC 3339 UTC timestamp.
    pub updated_at: String,
}

/// One line of a well listing.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct WellSummary {
    pub id: String,
    pub name: String,
    pub field: String,
    pub block: String,
    pub well_type: WellType,
    pub status: WellStatus,
    pub spud_date: Option<NaiveDate>,
    /// Planned total depth, m.
    pub target_depth_m: Option<f64>,
    /// Measured depth of the latest report, m.
    pub current_depth_m: Option<f64>,
    pub last_report_date: Option<NaiveDate>,
    /// current depth / target depth × 100, rounded to 0.01.
    pub progress_pct: Option<f64>,
}

/// A new well.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWell {
    /// Well id in any case, with or without dash (`zt102` → `ZT-102`, `w-001` → `W001`).
    pub id: String,
    /// Display name.
    pub name: String,
    /// Oil field the well belongs to.
    pub field: String,
    /// Block, e.g. `Block-A`; must be a block the caller may access.
    pub block: String,
    /// vertical (default), directional or horizontal.
    #[serde(default)]
    pub well_type: WellType,
    /// planned (default), drilling, completed, suspended or abandoned.
    #[serde(default)]
    pub status: WellStatus,
    /// Start of drilling (YYYY-MM-DD); reports cannot be dated before it.
    #[serde(default, deserialize_with = "crate::domain::serde_opt_date")]
    pub spud_date: Option<NaiveDate>,
    /// Planned total measured depth in metres (1-7000 m).
    #[serde(default)]
    #[schemars(range(min = 1, max = 7000))]
    pub target_depth_m: Option<f64>,
    /// Drilling rig, e.g. `ZJ70-03`.
    #[serde(default)]
    pub rig: Option<String>,
    /// Operating company.
    #[serde(default)]
    pub operator: Option<String>,
    /// Latitude in degrees (-90..90).
    #[serde(default)]
    #[schemars(range(min = -90, max = 90))]
    pub latitude: Option<f64>,
    /// Longitude in degrees (-180..180).
    #[serde(default)]
    #[schemars(range(min = -180, max = 180))]
    pub longitude: Option<f64>,
}

/// Changes to a well; absent fields are left unchanged (fields cannot be cleared, the id cannot
/// change).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WellPatch {
    /// New display name.
    #[serde(default)]
    pub name: Option<String>,
    /// New oil field.
    #[serde(default)]
    pub field: Option<String>,
    /// New block; must be a block the caller may access.
    #[serde(default)]
    pub block: Option<String>,
    /// vertical, directional or horizontal.
    #[serde(default)]
    pub well_type: Option<WellType>,
    /// planned, drilling, completed, suspended or abandoned.
    #[serde(default)]
    pub status: Option<WellStatus>,
    /// Start of drilling; cannot be later than the well's first report.
    #[serde(default, deserialize_with = "crate::domain::serde_opt_date")]
    pub spud_date: Option<NaiveDate>,
    /// Planned total measured depth in metres (1-7000 m).
    #[serde(default)]
    #[schemars(range(min = 1, max = 7000))]
    pub target_depth_m: Option<f64>,
    /// Drilling rig.
    #[serde(default)]
    pub rig: Option<String>,
    /// Operating company.
    #[serde(default)]
    pub operator: Option<String>,
    /// Latitude in degrees (-90..90).
    #[serde(default)]
    #[schemars(range(min = -90, max = 90))]
    pub latitude: Option<f64>,
    /// Longitude in degrees (-180..180).
    #[serde(default)]
    #[schemars(range(min = -180, max = 180))]
    pub longitude: Option<f64>,
}

impl WellPatch {
    /// True when the patch changes nothing.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// The well with the patch applied (id unchanged).
    pub fn apply(&self, well: &NewWell) -> NewWell {
        let mut w = well.clone();
        macro_rules! set {
            ($($f:ident),*) => { $( if let Some(v) = &self.$f { w.$f = v.clone(); } )* };
        }
        macro_rules! set_opt {
            ($($f:ident),*) => { $( if self.$f.is_some() { w.$f = self.$f.clone(); } )* };
        }
        set!(name, field, block, well_type, status);
        set_opt!(spud_date, target_depth_m, rig, operator, latitude, longitude);
        w
    }
}

impl Well {
    /// The writable part of the well.
    pub fn to_new(&self) -> NewWell {
        NewWell {
            id: self.id.clone(),
            name: self.name.clone(),
            field: self.field.clone(),
            block: self.block.clone(),
            well_type: self.well_type,
            status: self.status,
            spud_date: self.spud_date,
            target_depth_m: self.target_depth_m,
            rig: self.rig.clone(),
            operator: self.operator.clone(),
            latitude: self.latitude,
            longitude: self.longitude,
        }
    }
}

//! SQL fragments shared by the queries (compile-time string literals; values are always bound as
//! parameters, never formatted into SQL).

/// Report columns, in the order `rows::report` reads them (23 columns).
macro_rules! report_cols {
    () => {
        "r.id, r.well_id, r.report_date, r.md_m, r.footage_m, r.bit_type, r.bit_diameter_mm, \
         r.wob_kn, r.rop_m_per_h, r.rotary_rpm, r.torque_knm, r.pump_pressure_mpa, \
         r.flow_rate_lps, r.mud_density_gcc, r.mud_viscosity_s, r.drilling_hours, r.npt_hours, \
         r.npt_reason, r.main_work, r.daily_cost, r.version, r.created_at, r.updated_at"
    };
}

/// Well columns, in the order `rows::well` reads them (14 columns).
macro_rules! well_cols {
    () => {
        "w.id, w.name, w.field, w.block, w.well_type, w.status, w.spud_date, w.target_depth_m, \
         w.rig, w.operator, w.latitude, w.longitude, w.created_at, w.updated_at"
    };
}

/// The caller's scope as a condition on the wells table aliased `w`; binds `:sb` (blocks) and
/// `:sf` (fields), each NULL (unrestricted) or a JSON array of names (case-insensitive).
macro_rules! scope_sql {
    () => {
        "(:sb IS NULL OR lower(w.block) IN (SELECT lower(value) FROM json_each(:sb))) \
         AND (:sf IS NULL OR lower(w.field) IN (SELECT lower(value) FROM json_each(:sf)))"
    };
}

pub(crate) use {report_cols, scope_sql, well_cols};

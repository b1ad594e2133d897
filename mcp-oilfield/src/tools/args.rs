//! Argument pieces shared by several tools.

use chrono::NaiveDate;
use mcp_core::ToolError;

use crate::domain::{parse_date, parse_date_range};

/// Resolve `period` (free form) or `from`/`to` into an inclusive date range.
pub fn period(
    period: Option<&str>,
    from: Option<&str>,
    to: Option<&str>,
    today: NaiveDate,
) -> Result<(Option<NaiveDate>, Option<NaiveDate>), ToolError> {
    let invalid = |e: crate::domain::DomainError| ToolError::InvalidArguments(e.to_string());
    if let Some(p) = period.map(str::trim).filter(|p| !p.is_empty()) {
        if from.is_some() || to.is_some() {
            return Err(ToolError::invalid("give either `period` or `from`/`to`, not both"));
        }
        let (f, t) = parse_date_range(p, today).map_err(invalid)?;
        return Ok((Some(f), Some(t)));
    }
    let from =
        from.map(str::trim).filter(|s| !s.is_empty()).map(|s| parse_date(s, today)).transpose().map_err(invalid)?;
    let to = to.map(str::trim).filter(|s| !s.is_empty()).map(|s| parse_date(s, today)).transpose().map_err(invalid)?;
    if let (Some(f), Some(t)) = (from, to)
        && f > t
    {
        return Err(ToolError::invalid(format!("`from` ({f}) is after `to` ({t})")));
    }
    Ok((from, to))
}

/// Parse a single date (ISO, `today`, `yesterday`).
pub fn date(input: &str, today: NaiveDate) -> Result<NaiveDate, ToolError> {
    parse_date(input.trim(), today).map_err(|e| ToolError::InvalidArguments(e.to_string()))
}

/// Merge an optional single id with a list, rejecting an empty result.
pub fn well_ids(single: Option<String>, many: Vec<String>, min: usize, max: usize) -> Result<Vec<String>, ToolError> {
    let mut ids = many;
    if let Some(one) = single {
        ids.insert(0, one);
    }
    ids.retain(|s| !s.trim().is_empty());
    ids.dedup();
    if ids.len() < min || ids.len() > max {
        return Err(ToolError::invalid(if min == max {
            format!("give exactly {min} well id(s)")
        } else {
            format!("give {min} to {max} well ids (got {})", ids.len())
        }));
    }
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn period_or_bounds() {
        let today = d("2026-03-15");
        assert_eq!(period(None, None, None, today).unwrap(), (None, None));
        assert_eq!(period(None, Some("2026-03-01"), None, today).unwrap(), (Some(d("2026-03-01")), None));
        assert!(period(Some("last 7 days"), Some("2026-03-01"), None, today).is_err());
        assert!(period(None, Some("2026-03-10"), Some("2026-03-01"), today).is_err());
        assert!(period(Some("someday"), None, None, today).is_err());
        let (f, t) = period(Some("last 7 days"), None, None, today).unwrap();
        assert_eq!(t, Some(today));
        assert!(f < t);
    }

    #[test]
    fn well_id_lists() {
        assert_eq!(well_ids(Some("ZT-1".into()), vec!["W001".into()], 1, 10).unwrap(), ["ZT-1", "W001"]);
        assert!(well_ids(None, vec![], 1, 10).is_err());
        assert!(well_ids(None, vec!["a".into()], 2, 10).is_err());
    }
}

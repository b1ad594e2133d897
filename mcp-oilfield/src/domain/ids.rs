//! Well identifiers.
//!
//! # Normalisation rule
//! Users type ids in any case, with or without a separator. An id is a letter prefix (1-6 ASCII
//! letters), a number (1-6 digits) and an optional letter suffix (0-3 letters, e.g. `H` for a
//! horizontal sidetrack). Whitespace around it is ignored, and one `-`, `_` or space between the
//! parts is accepted and dropped. The canonical form is upper case with
//! - a dash between prefix and number when the prefix has two or more letters (`zt102`, `ZT_102`,
//!   ` Zt-102 ` → `ZT-102`; `xy009` → `XY-009`),
//! - no dash when the prefix is a single letter (`w001`, `W-001`, `W001` → `W001`).
//!
//! Digits are kept as typed: leading zeros are significant (`W1` and `W001` are different wells).

use super::DomainError;

const ACCEPTED: &str = "a well id is letters followed by digits, e.g. ZT-102, zt102, XY-009 or W001";

/// Normalise a user-typed well id to its canonical form (see the module docs for the rule).
pub fn normalize_well_id(input: &str) -> Result<String, DomainError> {
    let trimmed = input.trim();
    let bad = || DomainError::WellId(format!("'{}' is not a valid well id: {ACCEPTED}", truncate(trimmed, 40)));
    let mut prefix = String::new();
    let mut digits = String::new();
    let mut suffix = String::new();
    let mut separators = 0;
    for c in trimmed.chars() {
        if c.is_ascii_alphabetic() {
            if digits.is_empty() {
                if separators > 0 {
                    return Err(bad());
                }
                prefix.push(c.to_ascii_uppercase());
            } else {
                suffix.push(c.to_ascii_uppercase());
            }
        } else if c.is_ascii_digit() {
            if !suffix.is_empty() || prefix.is_empty() {
                return Err(bad());
            }
            digits.push(c);
        } else if matches!(c, '-' | '_' | ' ') {
            // Only one separator, and only between the prefix and the number.
            if prefix.is_empty() || !digits.is_empty() || separators > 0 {
                return Err(bad());
            }
            separators += 1;
        } else {
            return Err(bad());
        }
    }
    if !(1..=6).contains(&prefix.len()) || !(1..=6).contains(&digits.len()) || suffix.len() > 3 {
        return Err(bad());
    }
    if prefix.len() == 1 { Ok(format!("{prefix}{digits}{suffix}")) } else { Ok(format!("{prefix}-{digits}{suffix}")) }
}

/// Levenshtein distance between two strings (by chars).
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// Up to `max` candidates closest to `wanted` by edit distance, closest first (ties by id), keeping
/// only those within `max(2, len/2)` edits so that unrelated ids are not suggested.
pub fn closest_ids<'a>(wanted: &str, candidates: impl IntoIterator<Item = &'a str>, max: usize) -> Vec<String> {
    let limit = (wanted.chars().count() / 2).max(2);
    let mut scored: Vec<(usize, &str)> =
        candidates.into_iter().map(|c| (edit_distance(wanted, c), c)).filter(|(d, _)| *d <= limit).collect();
    scored.sort_unstable();
    scored.into_iter().take(max).map(|(_, c)| c.to_string()).collect()
}

/// Up to 3 suggestions for `wanted` among `ids` (see [`closest_ids`]).
pub fn closest_ids_for(wanted: &str, ids: &[String]) -> Vec<String> {
    closest_ids(wanted, ids.iter().map(String::as_str), 3)
}

pub(crate) fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max).collect();
        t.push('…');
        t
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn normalises_multi_letter_prefixes_with_a_dash() {
        for input in ["zt102", "ZT-102", "zt-102", " Zt_102 ", "ZT 102"] {
            assert_eq!(normalize_well_id(input).unwrap(), "ZT-102", "{input}");
        }
        assert_eq!(normalize_well_id("xy009").unwrap(), "XY-009");
        assert_eq!(normalize_well_id("zt-102h").unwrap(), "ZT-102H");
    }

    #[test]
    fn single_letter_prefix_has_no_dash() {
        for input in ["w001", "W-001", "W001", " w_001"] {
            assert_eq!(normalize_well_id(input).unwrap(), "W001", "{input}");
        }
        assert_ne!(normalize_well_id("W1").unwrap(), "W001");
    }

    #[test]
    fn rejects_malformed_ids() {
        for input in [
            "",
            "102",
            "ZT-",
            "ZT--102",
            "ZT-1-02",
            "Z T102x1",
            "ZT102;DROP",
            "Z T102",
            "ABCDEFG1",
            "ZT-1234567",
            "ZT-102ABCD",
            "井-102",
        ] {
            let err = normalize_well_id(input).unwrap_err();
            assert!(err.to_string().contains("not a valid well id"), "{input}: {err}");
        }
    }

    #[test]
    fn edit_distance_basics() {
        assert_eq!(edit_distance("ZT-102", "ZT-102"), 0);
        assert_eq!(edit_distance("ZT-102", "ZT-105"), 1);
        assert_eq!(edit_distance("ZT-999", "ZT-102"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn closest_ids_are_ranked_and_bounded() {
        let ids = ["ZT-101", "ZT-102", "ZT-105", "XY-009", "W001"];
        assert_eq!(closest_ids("ZT-103", ids, 3), vec!["ZT-101", "ZT-102", "ZT-105"]);
        assert_eq!(closest_ids("XY-008", ids, 3), vec!["XY-009"]);
        assert!(closest_ids("QQ-777777", ids, 3).is_empty());
    }
}

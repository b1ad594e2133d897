//! Keyset continuation of report listings and of the audit log: the opaque `next_cursor` of a
//! page.
//!
//! A cursor names the last row of a page by its key, `(report_date, well_id)` (unique among
//! active reports) or, in the audit log, `(ts, id)`, with the offset the next page starts at and
//! a fingerprint of the query (wells, date range, order; the audit filters). The next page is
//! then found by seeking past that key on the indexes, instead of stepping over every row before
//! it as `OFFSET` does; and rows added before the key since do not shift it.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::NaiveDate;

use super::DbError;

/// Where the next page of a report listing starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Cursor {
    /// Offset of the first row of the next page (what `next_offset` said).
    pub offset: u64,
    /// Key of the previous page's last row.
    pub date: NaiveDate,
    pub well_id: String,
    /// [`fingerprint`] of the query it continues.
    pub query: u64,
}

const VERSION: &str = "r1";

impl Cursor {
    /// The opaque text handed to the client.
    pub fn encode(&self) -> String {
        seal(VERSION, self.offset, &self.date.to_string(), self.query, &self.well_id)
    }

    /// The offset a cursor text continues at, if it is one (for rendering a page).
    pub fn peek_offset(text: &str) -> Option<u64> {
        open(text, VERSION).map(|(offset, ..)| offset)
    }

    /// Read a cursor back; it must continue the query with fingerprint `query`.
    pub fn decode(text: &str, query: u64) -> Result<Cursor, DbError> {
        let bad = || {
            DbError::Invalid(
                "cursor is not a next_cursor of this listing; pass the next_cursor of the previous page \
                 unchanged, or page with offset instead"
                    .into(),
            )
        };
        let (offset, date, fp, well_id) = open(text, VERSION).ok_or_else(bad)?;
        let date = date.parse().map_err(|_| bad())?;
        if fp != query {
            return Err(DbError::Invalid(
                "cursor belongs to a different query (wells, dates or order changed); start again \
                 without a cursor, or page with offset"
                    .into(),
            ));
        }
        Ok(Cursor { offset, date, well_id, query })
    }
}

/// The opaque text of a cursor: `version|offset|key|query|tail`, base64url.
fn seal(version: &str, offset: u64, key: &str, query: u64, tail: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{version}|{offset}|{key}|{query:016x}|{tail}"))
}

/// The fields of a cursor text of `version` (offset, key, query, tail), if it is one.
fn open(text: &str, version: &str) -> Option<(u64, String, u64, String)> {
    let raw = String::from_utf8(URL_SAFE_NO_PAD.decode(text.trim()).ok()?).ok()?;
    let mut parts = raw.splitn(5, '|');
    (parts.next()? == version).then_some(())?;
    let offset = parts.next()?.parse().ok()?;
    let key = parts.next()?.to_string();
    let query = u64::from_str_radix(parts.next()?, 16).ok()?;
    let tail = parts.next().filter(|t| !t.is_empty())?.to_string();
    Some((offset, key, query, tail))
}

/// Stable 64-bit FNV-1a fingerprint of a query's shape: resolved well ids, bounds and order.
pub(crate) fn fingerprint(well_ids: &[&str], from: &str, to: &str, desc: bool) -> u64 {
    let order = if desc { "desc" } else { "asc" };
    fnv(well_ids.iter().copied().chain([from, to, order]))
}

/// FNV-1a over texts, each ended by a NUL (so `["ab", "c"]` and `["a", "bc"]` differ).
fn fnv<'a>(parts: impl IntoIterator<Item = &'a str>) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for b in part.as_bytes().iter().chain(std::iter::once(&0u8)) {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    h
}

/// Where the next page of the audit log starts: the last entry of a page by `(ts, id)` (the
/// order of the listing, newest first), the offset the next page starts at, and a fingerprint of
/// the filters. New entries arriving at the head of the log do not move it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AuditCursor {
    pub offset: u64,
    /// `ts` of the previous page's last entry, as stored.
    pub ts: String,
    pub id: i64,
    pub query: u64,
}

const AUDIT_VERSION: &str = "a1";

impl AuditCursor {
    pub fn encode(&self) -> String {
        seal(AUDIT_VERSION, self.offset, &self.id.to_string(), self.query, &self.ts)
    }

    /// Read a cursor back; it must continue the filters with fingerprint `query`.
    pub fn decode(text: &str, query: u64) -> Result<AuditCursor, DbError> {
        let bad = || {
            DbError::Invalid(
                "cursor is not a next_cursor of query_audit_log; pass the next_cursor of the previous page \
                 unchanged, or page with offset instead"
                    .into(),
            )
        };
        let (offset, id, fp, ts) = open(text, AUDIT_VERSION).ok_or_else(bad)?;
        let id = id.parse().map_err(|_| bad())?;
        if fp != query {
            return Err(DbError::Invalid(
                "cursor belongs to different filters (caller, tool, outcome or period changed); start \
                 again without a cursor, or page with offset"
                    .into(),
            ));
        }
        Ok(AuditCursor { offset, ts, id, query })
    }
}

/// Fingerprint of an audit listing's filters (as bound: `None` is not `""`).
pub(crate) fn audit_fingerprint(
    caller: Option<&str>,
    tool: Option<&str>,
    outcome: Option<&str>,
    from: &str,
    to: &str,
) -> u64 {
    let opt = |v: Option<&str>| v.map_or_else(|| "\u{1}none".to_string(), |v| format!("={v}"));
    fnv([opt(caller).as_str(), opt(tool).as_str(), opt(outcome).as_str(), from, to])
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_other_queries_and_garbage() {
        let fp = fingerprint(&["ZT-102"], "0000-01-01", "9999-12-31", true);
        let c = Cursor {
            offset: 40,
            date: NaiveDate::from_ymd_opt(2026, 3, 4).unwrap(),
            well_id: "ZT-102".into(),
            query: fp,
        };
        let text = c.encode();
        assert_eq!(Cursor::decode(&text, fp).unwrap(), c);
        let other = fingerprint(&["ZT-102"], "0000-01-01", "9999-12-31", false);
        assert_ne!(fp, other);
        assert!(Cursor::decode(&text, other).unwrap_err().to_string().contains("different query"));
        for garbage in ["", "abc", "%%%", &URL_SAFE_NO_PAD.encode("r1|x|2026-03-04|00|ZT-102")] {
            assert!(Cursor::decode(garbage, fp).is_err(), "{garbage}");
        }
    }

    #[test]
    fn audit_cursors_round_trip_and_refuse_other_filters_and_listing_cursors() {
        let fp = audit_fingerprint(Some("eve"), None, None, "0000", "9999");
        let c = AuditCursor { offset: 20, ts: "2026-03-04T05:06:07.890Z".into(), id: 77, query: fp };
        assert_eq!(AuditCursor::decode(&c.encode(), fp).unwrap(), c);
        let other = audit_fingerprint(Some("eve"), Some(""), None, "0000", "9999");
        assert_ne!(fp, other, "an empty filter is not no filter");
        assert!(AuditCursor::decode(&c.encode(), other).unwrap_err().to_string().contains("different filters"));
        let listing = Cursor {
            offset: 40,
            date: NaiveDate::from_ymd_opt(2026, 3, 4).unwrap(),
            well_id: "ZT-102".into(),
            query: fp,
        };
        assert!(AuditCursor::decode(&listing.encode(), fp).is_err());
        assert!(Cursor::decode(&c.encode(), fp).is_err());
    }
}

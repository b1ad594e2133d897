//! Keyset continuation of report listings: the opaque `next_cursor` of a page.
//!
//! A cursor names the last row of a page by its key, `(report_date, well_id)` (unique among
//! active reports), with the offset the next page starts at and a fingerprint of the query
//! (wells, date range, order). The next page is then found by seeking past that key on the
//! report indexes, instead of stepping over every row before it as `OFFSET` does.

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
        URL_SAFE_NO_PAD.encode(format!("{VERSION}|{}|{}|{:016x}|{}", self.offset, self.date, self.query, self.well_id))
    }

    /// The offset a cursor text continues at, if it is one (for rendering a page).
    pub fn peek_offset(text: &str) -> Option<u64> {
        let raw = String::from_utf8(URL_SAFE_NO_PAD.decode(text.trim()).ok()?).ok()?;
        let mut parts = raw.splitn(3, '|');
        (parts.next() == Some(VERSION)).then_some(())?;
        parts.next()?.parse().ok()
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
        let raw = URL_SAFE_NO_PAD.decode(text.trim()).map_err(|_| bad())?;
        let raw = String::from_utf8(raw).map_err(|_| bad())?;
        let mut parts = raw.splitn(5, '|');
        if parts.next() != Some(VERSION) {
            return Err(bad());
        }
        let offset = parts.next().and_then(|p| p.parse().ok()).ok_or_else(bad)?;
        let date = parts.next().and_then(|p| p.parse().ok()).ok_or_else(bad)?;
        let fp = parts.next().and_then(|p| u64::from_str_radix(p, 16).ok()).ok_or_else(bad)?;
        let well_id = parts.next().filter(|w| !w.is_empty()).ok_or_else(bad)?.to_string();
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

/// Stable 64-bit FNV-1a fingerprint of a query's shape: resolved well ids, bounds and order.
pub(crate) fn fingerprint(well_ids: &[&str], from: &str, to: &str, desc: bool) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for b in bytes.iter().chain(std::iter::once(&0u8)) {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    };
    for id in well_ids {
        eat(id.as_bytes());
    }
    eat(from.as_bytes());
    eat(to.as_bytes());
    eat(if desc { b"desc" } else { b"asc" });
    h
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
}

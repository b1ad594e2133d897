//! Keyset continuation behind plain `offset`s.
//!
//! `OFFSET n` makes SQLite step over `n` index entries before the page. To keep a deep page by
//! `offset` from costing a walk over everything before it, the store remembers, per listing, the
//! key of the row just before an offset it has answered or handed out as `next_offset` (a
//! *mark*). A later call at that offset seeks past the key instead; a call at another offset
//! seeks past the nearest mark below it and steps only over the rows in between.
//!
//! A mark is only as good as the data it was read from, so each listing's marks carry the
//! *positions token* of the snapshot they were read in: the database's `listing_epoch` (bumped by
//! every change of a well) and the sum of the listed wells' `change_seq` (bumped by every change
//! of their active reports that can move a row), both kept by triggers in the same transaction
//! as the change, so writes by any connection or process count. Both only go up, so an equal
//! token means the same rows in the same order, and the page read through a mark is the page
//! `OFFSET` would have read. A different token drops the listing's marks.
//!
//! Memory is bounded: at most [`MAX_MARKS_PER_LISTING`] marks per listing (the lowest offsets go
//! first: they are the cheapest to step over again) and [`MAX_MARKS`] in all (past it, the least
//! recently used listings go, down to seven eighths of it).

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

use chrono::NaiveDate;

/// Marks kept for one listing.
pub(crate) const MAX_MARKS_PER_LISTING: usize = 256;
/// Marks kept in all (about 100 bytes each).
pub(crate) const MAX_MARKS: usize = 8_192;
/// Marks left after an eviction.
const EVICT_TO: usize = MAX_MARKS - MAX_MARKS / 8;

/// What a listing is: its resolved wells (empty: all in scope), date range, order and the
/// caller's scope (which decides the wells of an all-wells listing).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Listing {
    pub wells: Vec<String>,
    pub from: String,
    pub to: String,
    pub desc: bool,
    pub scope: (Option<String>, Option<String>),
}

/// `(listing_epoch, sum of change_seq)` of a listing's wells, read in the page's snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PositionsToken(pub i64, pub i64);

/// Key of a row in a report listing, unique among active reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RowKey {
    pub date: NaiveDate,
    pub well_id: String,
}

struct ListingMarks {
    token: PositionsToken,
    /// offset → key of the row at `offset - 1`.
    marks: BTreeMap<u64, RowKey>,
    used: u64,
}

#[derive(Default)]
struct State {
    listings: HashMap<Listing, ListingMarks>,
    marks: usize,
    tick: u64,
}

impl State {
    /// Drop the least recently used listings until [`EVICT_TO`] marks are left: one sort of the
    /// listings per eviction, which then frees room for many records (not one scan per record).
    fn evict(&mut self) {
        let mut by_use: Vec<(u64, Listing)> = self.listings.iter().map(|(l, m)| (m.used, l.clone())).collect();
        by_use.sort_unstable_by_key(|(used, _)| *used);
        for (_, listing) in by_use {
            if self.marks <= EVICT_TO {
                break;
            }
            if let Some(gone) = self.listings.remove(&listing) {
                self.marks -= gone.marks.len();
            }
        }
    }
}

/// The marks of all listings (shared by every read connection of a store).
#[derive(Default)]
pub(crate) struct OffsetMarks {
    state: Mutex<State>,
    hits: AtomicU64,
}

impl OffsetMarks {
    /// The nearest mark at or below `offset` (above 0) for `listing`, if its token still holds.
    pub fn floor(&self, listing: &Listing, token: PositionsToken, offset: u64) -> Option<(u64, RowKey)> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.tick += 1;
        let tick = state.tick;
        let entry = state.listings.get_mut(listing)?;
        if entry.token != token {
            return None;
        }
        entry.used = tick;
        let (at, key) = entry.marks.range(1..=offset).next_back()?;
        self.hits.fetch_add(1, Ordering::Relaxed);
        Some((*at, key.clone()))
    }

    /// Remember that the row before `offset` in `listing` (read under `token`) is `key`.
    pub fn record(&self, listing: &Listing, token: PositionsToken, offset: u64, key: RowKey) {
        if offset == 0 {
            return;
        }
        let mut guard = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let state = &mut *guard;
        state.tick += 1;
        let tick = state.tick;
        let (added, dropped) = match state.listings.get_mut(listing) {
            Some(entry) => {
                let mut dropped = 0;
                if entry.token != token {
                    dropped = entry.marks.len();
                    entry.marks.clear();
                    entry.token = token;
                }
                entry.used = tick;
                let added = usize::from(entry.marks.insert(offset, key).is_none());
                if entry.marks.len() > MAX_MARKS_PER_LISTING {
                    entry.marks.pop_first();
                    dropped += 1;
                }
                (added, dropped)
            }
            None => {
                let marks = BTreeMap::from([(offset, key)]);
                state.listings.insert(listing.clone(), ListingMarks { token, marks, used: tick });
                (1, 0)
            }
        };
        state.marks = state.marks + added - dropped;
        if state.marks > MAX_MARKS {
            state.evict();
        }
    }

    /// How many pages were read through a mark (for tests and diagnostics).
    pub fn hits(&self) -> u64 {
        self.hits.load(Ordering::Relaxed)
    }

    /// Marks held in all.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.state.lock().unwrap_or_else(PoisonError::into_inner).marks
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn listing(well: &str) -> Listing {
        Listing {
            wells: vec![well.into()],
            from: "0000-01-01".into(),
            to: "9999-12-31".into(),
            desc: true,
            scope: (None, None),
        }
    }

    fn key(day: u32) -> RowKey {
        RowKey { date: NaiveDate::from_ymd_opt(2020, 1, day).unwrap(), well_id: "W".into() }
    }

    #[test]
    fn finds_the_nearest_mark_below_and_only_under_the_same_token() {
        let marks = OffsetMarks::default();
        let (l, t) = (listing("W"), PositionsToken(1, 10));
        marks.record(&l, t, 10, key(1));
        marks.record(&l, t, 20, key(2));
        marks.record(&l, t, 0, key(3)); // offset 0 needs no mark
        assert_eq!(marks.len(), 2);
        assert_eq!(marks.floor(&l, t, 20), Some((20, key(2))));
        assert_eq!(marks.floor(&l, t, 25), Some((20, key(2))));
        assert_eq!(marks.floor(&l, t, 19), Some((10, key(1))));
        assert_eq!(marks.floor(&l, t, 9), None);
        assert_eq!(marks.floor(&l, PositionsToken(1, 11), 20), None, "a write to the well");
        assert_eq!(marks.floor(&l, PositionsToken(2, 10), 20), None, "a change of the wells");
        assert_eq!(marks.floor(&listing("X"), t, 20), None, "another listing");
        let mut other_scope = l.clone();
        other_scope.scope = (Some("[\"A\"]".into()), None);
        assert_eq!(marks.floor(&other_scope, t, 20), None, "another scope");
        assert_eq!(marks.hits(), 3);
        // A record under a new token replaces the listing's marks.
        marks.record(&l, PositionsToken(1, 11), 30, key(4));
        assert_eq!(marks.len(), 1);
        assert_eq!(marks.floor(&l, t, 30), None);
        assert_eq!(marks.floor(&l, PositionsToken(1, 11), 30), Some((30, key(4))));
    }

    #[test]
    fn memory_stays_bounded_per_listing_and_in_all() {
        let marks = OffsetMarks::default();
        let (l, t) = (listing("W"), PositionsToken(0, 0));
        for i in 1..=(MAX_MARKS_PER_LISTING as u64 + 10) {
            marks.record(&l, t, i * 10, key(1));
        }
        assert_eq!(marks.len(), MAX_MARKS_PER_LISTING);
        assert_eq!(marks.floor(&l, t, 100), None, "the lowest offsets went first");
        assert!(marks.floor(&l, t, (MAX_MARKS_PER_LISTING as u64 + 10) * 10).is_some());
        for w in 0..(MAX_MARKS / MAX_MARKS_PER_LISTING + 5) {
            let lw = listing(&format!("W{w}"));
            for i in 1..=MAX_MARKS_PER_LISTING as u64 {
                marks.record(&lw, t, i, key(1));
            }
        }
        assert!(marks.len() <= MAX_MARKS, "{}", marks.len());
        assert!(
            marks.len() >= EVICT_TO - MAX_MARKS_PER_LISTING,
            "an eviction keeps the recent listings: {}",
            marks.len()
        );
        assert!(marks.floor(&listing("W0"), t, 5).is_none(), "the least recently used listing went first");
        assert!(marks.floor(&listing(&format!("W{}", MAX_MARKS / MAX_MARKS_PER_LISTING + 4)), t, 5).is_some());
    }
}

//! Who owns each session, and which JSON-RPC request ids are in flight in it.
//!
//! A session belongs to the credential that opened it (bearer key name, OAuth subject, or
//! `anonymous` under `auth: none`); any other credential presenting its id is answered 404, as if
//! the session did not exist. Within a session, a request id is in use from the request until its
//! response: a second request reusing it is refused, because rmcp routes responses by id and the
//! two callers would otherwise receive each other's results.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crate::identity::Caller;

/// Most requests one session may have in flight at once (bounds the per-session id set).
pub(crate) const MAX_IN_FLIGHT_PER_SESSION: usize = 256;

/// The owner key of a caller: the authenticated subject, or `anonymous`.
pub(crate) fn owner_key(caller: &Caller) -> String {
    caller.principal.as_ref().map_or_else(|| "anonymous".to_owned(), |p| p.subject.clone())
}

/// What a session id means to one caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    /// Not a session we recorded (unknown, expired, or never opened).
    Unknown,
    /// The caller owns the session.
    Owner,
    /// Another credential's session.
    Foreign,
}

/// Why a request was not let into a session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// The id is already used by a request in flight.
    Duplicate,
    /// The session has [`MAX_IN_FLIGHT_PER_SESSION`] requests in flight.
    TooMany,
}

impl Refusal {
    /// JSON-RPC error message, naming the request id (`request_id` is its JSON text, so already
    /// quoted and escaped when a string; shown up to 64 characters).
    pub(crate) fn message(&self, request_id: &str) -> String {
        let shown = match request_id.char_indices().nth(64) {
            Some((cut, _)) => format!("{}…", request_id.get(..cut).unwrap_or_default()),
            None => request_id.to_owned(),
        };
        match self {
            Self::Duplicate => format!(
                "Invalid Request: request id {shown} is already in use in this session; wait for its response or use a new id"
            ),
            Self::TooMany => format!(
                "Too many requests in flight in this session (at most {MAX_IN_FLIGHT_PER_SESSION}); wait for responses before sending more"
            ),
        }
    }
}

/// SHA-256 of a request id's JSON text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct IdDigest([u8; 32]);

impl IdDigest {
    fn of(request_id: &str) -> Self {
        use sha2::Digest as _;
        Self(sha2::Sha256::digest(request_id.as_bytes()).into())
    }
}

#[derive(Debug, Default)]
struct Session {
    owner: String,
    /// Digests of the ids (an id may be a long string: the set stays small whatever the client sends).
    in_flight: HashSet<IdDigest>,
}

#[derive(Debug, Default)]
struct Inner {
    sessions: HashMap<String, Session>,
    /// Sessions being created (initialize in progress): they count against the cap.
    pending: usize,
}

/// The owners and in-flight request ids of one transport's sessions.
#[derive(Debug)]
pub(crate) struct SessionOwners {
    inner: Mutex<Inner>,
    max: usize,
}

impl SessionOwners {
    /// At most `max` sessions (counted by [`SessionOwners::reserve`]).
    pub(crate) fn new(max: usize) -> Self {
        Self { inner: Mutex::new(Inner::default()), max }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// What `session` means to `owner`.
    pub(crate) fn access(&self, session: &str, owner: &str) -> Access {
        match self.lock().sessions.get(session) {
            None => Access::Unknown,
            Some(s) if s.owner == owner => Access::Owner,
            Some(_) => Access::Foreign,
        }
    }

    /// Record the owner of a new session.
    pub(crate) fn record(&self, session: &str, owner: String) {
        self.lock().sessions.insert(session.to_owned(), Session { owner, in_flight: HashSet::new() });
    }

    /// Forget a session that ended.
    pub(crate) fn forget(&self, session: &str) {
        self.lock().sessions.remove(session);
    }

    /// Number of recorded sessions.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.lock().sessions.len()
    }

    /// Reserve room for one new session: first forget the sessions `live` no longer knows, then
    /// refuse (`None`) when the recorded plus pending sessions reach the cap.
    pub(crate) fn reserve(self: &Arc<Self>, live: impl Fn(&str) -> bool) -> Option<Reservation> {
        let mut inner = self.lock();
        inner.sessions.retain(|id, _| live(id));
        if inner.sessions.len() + inner.pending >= self.max {
            return None;
        }
        inner.pending += 1;
        Some(Reservation(self.clone()))
    }

    /// Mark `request_id` in flight in `session`.
    pub(crate) fn begin(&self, session: &str, request_id: &str) -> Result<(), Refusal> {
        let mut inner = self.lock();
        let Some(s) = inner.sessions.get_mut(session) else { return Ok(()) };
        let digest = IdDigest::of(request_id);
        if s.in_flight.contains(&digest) {
            return Err(Refusal::Duplicate);
        }
        if s.in_flight.len() >= MAX_IN_FLIGHT_PER_SESSION {
            return Err(Refusal::TooMany);
        }
        s.in_flight.insert(digest);
        Ok(())
    }

    /// The response to `request_id` has been sent (or its stream is gone).
    pub(crate) fn end(&self, session: &str, request_id: &str) {
        if let Some(s) = self.lock().sessions.get_mut(session) {
            s.in_flight.remove(&IdDigest::of(request_id));
        }
    }

    /// [`SessionOwners::begin`], ended when the returned guard drops.
    pub(crate) fn begin_guarded(self: &Arc<Self>, session: &str, request_id: &str) -> Result<InFlightGuard, Refusal> {
        self.begin(session, request_id)?;
        Ok(InFlightGuard { owners: self.clone(), session: session.to_owned(), request_id: request_id.to_owned() })
    }
}

/// A slot for a session being created; released on drop.
pub(crate) struct Reservation(Arc<SessionOwners>);

impl Drop for Reservation {
    fn drop(&mut self) {
        let mut inner = self.0.lock();
        inner.pending = inner.pending.saturating_sub(1);
    }
}

/// Ends an in-flight request id when dropped.
pub(crate) struct InFlightGuard {
    owners: Arc<SessionOwners>,
    session: String,
    request_id: String,
}

impl Drop for InFlightGuard {
    fn drop(&mut self) {
        self.owners.end(&self.session, &self.request_id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owners_and_foreigners() {
        let o = Arc::new(SessionOwners::new(2));
        o.record("s1", "alice".into());
        assert_eq!(o.access("s1", "alice"), Access::Owner);
        assert_eq!(o.access("s1", "bob"), Access::Foreign);
        assert_eq!(o.access("s2", "bob"), Access::Unknown);
        o.forget("s1");
        assert_eq!(o.access("s1", "alice"), Access::Unknown);
    }

    #[test]
    fn reserve_counts_pending_and_prunes_dead_sessions() {
        let o = Arc::new(SessionOwners::new(2));
        o.record("s1", "a".into());
        let r = o.reserve(|_| true).unwrap();
        assert!(o.reserve(|_| true).is_none(), "one recorded + one pending = the cap");
        drop(r);
        let _r = o.reserve(|_| true).unwrap();
        // s1 ended in rmcp: pruned, so there is room again
        assert!(o.reserve(|id| id != "s1").is_some());
        assert_eq!(o.len(), 0);
    }

    #[test]
    fn request_ids_are_exclusive_while_in_flight() {
        let o = Arc::new(SessionOwners::new(2));
        o.record("s", "a".into());
        let g = o.begin_guarded("s", "1").ok().unwrap();
        assert_eq!(o.begin("s", "1"), Err(Refusal::Duplicate));
        assert_eq!(o.begin("s", "\"1\""), Ok(()), "the string id \"1\" is another id");
        drop(g);
        assert_eq!(o.begin("s", "1"), Ok(()));
        for i in 2..MAX_IN_FLIGHT_PER_SESSION + 5 {
            let r = o.begin("s", &i.to_string());
            assert_eq!(r.is_ok(), i < MAX_IN_FLIGHT_PER_SESSION, "{i}");
        }
    }
}

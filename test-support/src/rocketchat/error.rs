//! The error envelopes of the Rocket.Chat REST API (rocketchat.md §3 "Envelope").

use http::StatusCode;
use serde_json::{Value, json};

use super::RcVersion;

/// A non-2xx answer: its status and its JSON body (`success:false` included).
#[derive(Debug, Clone)]
pub(crate) struct ApiError {
    pub(crate) status: StatusCode,
    pub(crate) body: Value,
}

impl ApiError {
    /// A thrown `Meteor.Error(err, reason)`: 400 `{error:"<reason> [<err>]", errorType:<err>}`;
    /// without a reason the message is just `[<err>]`.
    pub(crate) fn meteor(err: &str, reason: &str) -> ApiError {
        let error = if reason.is_empty() { format!("[{err}]") } else { format!("{reason} [{err}]") };
        ApiError { status: StatusCode::BAD_REQUEST, body: json!({"success": false, "error": error, "errorType": err}) }
    }

    /// [`meteor`](Self::meteor) with `details`.
    pub(crate) fn meteor_details(err: &str, reason: &str, details: Value) -> ApiError {
        let mut e = ApiError::meteor(err, reason);
        e.body["details"] = details;
        e
    }

    /// `API.v1.failure("text")`: 400 `{success:false, error:"text"}`, no `errorType`.
    pub(crate) fn plain(error: &str) -> ApiError {
        ApiError { status: StatusCode::BAD_REQUEST, body: json!({"success": false, "error": error}) }
    }

    /// `API.v1.failure(error, errorType)` where the two are given separately (e.g. rooms.info's
    /// swapped `not-allowed` / `Not Allowed`).
    pub(crate) fn typed(error: &str, error_type: &str) -> ApiError {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            body: json!({"success": false, "error": error, "errorType": error_type}),
        }
    }

    /// A schema failure: `<message> [invalid-params]`, errorType `invalid-params`.
    pub(crate) fn invalid_params(message: &str) -> ApiError {
        ApiError::meteor("invalid-params", message)
    }

    /// 401 "You must be logged in to do this." in the shape of `version` (rocketchat.md §1 table).
    pub(crate) fn not_logged_in(version: RcVersion) -> ApiError {
        let msg = "You must be logged in to do this.";
        let body = if version.major >= 9 {
            // Planned for 9.0 (RocketChat/Rocket.Chat#41589): no `status` / `message`.
            json!({"success": false, "error": msg})
        } else {
            json!({"success": false, "error": msg, "status": "error", "message": msg})
        };
        ApiError { status: StatusCode::UNAUTHORIZED, body }
    }

    /// 403 for a missing permission: `unauthorized` before 9.0, `forbidden` after (planned).
    pub(crate) fn forbidden(version: RcVersion) -> ApiError {
        let error = if version.major >= 9 { "forbidden" } else { "unauthorized" };
        ApiError { status: StatusCode::FORBIDDEN, body: json!({"success": false, "error": error}) }
    }

    /// 404 for a route this version does not have.
    pub(crate) fn not_found() -> ApiError {
        // The doc gives the text "Resource not found"; the envelope is the usual failure one.
        ApiError { status: StatusCode::NOT_FOUND, body: json!({"success": false, "error": "Resource not found"}) }
    }

    /// Any status with any body (login failures carry their own 401 bodies).
    pub(crate) fn status(status: StatusCode, body: Value) -> ApiError {
        ApiError { status, body }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meteor_errors_put_the_reason_before_the_bracketed_error() {
        let e = ApiError::meteor("error-room-not-found", "No room");
        assert_eq!(e.status, StatusCode::BAD_REQUEST);
        assert_eq!(
            e.body,
            json!({"success": false, "error": "No room [error-room-not-found]", "errorType": "error-room-not-found"})
        );
        assert_eq!(ApiError::meteor("invalid-channel", "").body["error"], "[invalid-channel]");
        assert!(ApiError::plain("x").body.get("errorType").is_none());
    }

    #[test]
    fn the_401_body_depends_on_the_version() {
        let old = ApiError::not_logged_in(RcVersion::V8);
        assert_eq!(old.body["status"], "error");
        assert_eq!(old.body["message"], "You must be logged in to do this.");
        let planned = ApiError::not_logged_in(RcVersion::new(9, 0, 0));
        assert!(planned.body.get("status").is_none());
        assert_eq!(planned.body["error"], "You must be logged in to do this.");
    }
}

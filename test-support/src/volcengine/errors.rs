//! Volcengine error answers: code, optional CodeN, HTTP status and message, rendered in the
//! `ResponseMetadata.Error` envelope.
//!
//! Gateway codes, CodeN and messages follow the OpenAPI common error table (the CodeN values
//! agree with the fixtures: 100006, 100008, 100009, 100010); where the fixtures and the docs
//! disagree the fixture wins (InvalidTimestamp is 403 as in `errors/InvalidTimestamp_403.json`).

use serde_json::{Map, Value, json};

/// One error the stand-in answers with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status.
    pub status: u16,
    /// `Error.Code`.
    pub code: String,
    /// `Error.CodeN`, for the gateway errors that have one.
    pub code_n: Option<u64>,
    /// `Error.Message`.
    pub message: String,
}

impl ApiError {
    /// An error with these parts.
    pub fn new(status: u16, code: &str, code_n: Option<u64>, message: impl Into<String>) -> ApiError {
        ApiError { status, code: code.to_owned(), code_n, message: message.into() }
    }

    /// `MissingParameter` (400, 100002) for a missing `Action` or `Version` query parameter.
    pub fn missing_query_parameter(name: &str) -> ApiError {
        ApiError::new(400, "MissingParameter", Some(100002), format!("The request is missing {name} parameter."))
    }

    /// `MissingParameter` (400) for a required body parameter, as in the spec and the fixture.
    pub fn missing_body_parameter(name: &str) -> ApiError {
        ApiError::new(
            400,
            "MissingParameter",
            None,
            format!("The request body is missing a required parameter {name}."),
        )
    }

    /// `InvalidParameter` (400) naming the parameter, as in the spec and the fixture.
    pub fn invalid_parameter(name: &str) -> ApiError {
        ApiError::new(400, "InvalidParameter", None, format!("The specified parameter {name} is not valid."))
    }

    /// `MissingAuthenticationToken` (401, 100003): no `Authorization` header.
    pub fn missing_authentication_token() -> ApiError {
        ApiError::new(401, "MissingAuthenticationToken", Some(100003), "Request is missing Authentication Token.")
    }

    /// `MissingSignature` (401, 100005): an `Authorization` header without `Signature=`.
    pub fn missing_signature() -> ApiError {
        ApiError::new(401, "MissingSignature", Some(100005), "The request is missing signature.")
    }

    /// `InvalidAuthorization` (401): an `Authorization` header that is not `HMAC-SHA256 …`.
    pub fn invalid_authorization() -> ApiError {
        ApiError::new(401, "InvalidAuthorization", None, "The authorization of the request is invalid.")
    }

    /// `InvalidCredential` (401): a malformed credential scope or a session token that does not
    /// belong to the access key.
    pub fn invalid_credential() -> ApiError {
        ApiError::new(401, "InvalidCredential", None, "The credential of the request is invalid.")
    }

    /// `InvalidTimestamp` (403, 100006), exactly as the fixture.
    pub fn invalid_timestamp() -> ApiError {
        ApiError::new(403, "InvalidTimestamp", Some(100006), "The Signature of the request is expired.")
    }

    /// `InvalidActionOrVersion` (404, 100008).
    pub fn invalid_action_or_version(action: &str, version: &str) -> ApiError {
        ApiError::new(
            404,
            "InvalidActionOrVersion",
            Some(100008),
            format!("Could not find operation {action} for version {version}"),
        )
    }

    /// `InvalidAccessKey` (401, 100009).
    pub fn invalid_access_key(access_key: &str) -> ApiError {
        ApiError::new(
            401,
            "InvalidAccessKey",
            Some(100009),
            format!("The accesskey [{access_key}] included in the request is invalid."),
        )
    }

    /// `SignatureDoesNotMatch` (401, 100010).
    pub fn signature_does_not_match() -> ApiError {
        ApiError::new(
            401,
            "SignatureDoesNotMatch",
            Some(100010),
            "The request signature we calculated does not match the signature you provided. Check your Secret \
             Access Key and signing method. Consult the service documentation for details.",
        )
    }

    /// Read an error back from a fixture body's `ResponseMetadata.Error`.
    pub fn from_envelope(status: u16, body: &Value) -> Option<ApiError> {
        let error = body.get("ResponseMetadata")?.get("Error")?;
        Some(ApiError {
            status,
            code: error.get("Code")?.as_str()?.to_owned(),
            code_n: error.get("CodeN").and_then(Value::as_u64),
            message: error.get("Message").and_then(Value::as_str).unwrap_or_default().to_owned(),
        })
    }

    /// The `Error` object (`CodeN` only when the error has one).
    pub fn error_object(&self) -> Value {
        let mut error = Map::new();
        if let Some(code_n) = self.code_n {
            error.insert("CodeN".into(), json!(code_n));
        }
        error.insert("Code".into(), json!(self.code));
        error.insert("Message".into(), json!(self.message));
        Value::Object(error)
    }
}

//! `${VAR}` and `${VAR:-default}` expansion inside YAML string values.

/// Expand environment references in `input`. `$$` escapes a literal `$`.
///
/// Returns the name of the first undefined variable (without default) as the error.
pub fn expand(input: &str, lookup: &impl Fn(&str) -> Option<String>) -> Result<String, ExpandError> {
    let mut out = String::with_capacity(input.len());
    let mut rest = input;
    while let Some(pos) = rest.find('$') {
        out.push_str(&rest[..pos]);
        let after = &rest[pos + 1..];
        if let Some(stripped) = after.strip_prefix('$') {
            out.push('$');
            rest = stripped;
            continue;
        }
        let Some(body_and_rest) = after.strip_prefix('{') else {
            out.push('$');
            rest = after;
            continue;
        };
        let Some(end) = body_and_rest.find('}') else {
            return Err(ExpandError::Unterminated);
        };
        let body = &body_and_rest[..end];
        let (name, default) = match body.split_once(":-") {
            Some((name, default)) => (name, Some(default)),
            None => (body, None),
        };
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(ExpandError::BadName(name.to_owned()));
        }
        match (lookup(name).filter(|v| !v.is_empty() || default.is_none()), default) {
            (Some(value), _) => out.push_str(&value),
            (None, Some(default)) => out.push_str(default),
            (None, None) => return Err(ExpandError::Undefined(name.to_owned())),
        }
        rest = &body_and_rest[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Why a `${...}` reference could not be expanded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExpandError {
    /// The variable is not set and no default was given.
    #[error("environment variable `{0}` is not set (use `${{{0}:-default}}` to give a default)")]
    Undefined(String),
    /// `${` without a closing `}`.
    #[error("unterminated `${{` reference")]
    Unterminated,
    /// The name is not a valid variable name.
    #[error("`{0}` is not a valid environment variable name")]
    BadName(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        match name {
            "HOST" => Some("example.org".into()),
            "EMPTY" => Some(String::new()),
            _ => None,
        }
    }

    #[test]
    fn expands_defined_and_default_values() {
        assert_eq!(expand("http://${HOST}:80", &env).unwrap(), "http://example.org:80");
        assert_eq!(expand("${PORT:-8080}", &env).unwrap(), "8080");
        assert_eq!(expand("${HOST:-x}", &env).unwrap(), "example.org");
        assert_eq!(expand("${EMPTY:-fallback}", &env).unwrap(), "fallback");
        assert_eq!(expand("${EMPTY}", &env).unwrap(), "");
    }

    #[test]
    fn leaves_plain_dollars_and_escapes() {
        assert_eq!(expand("cost $5 and $${HOST}", &env).unwrap(), "cost $5 and ${HOST}");
    }

    #[test]
    fn undefined_without_default_is_an_error() {
        assert_eq!(expand("${NOPE}", &env), Err(ExpandError::Undefined("NOPE".into())));
        assert_eq!(expand("${HOST", &env), Err(ExpandError::Unterminated));
        assert_eq!(expand("${A-B}", &env), Err(ExpandError::BadName("A-B".into())));
    }
}

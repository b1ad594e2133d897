//! The caller's data scope (from their role): which blocks and fields they may see and change.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Row filter derived from the caller's role, applied inside SQL to every read, write, delete,
/// restore, statistic and export.
///
/// `None` means unrestricted on that axis; `Some(list)` restricts to the listed names
/// (case-insensitive); `Some(vec![])` allows nothing. When both are set a well must match both.
/// A well outside the scope behaves exactly as if it did not exist.
///
/// There is deliberately no `Default`: code must choose [`Scope::all`] explicitly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Scope {
    /// Blocks the caller may access (None = all blocks).
    pub blocks: Option<Vec<String>>,
    /// Fields the caller may access (None = all fields).
    pub fields: Option<Vec<String>>,
}

impl Scope {
    /// No restriction.
    pub fn all() -> Self {
        Self { blocks: None, fields: None }
    }

    /// Nothing is visible.
    pub fn nothing() -> Self {
        Self { blocks: Some(Vec::new()), fields: None }
    }

    /// Only the given blocks.
    pub fn blocks<S: Into<String>>(blocks: impl IntoIterator<Item = S>) -> Self {
        Self { blocks: Some(blocks.into_iter().map(Into::into).collect()), fields: None }
    }

    /// Only the given fields.
    pub fn fields<S: Into<String>>(fields: impl IntoIterator<Item = S>) -> Self {
        Self { blocks: None, fields: Some(fields.into_iter().map(Into::into).collect()) }
    }

    /// Whether a well in `block` / `field` is inside the scope (same rule as the SQL filter).
    pub fn allows(&self, block: &str, field: &str) -> bool {
        let ok = |list: &Option<Vec<String>>, v: &str| {
            list.as_ref().is_none_or(|l| l.iter().any(|x| x.trim().eq_ignore_ascii_case(v.trim())))
        };
        ok(&self.blocks, block) && ok(&self.fields, field)
    }

    /// Bind values for `:sb` and `:sf` of `scope_sql!()`.
    pub(crate) fn params(&self) -> (Option<String>, Option<String>) {
        let enc = |l: &Option<Vec<String>>| {
            l.as_ref().map(|v| {
                let trimmed: Vec<&str> = v.iter().map(|s| s.trim()).collect();
                serde_json::to_string(&trimmed).unwrap_or_else(|_| "[]".to_string())
            })
        };
        (enc(&self.blocks), enc(&self.fields))
    }

    /// Human description for refusal messages.
    pub(crate) fn describe(&self) -> String {
        let part = |name: &str, l: &Option<Vec<String>>| {
            l.as_ref().map(|v| if v.is_empty() { format!("no {name}") } else { format!("{name} {}", v.join(", ")) })
        };
        [part("blocks", &self.blocks), part("fields", &self.fields)]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" and ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_matches_case_insensitively_and_combines_axes() {
        assert!(Scope::all().allows("Block-A", "Zhongtai"));
        assert!(Scope::blocks(["block-a"]).allows("Block-A", "X"));
        assert!(!Scope::blocks(["Block-A"]).allows("Block-B", "X"));
        assert!(!Scope::nothing().allows("Block-A", "X"));
        let both = Scope { blocks: Some(vec!["Block-A".into()]), fields: Some(vec!["Z".into()]) };
        assert!(both.allows("Block-A", "z"));
        assert!(!both.allows("Block-A", "Y"));
        assert_eq!(both.describe(), "blocks Block-A and fields Z");
    }

    #[test]
    fn params_are_json_arrays() {
        assert_eq!(Scope::all().params(), (None, None));
        assert_eq!(Scope::blocks(["A", "B\""]).params().0.as_deref(), Some(r#"["A","B\""]"#));
    }
}

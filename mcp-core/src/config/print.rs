//! `print-config`: the effective configuration as YAML with each value's origin.

use std::fmt::Write as _;

use figment::Figment;
use serde_json::Value;

use super::{Config, Section};

pub(super) fn render<S: Section>(config: &Config<S>, figment: &Figment, key: &str, warnings: &[String]) -> String {
    let mut root = match serde_json::to_value(&config.core) {
        Ok(Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    };
    root.insert(key.to_owned(), serde_json::to_value(&config.server).unwrap_or(Value::Null));
    let mut out = String::from("# Effective configuration (secrets shown as ***); each value's origin follows '#'.\n");
    for warning in warnings {
        let _ = writeln!(out, "# warning: {warning}");
    }
    let origin = |path: &str| figment.find_metadata(path).map_or_else(|| "default".to_owned(), |m| m.name.to_string());
    emit_map(&mut out, &root, "", 0, &origin);
    out
}

fn emit_map(
    out: &mut String,
    map: &serde_json::Map<String, Value>,
    prefix: &str,
    indent: usize,
    origin: &dyn Fn(&str) -> String,
) {
    let pad = "  ".repeat(indent);
    for (k, v) in map {
        let path = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
        match v {
            Value::Object(inner) if !inner.is_empty() => {
                let _ = writeln!(out, "{pad}{k}:");
                emit_map(out, inner, &path, indent + 1, origin);
            }
            Value::Array(items) if items.iter().any(|i| i.is_object()) => {
                let _ = writeln!(out, "{pad}{k}:  # {}", origin(&path));
                for item in items {
                    let flow = scalar(item);
                    let _ = writeln!(out, "{pad}  - {flow}");
                }
            }
            _ => {
                let _ = writeln!(out, "{pad}{k}: {}  # {}", scalar(v), origin(&path));
            }
        }
    }
}

/// A value in YAML flow style (JSON is valid YAML flow; plain strings stay unquoted when safe).
fn scalar(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::String(s) => {
            let plain = !s.is_empty()
                && s.chars().all(|c| c.is_ascii_alphanumeric() || "-_./:@".contains(c))
                && s.chars().next().is_some_and(|c| c.is_ascii_alphanumeric() || c == '.' || c == '/')
                && !matches!(s.as_str(), "true" | "false" | "null" | "yes" | "no" | "on" | "off")
                && s.parse::<f64>().is_err();
            if plain { s.clone() } else { serde_json::to_string(s).unwrap_or_default() }
        }
        other => serde_json::to_string(other).unwrap_or_default(),
    }
}

//! The providers merged into one configuration: defaults < YAML file < environment < CLI flags.
//!
//! Every environment variable and every flag is its own provider, so `print-config` can say exactly
//! which one supplied each value.

use std::path::{Path, PathBuf};

use figment::value::{Dict, Map, Value};
use figment::{Metadata, Profile, Provider};

use super::error::ConfigError;
use super::expand::expand;

/// One named source of configuration values.
#[derive(Debug, Clone)]
pub struct Layer {
    name: String,
    file: Option<PathBuf>,
    dict: Dict,
}

impl Layer {
    /// A layer named `name` holding `dict`.
    pub fn new(name: impl Into<String>, dict: Dict) -> Self {
        Self { name: name.into(), file: None, dict }
    }

    /// A layer setting one dotted `key` to `value`.
    pub fn single(name: impl Into<String>, key: &str, value: Value) -> Self {
        let dict = match figment::util::nest(key, value) {
            Value::Dict(_, dict) => dict,
            _ => Dict::new(),
        };
        Self::new(name, dict)
    }

    /// The top-level keys this layer sets.
    pub fn top_level_keys(&self) -> impl Iterator<Item = &str> {
        self.dict.keys().map(String::as_str)
    }

    /// The layer's name as shown in provenance (`env MCP_SERVER_PORT`, ...).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The value at a dotted key, if this layer sets it.
    pub(super) fn get(&self, key: &str) -> Option<&Value> {
        let mut parts = key.split('.');
        let mut value = self.dict.get(parts.next()?)?;
        for part in parts {
            value = value.as_dict()?.get(part)?;
        }
        Some(value)
    }

    /// Remove and return the value at a dotted key (empty parents stay).
    pub(super) fn take(&mut self, key: &str) -> Option<Value> {
        let (parent, last) = match key.rsplit_once('.') {
            Some((parent, last)) => (Some(parent), last),
            None => (None, key),
        };
        let dict = match parent {
            None => &mut self.dict,
            Some(parent) => {
                let mut dict = &mut self.dict;
                for part in parent.split('.') {
                    match dict.get_mut(part) {
                        Some(Value::Dict(_, inner)) => dict = inner,
                        _ => return None,
                    }
                }
                dict
            }
        };
        dict.remove(last)
    }

    /// Set a dotted key, creating parent mappings.
    pub(super) fn set(&mut self, key: &str, value: Value) {
        let mut dict = &mut self.dict;
        let mut parts: Vec<&str> = key.split('.').collect();
        let Some(last) = parts.pop() else { return };
        for part in parts {
            let entry = dict.entry(part.to_owned()).or_insert_with(|| Value::from(Dict::new()));
            if !matches!(entry, Value::Dict(..)) {
                *entry = Value::from(Dict::new());
            }
            let Value::Dict(_, inner) = entry else { return };
            dict = inner;
        }
        dict.insert(last.to_owned(), value);
    }
}

impl Provider for Layer {
    fn metadata(&self) -> Metadata {
        let metadata = Metadata::named(self.name.clone());
        match &self.file {
            Some(path) => metadata.source(figment::Source::File(path.clone())),
            None => metadata,
        }
    }

    fn data(&self) -> Result<Map<Profile, Dict>, figment::Error> {
        let mut map = Map::new();
        map.insert(Profile::Default, self.dict.clone());
        Ok(map)
    }
}

/// Read a YAML config file, expanding `${VAR}` / `${VAR:-default}` in string values.
pub fn yaml_file(path: &Path, lookup: &impl Fn(&str) -> Option<String>) -> Result<Layer, ConfigError> {
    let name = format!("file {}", path.display());
    let text = std::fs::read_to_string(path)
        .map_err(|e| ConfigError::new("", format!("cannot read config file {}: {e}", path.display())))?;
    let mut layer = yaml_text(&text, &name, lookup)?;
    layer.file = Some(path.to_path_buf());
    Ok(layer)
}

/// Parse YAML text into a layer named `name`.
pub fn yaml_text(text: &str, name: &str, lookup: &impl Fn(&str) -> Option<String>) -> Result<Layer, ConfigError> {
    let parsed: serde_yaml_ng::Value =
        serde_yaml_ng::from_str(text).map_err(|e| ConfigError::new("", format!("{name} is not valid YAML: {e}")))?;
    let parsed = match parsed {
        serde_yaml_ng::Value::Null => serde_yaml_ng::Value::Mapping(Default::default()),
        v @ serde_yaml_ng::Value::Mapping(_) => v,
        _ => return Err(ConfigError::new("", format!("{name} must be a mapping of keys to values"))),
    };
    let mut path = Vec::new();
    let expanded = expand_tree(parsed, &mut path, lookup).map_err(|e| e.from_origin(name.to_owned()))?;
    let value = Value::serialize(&expanded)
        .map_err(|e| ConfigError::new("", format!("{name} has an unsupported value: {e}")))?;
    match value {
        Value::Dict(_, dict) => Ok(Layer::new(name, dict)),
        _ => Err(ConfigError::new("", format!("{name} must be a mapping of keys to values"))),
    }
}

fn expand_tree(
    value: serde_yaml_ng::Value,
    path: &mut Vec<String>,
    lookup: &impl Fn(&str) -> Option<String>,
) -> Result<serde_yaml_ng::Value, ConfigError> {
    use serde_yaml_ng::Value as Y;
    Ok(match value {
        Y::String(s) if s.contains('$') => {
            let expanded = expand(&s, lookup).map_err(|e| ConfigError::new(path.join("."), e.to_string()))?;
            let whole_reference = s.starts_with("${") && s.ends_with('}') && s.matches("${").count() == 1;
            if whole_reference { scalar(&expanded) } else { Y::String(expanded) }
        }
        Y::Mapping(map) => {
            let mut out = serde_yaml_ng::Mapping::new();
            for (k, v) in map {
                let key = match &k {
                    Y::String(s) => s.clone(),
                    other => serde_yaml_ng::to_string(other).unwrap_or_default().trim().to_owned(),
                };
                path.push(key);
                let v = expand_tree(v, path, lookup)?;
                path.pop();
                out.insert(k, v);
            }
            Y::Mapping(out)
        }
        Y::Sequence(items) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, v) in items.into_iter().enumerate() {
                path.push(i.to_string());
                out.push(expand_tree(v, path, lookup)?);
                path.pop();
            }
            Y::Sequence(out)
        }
        Y::Tagged(tagged) => {
            let tagged = *tagged;
            expand_tree(tagged.value, path, lookup)?
        }
        other => other,
    })
}

/// Interpret text the way YAML would interpret a plain scalar (`8080` is a number, `true` a bool);
/// anything that is not a plain scalar stays a string.
pub fn scalar(text: &str) -> serde_yaml_ng::Value {
    match serde_yaml_ng::from_str::<serde_yaml_ng::Value>(text) {
        Ok(v @ (serde_yaml_ng::Value::Bool(_) | serde_yaml_ng::Value::Number(_))) => v,
        _ => serde_yaml_ng::Value::String(text.to_owned()),
    }
}

/// How an environment variable's text becomes a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnvKind {
    /// Taken verbatim as a string.
    Text,
    /// A number or boolean (`8080`, `true`), else a string.
    Scalar,
    /// Comma-separated list of strings (blank items dropped).
    List,
    /// Comma-separated `name:token` pairs → `[{name, token}]`.
    NamedTokens,
}

/// An environment variable and the key it sets.
#[derive(Debug, Clone, Copy)]
pub struct EnvVar {
    /// Variable name, e.g. `MCP_SERVER_PORT`.
    pub name: &'static str,
    /// Dotted config key it sets, e.g. `port`.
    pub key: &'static str,
    /// How its text is read.
    pub kind: EnvKind,
}

impl EnvVar {
    /// Declare an environment variable.
    pub const fn new(name: &'static str, key: &'static str, kind: EnvKind) -> Self {
        Self { name, key, kind }
    }
}

/// One layer per set environment variable in `vars`; keys are nested under `prefix` when given
/// (a server section's variables name keys relative to the section).
pub fn env_layers(
    vars: &[EnvVar],
    prefix: Option<&str>,
    lookup: &impl Fn(&str) -> Option<String>,
) -> Result<Vec<Layer>, ConfigError> {
    let mut layers = Vec::new();
    for var in vars {
        let Some(text) = lookup(var.name) else { continue };
        let origin = format!("env {}", var.name);
        let key = prefix.map_or_else(|| var.key.to_owned(), |p| format!("{p}.{}", var.key));
        let value =
            env_value(var.kind, &text).map_err(|reason| ConfigError::new(&key, reason).from_origin(origin.clone()))?;
        layers.push(Layer::single(origin, &key, value));
    }
    Ok(layers)
}

fn env_value(kind: EnvKind, text: &str) -> Result<Value, String> {
    let to_value = |v: serde_yaml_ng::Value| Value::serialize(v).map_err(|e| e.to_string());
    match kind {
        EnvKind::Text => Ok(Value::from(text.to_owned())),
        EnvKind::Scalar => to_value(scalar(text.trim())),
        EnvKind::List => Ok(Value::from(split_list(text))),
        EnvKind::NamedTokens => {
            let mut tokens = Vec::new();
            for item in split_list(text) {
                let Some((name, token)) = item.split_once(':') else {
                    return Err("expected comma-separated `name:token` pairs (an item has no `:`)".to_owned());
                };
                let mut dict = Dict::new();
                dict.insert("name".into(), Value::from(name.trim().to_owned()));
                dict.insert("token".into(), Value::from(token.trim().to_owned()));
                tokens.push(Value::from(dict));
            }
            Ok(Value::from(tokens))
        }
    }
}

/// Split a comma-separated list, trimming items and dropping blanks.
pub fn split_list(text: &str) -> Vec<String> {
    text.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_references_keep_their_scalar_type() {
        let env = |n: &str| (n == "PORT").then(|| "9090".to_owned());
        let layer = yaml_text("port: ${PORT}\nhost: \"h-${PORT}\"\n", "file t.yaml", &env).unwrap();
        assert_eq!(layer.dict.get("port").and_then(Value::to_u128), Some(9090));
        assert_eq!(layer.dict.get("host").and_then(Value::as_str), Some("h-9090"));
    }

    #[test]
    fn undefined_variable_names_the_key_and_file() {
        let env = |_: &str| None;
        let err = yaml_text("oauth:\n  issuer: ${ISSUER}\n", "file c.yaml", &env).unwrap_err();
        assert_eq!(err.key, "oauth.issuer");
        assert_eq!(err.origin.as_deref(), Some("file c.yaml"));
        assert!(err.reason.contains("ISSUER"), "{err}");
    }

    #[test]
    fn named_tokens_parse_and_reject_items_without_colon() {
        let v = env_value(EnvKind::NamedTokens, "librechat:abc, ops:x:y").unwrap();
        let json = serde_json::to_value(&v).unwrap();
        assert_eq!(json, serde_json::json!([{"name":"librechat","token":"abc"},{"name":"ops","token":"x:y"}]));
        assert!(env_value(EnvKind::NamedTokens, "oops").is_err());
    }

    #[test]
    fn non_mapping_yaml_is_rejected() {
        let env = |_: &str| None;
        assert!(yaml_text("- a\n- b\n", "file l.yaml", &env).is_err());
        assert!(yaml_text("", "file e.yaml", &env).is_ok());
        assert!(yaml_text("a: [\n", "file b.yaml", &env).unwrap_err().reason.contains("not valid YAML"));
    }
}

//! Names users already have: config-file keys and environment variables of the servers this
//! suite replaces, mapped onto our keys. An alias is a lower layer than the name it stands for
//! within the same source; when an alias and another layer disagree, the higher layer wins and a
//! warning names both.

use figment::value::Value;

use super::error::ConfigError;
use super::layers::{Layer, scalar};

/// One name a server's users already have.
#[derive(Debug, Clone, Copy)]
pub enum Alias {
    /// A config-file key spelt another way (`server_port` → `port`); both dotted from the root.
    Key {
        /// The key users write.
        from: &'static str,
        /// Our key.
        to: &'static str,
    },
    /// An environment variable whose value stands for settings (`DEPLOY_MODE=remote` →
    /// `transport: streamable-http`, `example.credential: token`). Several entries may share a
    /// name, one per accepted value (compared case-insensitively); any other value is an error.
    EnvValue {
        /// The variable.
        name: &'static str,
        /// The value this entry matches.
        value: &'static str,
        /// Dotted keys (from the root) and the values they get, read as YAML scalars.
        sets: &'static [(&'static str, &'static str)],
    },
}

/// A value set through an alias: where, and under which name.
struct Aliased {
    layer: usize,
    key: String,
    alias: String,
}

/// The environment-alias layers to place just below the environment's own variables.
pub(super) fn env_layers(
    aliases: &[Alias],
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<Layer>, ConfigError> {
    let mut names: Vec<&'static str> = Vec::new();
    for alias in aliases {
        if let Alias::EnvValue { name, .. } = alias
            && !names.contains(name)
        {
            names.push(name);
        }
    }
    let mut layers = Vec::new();
    for name in names {
        let Some(text) = lookup(name) else { continue };
        let entries = aliases.iter().filter_map(|a| match a {
            Alias::EnvValue { name: n, value, sets } if *n == name => Some((*value, *sets)),
            _ => None,
        });
        let mut accepted = Vec::new();
        let mut matched = None;
        for (value, sets) in entries {
            accepted.push(value);
            if value.eq_ignore_ascii_case(text.trim()) {
                matched = Some(sets);
            }
        }
        let Some(sets) = matched else {
            return Err(ConfigError::new(name, format!("`{}` is not one of: {}", text.trim(), accepted.join(", ")))
                .from_origin(format!("env {name}")));
        };
        let mut layer = Layer::new(format!("env {name}"), figment::value::Dict::new());
        for (key, value) in sets {
            let value = Value::serialize(scalar(value)).map_err(|e| ConfigError::new(*key, e.to_string()))?;
            layer.set(key, value);
        }
        layers.push(layer);
    }
    Ok(layers)
}

/// Move every aliased config key to its own name, in every layer; return the warnings.
pub(super) fn apply_keys(aliases: &[Alias], layers: &mut [Layer]) -> Vec<String> {
    let mut warnings = Vec::new();
    let mut aliased = Vec::new();
    for (index, layer) in layers.iter_mut().enumerate() {
        if index == 0 {
            continue; // defaults use our names
        }
        if layer.name().starts_with("env ") {
            // An env-value alias layer sets our keys directly; record them for the disagreement check.
            for alias in aliases {
                if let Alias::EnvValue { name, sets, .. } = alias
                    && layer.name() == format!("env {name}")
                {
                    for (key, _) in *sets {
                        aliased.push(Aliased { layer: index, key: (*key).to_owned(), alias: format!("env {name}") });
                    }
                }
            }
            continue;
        }
        for alias in aliases {
            let Alias::Key { from, to } = alias else { continue };
            let Some(value) = layer.take(from) else { continue };
            match layer.get(to) {
                Some(ours) if ours != &value => warnings.push(format!(
                    "{} sets both `{from}` ({}) and `{to}` ({}); using `{to}`",
                    layer.name(),
                    show(&value),
                    show(ours)
                )),
                Some(_) => {}
                None => {
                    layer.set(to, value);
                    aliased.push(Aliased {
                        layer: index,
                        key: (*to).to_owned(),
                        alias: format!("`{from}` in {}", layer.name()),
                    });
                }
            }
        }
    }
    for a in &aliased {
        let lower = a.key.to_ascii_lowercase();
        if ["secret", "password", "token", "_key"].iter().any(|s| lower.contains(s)) && !lower.ends_with("credential") {
            continue; // never print a secret in a warning
        }
        let Some(mine) = layers[a.layer].get(&a.key).cloned() else { continue };
        for (other, layer) in layers.iter().enumerate().skip(1) {
            if other == a.layer {
                continue;
            }
            let Some(theirs) = layer.get(&a.key) else { continue };
            if theirs == &mine {
                continue;
            }
            let (winner, winner_value, loser, loser_value) = if other > a.layer {
                (layer.name().to_owned(), show(theirs), a.alias.clone(), show(&mine))
            } else {
                (a.alias.clone(), show(&mine), layer.name().to_owned(), show(theirs))
            };
            let warning = format!(
                "`{}` is set by {winner} ({winner_value}) and by {loser} ({loser_value}); using {winner_value} from {winner}",
                a.key
            );
            if !warnings.contains(&warning) {
                warnings.push(warning);
            }
        }
    }
    warnings
}

/// A value for a warning; never one of a secret-looking key.
fn show(value: &Value) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "?".to_owned())
}

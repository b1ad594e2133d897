//! Tool surface controls: read-only mode, allow/deny lists, description overrides.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::ToolDef;
use crate::config::ConfigError;

/// Which tools a deployment exposes (the `tools` config section).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct SurfaceConfig {
    /// Only these tools are exposed (all when absent). Unknown names fail startup.
    pub enabled: Option<Vec<String>>,
    /// These tools are never exposed. Unknown names fail startup.
    pub disabled: Vec<String>,
    /// Replacement descriptions, by tool name (e.g. to add site-specific guidance for the model).
    pub descriptions: BTreeMap<String, String>,
}

/// The tools a running server exposes, after surface controls were applied once at startup.
pub struct ToolSurface<S: crate::app::App> {
    tools: Vec<ToolDef<S>>,
}

impl<S: crate::app::App> ToolSurface<S> {
    /// Apply `read_only` and the `tools` section to the server's declared tools.
    ///
    /// Fails (before anything is bound) when a list names a tool that does not exist.
    pub fn build(declared: Vec<ToolDef<S>>, read_only: bool, config: &SurfaceConfig) -> Result<Self, ConfigError> {
        let known = |name: &str| declared.iter().any(|t| t.name() == name);
        let check = |key: &str, names: &[String]| -> Result<(), ConfigError> {
            for name in names {
                if !known(name) {
                    let all: Vec<&str> = declared.iter().map(ToolDef::name).collect();
                    return Err(ConfigError::new(
                        key,
                        format!("unknown tool `{name}`; this server's tools are: {}", all.join(", ")),
                    ));
                }
            }
            Ok(())
        };
        check("tools.enabled", config.enabled.as_deref().unwrap_or_default())?;
        check("tools.disabled", &config.disabled)?;
        let described: Vec<String> = config.descriptions.keys().cloned().collect();
        check("tools.descriptions", &described)?;

        let tools = declared
            .into_iter()
            .filter(|t| !read_only || t.hints().read_only)
            .filter(|t| config.enabled.as_ref().is_none_or(|e| e.iter().any(|n| n == t.name())))
            .filter(|t| !config.disabled.iter().any(|n| n == t.name()))
            .map(|mut t| {
                if let Some(d) = config.descriptions.get(t.name()) {
                    t.set_description(d.clone());
                }
                t
            })
            .collect();
        Ok(Self { tools })
    }

    /// Look a tool up by name.
    pub fn get(&self, name: &str) -> Option<&ToolDef<S>> {
        self.tools.iter().find(|t| t.name() == name)
    }

    /// All exposed tools, in declaration order.
    pub fn iter(&self) -> impl Iterator<Item = &ToolDef<S>> {
        self.tools.iter()
    }
}

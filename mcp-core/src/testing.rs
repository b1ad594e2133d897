//! In-process harness for servers' tests: run an [`App`] over real loopback HTTP from YAML config.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::app::App;
use crate::config::{self, ConfigError, Layer, Loaded, Sources};
use crate::identity::Caller;
use crate::run::prepare;
use crate::server::Core;
use crate::telemetry::Metrics;
use crate::transport::{HttpState, serve_http};

/// Load config for `A` from YAML text, environment pairs and flag layers (file written to `dir`).
pub fn load<A: App>(
    dir: &Path,
    yaml: &str,
    env: &[(&str, &str)],
    flags: Vec<Layer>,
) -> Result<Loaded<A::Section>, ConfigError> {
    let path = dir.join("config.yaml");
    std::fs::write(&path, yaml).map_err(|e| ConfigError::new("", e.to_string()))?;
    let pairs: Vec<(String, String)> = env.iter().map(|(a, b)| ((*a).to_owned(), (*b).to_owned())).collect();
    let lookup = move |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let defaults = config::CoreConfig { port: A::DEFAULT_PORT, ..config::CoreConfig::default() };
    config::load::<A::Section>(Sources { defaults, file: Some(&path), flags, env: &lookup })
}

/// Build the [`Core`] of `A` from YAML config, as `serve` would, with `caller` as the stdio caller.
///
/// # Panics
/// When the config is invalid or the app cannot be built (a test setup error).
pub async fn core<A: App>(dir: &Path, yaml: &str, env: &[(&str, &str)], flags: A::Flags) -> Arc<Core<A>> {
    build::<A>(dir, yaml, env, flags, false).await.0
}

/// Load, prepare and build `A` the way `serve` does; the stdio caller applies unless `http`.
async fn build<A: App>(
    dir: &Path,
    yaml: &str,
    env: &[(&str, &str)],
    flags: A::Flags,
    http: bool,
) -> (Arc<Core<A>>, Arc<crate::auth::Authenticator>, crate::transport::IdentityResolver) {
    let loaded = load::<A>(dir, yaml, env, A::flag_layers(&flags)).unwrap_or_else(|e| panic!("test config: {e}"));
    let config = loaded.config.clone();
    let crate::run::Prepared { surface, auth, identity, downloads } =
        prepare::<A>(&config).unwrap_or_else(|e| panic!("test config: {e}"));
    let metrics = Arc::new(Metrics::new(A::NAME, A::VERSION));
    let build = crate::app::BuildContext::new(A::NAME, A::VERSION, metrics.clone()).with_downloads(downloads.clone());
    let app = Arc::new(
        A::build(config.clone(), flags, build.clone()).await.unwrap_or_else(|e| panic!("building the app: {e:#}")),
    );
    let caller = if http { Caller::default() } else { crate::run::stdio_caller::<A>(&config) };
    let core = Core::new(app, config, surface, metrics, caller, CancellationToken::new())
        .with_insecure_upstreams(build.insecure_upstreams())
        .with_downloads(downloads);
    let core = Arc::new(core);
    (core, auth, identity)
}

/// A server running on 127.0.0.1:0 inside the test process; stopped on drop.
pub struct TestServer<A: App> {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// The core (metrics, app state).
    pub core: Arc<Core<A>>,
    shutdown: CancellationToken,
}

impl<A: App> Drop for TestServer<A> {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

impl<A: App> TestServer<A> {
    /// Begin a graceful shutdown, as SIGTERM would.
    pub fn begin_shutdown(&self) {
        self.shutdown.cancel();
    }

    /// Start `A` over HTTP with `yaml` (transport and port are forced to http and 0).
    ///
    /// # Panics
    /// When the config is invalid or the app cannot be built (a test setup error).
    pub async fn start(dir: &Path, yaml: &str, env: &[(&str, &str)], flags: A::Flags) -> Self {
        Self::start_inner(dir, yaml, env, flags, false).await
    }

    /// Like [`Self::start`], with `public_url` set to the server's own loopback address (so that
    /// signed download URLs point at it).
    ///
    /// # Panics
    /// When the config is invalid or the app cannot be built (a test setup error).
    pub async fn start_public(dir: &Path, yaml: &str, env: &[(&str, &str)], flags: A::Flags) -> Self {
        Self::start_inner(dir, yaml, env, flags, true).await
    }

    async fn start_inner(dir: &Path, yaml: &str, env: &[(&str, &str)], flags: A::Flags, public: bool) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap_or_else(|e| panic!("bind: {e}"));
        let base = format!("http://{}", listener.local_addr().map(|a| a.to_string()).unwrap_or_default());
        let public_url = if public { format!("public_url: {base}\n") } else { String::new() };
        let yaml = format!("transport: http\nport: 0\n{public_url}{yaml}");
        let (core, auth, identity) = build::<A>(dir, &yaml, env, flags, true).await;
        let shutdown = core.shutdown.clone();
        let state = HttpState::new(core.clone(), auth, identity);
        let grace = Duration::from_secs(core.config.core.shutdown_timeout_secs);
        tokio::spawn(serve_http(state, listener, grace));
        Self { base, core, shutdown }
    }
}

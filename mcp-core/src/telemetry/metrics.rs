//! Prometheus metrics, all named `mcp_*` with units in the name. No user ids or emails as labels.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::{Registry, Unit};

/// Outcome label of a tool call.
pub type Outcome = &'static str;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ToolCallLabels {
    server: String,
    tool: String,
    outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ToolLabels {
    server: String,
    tool: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DenialLabels {
    server: String,
    tool: String,
    role: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabels {
    server: String,
    reason: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct HeaderLabels {
    server: String,
    header: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct HttpLabels {
    server: String,
    path: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct SessionLabels {
    server: String,
    transport: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct UpstreamRequestLabels {
    server: String,
    upstream: String,
    endpoint: String,
    status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct UpstreamEndpointLabels {
    server: String,
    upstream: String,
    endpoint: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct UpstreamRetryLabels {
    server: String,
    upstream: String,
    reason: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct BuildLabels {
    server: String,
    version: String,
}

fn duration_histogram() -> Histogram {
    Histogram::new([0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0])
}

/// The metric families of one server process.
///
/// The core's families are registered by [`Metrics::new`]; a server registers its own with
/// [`Metrics::register`] (the handle reaches it in [`crate::App::build`]).
pub struct Metrics {
    server: String,
    registry: std::sync::Mutex<Registry>,
    tool_calls: Family<ToolCallLabels, Counter>,
    tool_duration: Family<ToolLabels, Histogram, fn() -> Histogram>,
    denials: Family<DenialLabels, Counter>,
    auth_failures: Family<ReasonLabels, Counter>,
    placeholders: Family<HeaderLabels, Counter>,
    ambiguous: Family<HeaderLabels, Counter>,
    http_requests: Family<HttpLabels, Counter>,
    sessions: Family<SessionLabels, Gauge>,
    upstream_requests: Family<UpstreamRequestLabels, Counter>,
    upstream_duration: Family<UpstreamEndpointLabels, Histogram, fn() -> Histogram>,
    upstream_retries: Family<UpstreamRetryLabels, Counter>,
}

impl Metrics {
    /// Register every family for `server` (e.g. `mcp-example`) at `version`.
    pub fn new(server: &str, version: &str) -> Self {
        let mut registry = Registry::default();
        let tool_calls = Family::<ToolCallLabels, Counter>::default();
        registry.register("mcp_tool_calls", "Tool calls by outcome", tool_calls.clone());
        let tool_duration =
            Family::<ToolLabels, Histogram, fn() -> Histogram>::new_with_constructor(duration_histogram);
        registry.register_with_unit(
            "mcp_tool_call_duration",
            "Tool call duration",
            Unit::Seconds,
            tool_duration.clone(),
        );
        let denials = Family::<DenialLabels, Counter>::default();
        registry.register("mcp_permission_denials", "Tool calls refused by the permission policy", denials.clone());
        let auth_failures = Family::<ReasonLabels, Counter>::default();
        registry.register("mcp_auth_failures", "Rejected HTTP authentications by reason", auth_failures.clone());
        let placeholders = Family::<HeaderLabels, Counter>::default();
        registry.register(
            "mcp_unresolved_placeholders",
            "Identity header values that were unreplaced client placeholders such as {{LIBRECHAT_USER_ROLE}}",
            placeholders.clone(),
        );
        let ambiguous = Family::<HeaderLabels, Counter>::default();
        registry.register(
            "mcp_ambiguous_headers",
            "Identity or credential headers sent more than once with different values (treated as absent)",
            ambiguous.clone(),
        );
        let http_requests = Family::<HttpLabels, Counter>::default();
        registry.register("mcp_http_requests", "HTTP requests by route and status", http_requests.clone());
        let sessions = Family::<SessionLabels, Gauge>::default();
        registry.register("mcp_sessions_active", "Open MCP sessions by transport", sessions.clone());
        let build = Family::<BuildLabels, Gauge>::default();
        registry.register("mcp_build_info", "Build information (always 1)", build.clone());
        build.get_or_create(&BuildLabels { server: server.into(), version: version.into() }).set(1);
        let upstream_requests = Family::<UpstreamRequestLabels, Counter>::default();
        registry.register(
            "mcp_upstream_requests",
            "Requests to upstream APIs by route template and status (a number, or connect_error, timeout, body_error)",
            upstream_requests.clone(),
        );
        let upstream_duration =
            Family::<UpstreamEndpointLabels, Histogram, fn() -> Histogram>::new_with_constructor(duration_histogram);
        registry.register_with_unit(
            "mcp_upstream_request_duration",
            "Duration of one upstream request attempt",
            Unit::Seconds,
            upstream_duration.clone(),
        );
        let upstream_retries = Family::<UpstreamRetryLabels, Counter>::default();
        registry.register(
            "mcp_upstream_retries",
            "Upstream request attempts repeated, by reason (connect, timeout, status_502, rate_limited, ...)",
            upstream_retries.clone(),
        );
        Self {
            server: server.to_owned(),
            registry: std::sync::Mutex::new(registry),
            tool_calls,
            tool_duration,
            denials,
            auth_failures,
            placeholders,
            ambiguous,
            http_requests,
            sessions,
            upstream_requests,
            upstream_duration,
            upstream_retries,
        }
    }

    /// The `server` label of every family (the binary name).
    pub fn server(&self) -> &str {
        &self.server
    }

    /// Register a server's own family (named `mcp_*`, units in the name; labels from bounded sets).
    pub fn register(&self, name: &str, help: &str, metric: impl prometheus_client::registry::Metric) {
        self.registry.lock().unwrap_or_else(std::sync::PoisonError::into_inner).register(name, help, metric);
    }

    /// Register a server's own family with a unit suffix (`_seconds`, `_bytes`).
    pub fn register_with_unit(
        &self,
        name: &str,
        help: &str,
        unit: Unit,
        metric: impl prometheus_client::registry::Metric,
    ) {
        self.registry
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .register_with_unit(name, help, unit, metric);
    }

    /// Count one upstream request attempt. `endpoint` is a route template (`/api/v1/rooms.info`,
    /// `DescribeTopics`), never a URL with ids; `status` an HTTP status or a failure class.
    pub fn upstream_request(&self, upstream: &str, endpoint: &str, status: &str, seconds: f64) {
        self.upstream_requests
            .get_or_create(&UpstreamRequestLabels {
                server: self.server.clone(),
                upstream: upstream.into(),
                endpoint: endpoint.into(),
                status: status.into(),
            })
            .inc();
        self.upstream_duration
            .get_or_create(&UpstreamEndpointLabels {
                server: self.server.clone(),
                upstream: upstream.into(),
                endpoint: endpoint.into(),
            })
            .observe(seconds);
    }

    /// Count one repeated upstream attempt and why it was repeated.
    pub fn upstream_retry(&self, upstream: &str, reason: &str) {
        self.upstream_retries
            .get_or_create(&UpstreamRetryLabels {
                server: self.server.clone(),
                upstream: upstream.into(),
                reason: reason.into(),
            })
            .inc();
    }

    /// Count one tool call and its duration.
    pub fn tool_call(&self, tool: &str, outcome: Outcome, seconds: f64) {
        self.tool_calls
            .get_or_create(&ToolCallLabels { server: self.server.clone(), tool: tool.into(), outcome: outcome.into() })
            .inc();
        self.tool_duration
            .get_or_create(&ToolLabels { server: self.server.clone(), tool: tool.into() })
            .observe(seconds);
    }

    /// Count a permission denial; `role` must come from a bounded set (the server's configured roles).
    pub fn permission_denied(&self, tool: &str, role: &str) {
        self.denials
            .get_or_create(&DenialLabels { server: self.server.clone(), tool: tool.into(), role: role.into() })
            .inc();
    }

    /// Count a rejected authentication.
    pub fn auth_failure(&self, reason: &str) {
        self.auth_failures.get_or_create(&ReasonLabels { server: self.server.clone(), reason: reason.into() }).inc();
    }

    /// Count an unreplaced placeholder in an identity header.
    pub fn unresolved_placeholder(&self, header: &str) {
        self.placeholders
            .get_or_create(&HeaderLabels { server: self.server.clone(), header: header.to_ascii_lowercase() })
            .inc();
    }

    /// Count an identity or credential header sent twice with different values.
    pub fn ambiguous_header(&self, header: &str) {
        self.ambiguous
            .get_or_create(&HeaderLabels { server: self.server.clone(), header: header.to_ascii_lowercase() })
            .inc();
    }

    /// Count an HTTP request; `path` must be a route template, never a raw URI.
    pub fn http_request(&self, path: &str, status: u16) {
        self.http_requests.get_or_create(&HttpLabels { server: self.server.clone(), path: path.into(), status }).inc();
    }

    /// Set the number of open sessions of a transport.
    pub fn set_sessions(&self, transport: &str, count: i64) {
        self.sessions
            .get_or_create(&SessionLabels { server: self.server.clone(), transport: transport.into() })
            .set(count);
    }

    /// Adjust the number of open sessions of a transport by `delta`.
    pub fn add_sessions(&self, transport: &str, delta: i64) {
        self.sessions
            .get_or_create(&SessionLabels { server: self.server.clone(), transport: transport.into() })
            .inc_by(delta);
    }

    /// Text exposition (OpenMetrics).
    pub fn encode(&self) -> String {
        let mut out = String::new();
        let registry = self.registry.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if prometheus_client::encoding::text::encode(&mut out, &registry).is_err() {
            out.clear();
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_are_named_with_units_and_prefix() {
        let m = Metrics::new("mcp-test", "1.2.3");
        m.tool_call("list_wells", "ok", 0.002);
        m.permission_denied("export_all_data", "USER");
        m.auth_failure("missing");
        m.unresolved_placeholder("X-User-Role");
        m.http_request("/mcp", 200);
        m.set_sessions("sse", 2);
        m.upstream_request("chat", "/api/v1/rooms.info", "200", 0.01);
        m.upstream_retry("chat", "status_503");
        let own = Counter::<u64>::default();
        m.register("mcp_demo_widgets", "A server's own family", own.clone());
        own.inc_by(3);
        let text = m.encode();
        for needle in [
            r#"mcp_tool_calls_total{server="mcp-test",tool="list_wells",outcome="ok"} 1"#,
            r#"mcp_tool_call_duration_seconds_count{server="mcp-test",tool="list_wells"} 1"#,
            r#"mcp_permission_denials_total{server="mcp-test",tool="export_all_data",role="USER"} 1"#,
            r#"mcp_auth_failures_total{server="mcp-test",reason="missing"} 1"#,
            r#"mcp_unresolved_placeholders_total{server="mcp-test",header="x-user-role"} 1"#,
            r#"mcp_http_requests_total{server="mcp-test",path="/mcp",status="200"} 1"#,
            r#"mcp_sessions_active{server="mcp-test",transport="sse"} 2"#,
            r#"mcp_build_info{server="mcp-test",version="1.2.3"} 1"#,
            r#"mcp_upstream_requests_total{server="mcp-test",upstream="chat",endpoint="/api/v1/rooms.info",status="200"} 1"#,
            r#"mcp_upstream_request_duration_seconds_count{server="mcp-test",upstream="chat",endpoint="/api/v1/rooms.info"} 1"#,
            r#"mcp_upstream_retries_total{server="mcp-test",upstream="chat",reason="status_503"} 1"#,
            "mcp_demo_widgets_total 3",
        ] {
            assert!(text.contains(needle), "missing {needle} in\n{text}");
        }
    }
}

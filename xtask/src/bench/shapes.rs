//! The oilfield bench's database shapes (issue 13): the same calls on databases of different
//! shapes and sizes, each against the two references in the same run.
//!
//! A shape is `wells × days` (`mcp-oilfield seed --wells N --days D`), seeded once into
//! `target/bench/oilfield-<N>x<D>.db` and reused by later runs while its row counts match (the
//! seconds the seeding took are kept beside it, in `<db>.seed-secs`). For each shape three
//! servers run on that database: `mcp-oilfield` (stateless Streamable HTTP), `bare_reference`
//! (axum + rusqlite, the page by index with no count) and `minimal_rmcp` (one rmcp tool, the same
//! page query inline). wrk loads each call shape ([`Call`]) on each of them at 1 and N clients.

use super::*;

/// Rows per page of the measured `query_drilling_data` calls.
pub(super) const QUERY_LIMIT: u32 = 10;
/// Deepest offset measured (where the wells have that many reports).
pub(super) const DEEP_OFFSET: u64 = 15_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Shape {
    pub(super) wells: u64,
    pub(super) days: u64,
}

impl Shape {
    /// The full run: two 1M-report shapes (many short histories, few long ones) and a 10M one
    /// with long histories (500 wells of 20,000 daily reports).
    pub(super) const FULL: [Shape; 3] =
        [Shape { wells: 1_000, days: 1_000 }, Shape { wells: 50, days: 20_000 }, Shape { wells: 500, days: 20_000 }];
    /// `--quick`: the same three kinds, small (a smoke run of every stage).
    pub(super) const QUICK: [Shape; 3] =
        [Shape { wells: 100, days: 100 }, Shape { wells: 5, days: 2_000 }, Shape { wells: 50, days: 2_000 }];

    pub(super) fn reports(self) -> u64 {
        self.wells * self.days
    }

    /// `1000x1000`: the part of file names.
    pub(super) fn slug(self) -> String {
        format!("{}x{}", self.wells, self.days)
    }

    /// `1,000 wells × 1,000 days`.
    pub(super) fn label(self) -> String {
        format!("{} wells × {} days", thousands(self.wells as f64), thousands(self.days as f64))
    }

    /// The offset of the deep page: [`DEEP_OFFSET`], or the last page where a well has fewer
    /// reports.
    pub(super) fn deep_offset(self) -> u64 {
        self.days.saturating_sub(u64::from(QUERY_LIMIT)).min(DEEP_OFFSET)
    }

    pub(super) fn database(self, dir: &Path) -> PathBuf {
        dir.join(format!("oilfield-{}.db", self.slug()))
    }
}

/// The call shapes measured on each database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Call {
    /// `query_drilling_data {"well_id", "limit": 10}`: the latest 10 reports.
    First,
    /// The same at [`Shape::deep_offset`].
    Deep,
    GetWell,
    /// `list_wells {}`: the first 20 wells.
    ListWells,
    /// `get_well_statistics` over the year ending at the newest report.
    Stats,
}

impl Call {
    pub(super) const ALL: [Call; 5] = [Call::First, Call::Deep, Call::GetWell, Call::ListWells, Call::Stats];

    pub(super) fn slug(self) -> &'static str {
        match self {
            Call::First => "first",
            Call::Deep => "deep",
            Call::GetWell => "get_well",
            Call::ListWells => "list_wells",
            Call::Stats => "stats",
        }
    }

    pub(super) fn label(self, shape: Shape) -> String {
        match self {
            Call::First => format!("`query_drilling_data` latest {QUERY_LIMIT}"),
            Call::Deep => format!("`query_drilling_data` offset {}", thousands(shape.deep_offset() as f64)),
            Call::GetWell => "`get_well`".into(),
            Call::ListWells => "`list_wells` (first 20)".into(),
            Call::Stats => "`get_well_statistics` (one year)".into(),
        }
    }

    /// Whether the minimal rmcp server answers it (it has `query_drilling_data` only).
    pub(super) fn is_query(self) -> bool {
        matches!(self, Call::First | Call::Deep)
    }
}

/// What one wrk run of a shape loads: which server, which call, on which database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Probe {
    pub(super) target: Target,
    pub(super) call: Call,
    pub(super) shape: Shape,
}

impl Load for Probe {
    fn label(self) -> &'static str {
        self.target.label()
    }

    fn slug(self) -> String {
        format!("{}-{}-{}", self.shape.slug(), self.call.slug(), self.target.slug())
    }
}

/// The request of `call` for `target`: URL path, JSON body (`__ID__` a JSON-RPC id, `__WELL__` a
/// well id) and the texts every good reply contains.
pub(super) fn request(
    target: Target,
    call: Call,
    shape: Shape,
    year: &(String, String),
) -> (&'static str, String, Vec<&'static str>) {
    let (from, to) = year;
    let deep = shape.deep_offset();
    let arguments = match call {
        Call::First => format!(r#"{{"well_id":"__WELL__","limit":{QUERY_LIMIT}}}"#),
        Call::Deep => format!(r#"{{"well_id":"__WELL__","limit":{QUERY_LIMIT},"offset":{deep}}}"#),
        Call::GetWell => r#"{"well_id":"__WELL__"}"#.to_string(),
        Call::ListWells => "{}".to_string(),
        Call::Stats => format!(r#"{{"well_id":"__WELL__","from":"{from}","to":"{to}"}}"#),
    };
    let require = match call {
        Call::First | Call::Deep | Call::ListWells => r#""items":[{"#,
        Call::GetWell => r#""latest_report":{"#,
        Call::Stats => r#""days_reported":"#,
    };
    match target {
        Target::Bare => {
            let (path, body) = match call {
                Call::First | Call::Deep => ("/query", arguments),
                Call::GetWell => ("/well", arguments),
                Call::ListWells => ("/wells", r#"{"limit":20}"#.to_string()),
                Call::Stats => ("/stats", arguments),
            };
            (path, body, vec![require])
        }
        Target::McpStateless | Target::McpStateful | Target::Minimal => {
            let tool = match call {
                Call::First | Call::Deep => "query_drilling_data",
                Call::GetWell => "get_well",
                Call::ListWells => "list_wells",
                Call::Stats => "get_well_statistics",
            };
            let body = format!(
                r#"{{"jsonrpc":"2.0","id":__ID__,"method":"tools/call","params":{{"name":"{tool}","arguments":{arguments}}}}}"#
            );
            ("/mcp", body, vec![require, r#""result""#])
        }
    }
}

/// The `wrk.lua` request file (mode `file`) of a request, wells drawn among `wells`.
pub(super) fn request_file(target: Target, body: &str, require: &[&str], wells: u64) -> String {
    let mut file = String::from("# written by cargo xtask bench oilfield\nmethod: POST\n");
    let headers = if target == Target::Bare { vec![("Content-Type", "application/json")] } else { mcp_headers(None) };
    for (name, value) in headers {
        let _ = writeln!(file, "header: {name}: {value}");
    }
    let _ = writeln!(file, "wells: {wells}");
    let _ = writeln!(file, "body: {body}");
    for text in require {
        let _ = writeln!(file, "require: {text}");
    }
    if target != Target::Bare {
        for text in [r#""isError":true"#, r#""error":{"#] {
            let _ = writeln!(file, "reject: {text}");
        }
    }
    file
}

/// Whether a 2xx reply `body` passes the checks of [`request_file`].
pub(super) fn good_reply(target: Target, body: &str, require: &[&str]) -> bool {
    require.iter().all(|t| body.contains(t))
        && (target == Target::Bare || !(body.contains(r#""isError":true"#) || body.contains(r#""error":{"#)))
}

// ---------------------------------------------------------------------------------------------
// Dates (the year of `get_well_statistics`), without a date crate

/// Days since 1970-01-01 of a `YYYY-MM-DD` date (days-from-civil).
pub(super) fn days_from_civil(date: &str) -> Result<i64> {
    let bad = || anyhow::anyhow!("not a YYYY-MM-DD date: {date:?}");
    let mut parts = date.splitn(3, '-').map(|p| p.parse::<i64>().map_err(|_| bad()));
    let (y, m, d) = (parts.next().ok_or_else(bad)??, parts.next().ok_or_else(bad)??, parts.next().ok_or_else(bad)??);
    ensure!((1..=12).contains(&m) && (1..=31).contains(&d), "not a YYYY-MM-DD date: {date:?}");
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Ok(era * 146_097 + doe - 719_468)
}

/// `YYYY-MM-DD` of a day count since 1970-01-01 (civil-from-days).
pub(super) fn civil_from_days(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// The 365 days ending at `last` (inclusive).
pub(super) fn year_ending(last: &str) -> Result<(String, String)> {
    Ok((civil_from_days(days_from_civil(last)? - 364), last.to_string()))
}

// ---------------------------------------------------------------------------------------------
// The database of a shape

/// The database of `shape`: reused when its counts match (unless `reseed`), else seeded afresh.
/// Returns the path and how long its seeding took (`fresh` false when it was reused).
pub(super) fn shape_database(bins: &Bins, dir: &Path, shape: Shape, reseed: bool) -> Result<(PathBuf, Duration, bool)> {
    let db = shape.database(dir);
    let secs_file = with_suffix(&db, ".seed-secs");
    if !reseed && db.is_file() {
        match count_rows(bins, &db) {
            Ok((reports, wells)) if reports == shape.reports() && wells == shape.wells => {
                let secs: f64 = fs::read_to_string(&secs_file).ok().and_then(|s| s.trim().parse().ok()).unwrap_or(0.0);
                println!("reusing {} ({} reports of {} wells, seeded in {secs:.1}s)", rel(&db), reports, wells);
                return Ok((db, Duration::from_secs_f64(secs), false));
            }
            Ok((reports, wells)) => println!("{} holds {reports} reports of {wells} wells: seeding it again", rel(&db)),
            Err(e) => println!("{} is unusable ({e:#}): seeding it again", rel(&db)),
        }
    }
    remove_database(&db)?;
    let _ = fs::remove_file(&secs_file);
    let mut cmd = bins.server();
    cmd.args(["seed", "--wells", &shape.wells.to_string(), "--days", &shape.days.to_string(), "--database"]).arg(&db);
    let started = Instant::now();
    run(&mut cmd)?;
    let took = started.elapsed();
    let (reports, wells) = count_rows(bins, &db)?;
    ensure!(
        reports == shape.reports() && wells == shape.wells,
        "seeding {} gave {reports} reports of {wells} wells",
        shape.label()
    );
    fs::write(&secs_file, format!("{:.3}\n", took.as_secs_f64()))?;
    println!("seeded {} in {:.1}s", rel(&db), took.as_secs_f64());
    Ok((db, took, true))
}

// ---------------------------------------------------------------------------------------------
// One shape

/// A server's memory and threads at a moment of a shape's run.
#[derive(Debug, Clone, Copy)]
pub(super) struct Snapshot {
    pub(super) target: Target,
    pub(super) idle: Memory,
    pub(super) after_load: Memory,
}

/// Everything measured on one shape.
#[derive(Debug, Clone)]
pub(super) struct ShapeRun {
    pub(super) shape: Shape,
    pub(super) db_size: u64,
    pub(super) seed: Duration,
    pub(super) seeded_now: bool,
    /// The year of `get_well_statistics`.
    pub(super) year: (String, String),
    pub(super) runs: Vec<WrkRun<Probe>>,
    pub(super) memory: Vec<Snapshot>,
}

/// The servers of a shape, in the order their runs alternate.
const TARGETS: [Target; 3] = [Target::McpStateless, Target::Bare, Target::Minimal];

pub(super) fn measure_shape(
    bins: &Bins,
    wrk: &Path,
    script: &Path,
    dir: &Path,
    opts: &Options,
    shape: Shape,
) -> Result<ShapeRun> {
    let (db, seed, seeded_now) = shape_database(bins, dir, shape, opts.reseed)?;
    let db_size = fs::metadata(&db)?.len();
    let slug = shape.slug();
    let mut servers = Vec::new();
    for target in TARGETS {
        let cmd = match target {
            Target::Bare => bins.bare_cmd(&db),
            Target::Minimal => bins.minimal_cmd(&db),
            _ => bins.server_cmd(&db, true),
        };
        let log = dir.join(format!("server-{slug}-{}.log", target.slug()));
        let name = format!("{} ({slug})", target.slug());
        let server = if opts.pin {
            Server::start_pinned(&name, cmd, &log, SERVER_CPU, LOAD_CPU)?
        } else {
            Server::start(&name, cmd, &log)?
        };
        servers.push((target, server));
    }
    let server = |t: Target| servers.iter().find(|(s, _)| *s == t).map(|(_, s)| s).context("no such server");
    let year = newest_report(&server(Target::Bare)?.addr).and_then(|last| year_ending(&last))?;
    // Request files, each smoke-tested (20 calls with varied wells) before it is measured.
    let mut files = Vec::new();
    for call in Call::ALL {
        for target in TARGETS {
            if target == Target::Minimal && !call.is_query() {
                continue;
            }
            let (path, body, require) = request(target, call, shape, &year);
            let s = server(target)?;
            for i in 1..=20u64 {
                let well = format!("SD-{:04}", (i * 37) % shape.wells + 1);
                let one = body.replace("__ID__", &i.to_string()).replace("__WELL__", &well);
                let headers =
                    if target == Target::Bare { vec![("Content-Type", "application/json")] } else { mcp_headers(None) };
                let reply = http::post(&s.addr, path, &headers, &one, Duration::from_secs(60))?;
                ensure!(
                    reply.status == 200 && good_reply(target, &reply.body, &require),
                    "{} {} on {}: HTTP {}: {}",
                    target.slug(),
                    call.slug(),
                    shape.label(),
                    reply.status,
                    reply.body.chars().take(400).collect::<String>()
                );
            }
            let file = dir.join(format!("request-{slug}-{}-{}.txt", call.slug(), target.slug()));
            fs::write(&file, request_file(target, &body, &require, shape.wells))?;
            files.push(((target, call), (path, file)));
        }
    }
    std::thread::sleep(Duration::from_secs(2));
    let mut idle = Vec::new();
    for (t, s) in &servers {
        idle.push((*t, s.memory()?));
    }
    let mut runs = Vec::new();
    let mut load = |target: Target, call: Call, clients: u32| -> Result<()> {
        let (path, file) =
            files.iter().find(|(k, _)| *k == (target, call)).map(|(_, v)| v).context("no request file")?;
        let s = server(target)?;
        let args = ["file".to_string(), file.display().to_string()];
        let url = format!("http://{}{path}", s.addr);
        println!("-- {}: {} on {}", shape.label(), call.label(shape), target.label());
        runs.push(wrk_load(wrk, script, opts.duration, Probe { target, call, shape }, s, &url, &args, clients)?);
        Ok(())
    };
    // The targets: query_drilling_data at N clients, the three servers alternating, repeated.
    for _ in 0..opts.repeat {
        for call in [Call::First, Call::Deep] {
            for target in TARGETS {
                load(target, call, opts.concurrency)?;
            }
        }
    }
    for call in [Call::First, Call::Deep] {
        for target in TARGETS {
            load(target, call, 1)?;
        }
    }
    for call in [Call::GetWell, Call::ListWells, Call::Stats] {
        for clients in [1, opts.concurrency] {
            for target in [Target::McpStateless, Target::Bare] {
                load(target, call, clients)?;
            }
        }
    }
    let mut memory = Vec::new();
    for (t, s) in &mut servers {
        let after_load = s.memory()?;
        let idle = idle.iter().find(|(i, _)| i == t).map(|(_, m)| *m).unwrap_or_default();
        memory.push(Snapshot { target: *t, idle, after_load });
        s.stop()?;
    }
    Ok(ShapeRun { shape, db_size, seed, seeded_now, year, runs, memory })
}

/// The date of SD-0001's newest report (every seeded well reports up to the same day).
fn newest_report(bare: &str) -> Result<String> {
    let reply = http::post(
        bare,
        "/query",
        &[("Content-Type", "application/json")],
        r#"{"well_id":"SD-0001","limit":1}"#,
        Duration::from_secs(30),
    )?;
    ensure!(reply.status == 200, "bare /query answered {}: {}", reply.status, reply.body);
    let v: Value = serde_json::from_str(&reply.body).with_context(|| format!("bare reply: {}", reply.body))?;
    v.pointer("/items/0/report_date")
        .and_then(Value::as_str)
        .map(str::to_string)
        .with_context(|| format!("no report of SD-0001: {}", reply.body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_name_their_files_and_deep_pages() {
        let [wide, long, huge] = Shape::FULL;
        assert_eq!((wide.reports(), long.reports(), huge.reports()), (1_000_000, 1_000_000, 10_000_000));
        assert_eq!((wide.slug(), long.label()), ("1000x1000".to_string(), "50 wells × 20,000 days".to_string()));
        assert_eq!((wide.deep_offset(), long.deep_offset(), huge.deep_offset()), (990, 15_000, 15_000));
        assert_eq!(Shape { wells: 1, days: 5 }.deep_offset(), 0);
        assert_eq!(wide.database(Path::new("/t")), PathBuf::from("/t/oilfield-1000x1000.db"));
        let p = Probe { target: Target::Minimal, call: Call::Deep, shape: long };
        assert_eq!(p.slug(), "50x20000-deep-minimal");
    }

    #[test]
    fn dates_round_trip_and_a_year_is_365_days() {
        for (date, days) in [("1970-01-01", 0), ("2000-02-29", 11_016), ("2026-03-04", 20_516), ("1969-12-31", -1)] {
            assert_eq!(days_from_civil(date).unwrap(), days, "{date}");
            assert_eq!(civil_from_days(days), date);
        }
        assert_eq!(year_ending("2026-03-04").unwrap(), ("2025-03-05".to_string(), "2026-03-04".to_string()));
        assert_eq!(year_ending("2024-12-31").unwrap().0, "2024-01-02");
        for bad in ["2026-13-01", "2026-03", "x", "2026-03-xx"] {
            assert!(days_from_civil(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn requests_for_each_target_and_their_checks() {
        let year = ("2025-03-05".to_string(), "2026-03-04".to_string());
        let long = Shape::FULL[1];
        let (path, body, require) = request(Target::McpStateless, Call::Deep, long, &year);
        assert_eq!(path, "/mcp");
        assert_eq!(
            body,
            r#"{"jsonrpc":"2.0","id":__ID__,"method":"tools/call","params":{"name":"query_drilling_data","arguments":{"well_id":"__WELL__","limit":10,"offset":15000}}}"#
        );
        assert_eq!(require, [r#""items":[{"#, r#""result""#]);
        let (path, body, _) = request(Target::Bare, Call::Stats, long, &year);
        assert_eq!(
            (path, body.as_str()),
            ("/stats", r#"{"well_id":"__WELL__","from":"2025-03-05","to":"2026-03-04"}"#)
        );
        assert_eq!(request(Target::Bare, Call::ListWells, long, &year).0, "/wells");
        let (_, body, require) = request(Target::Minimal, Call::GetWell, long, &year);
        assert!(body.contains(r#""name":"get_well""#) && require[0] == r#""latest_report":{"#);

        let file = request_file(Target::Minimal, "B", &[r#""items":[{"#], 50);
        assert!(file.contains("\nwells: 50\nbody: B\nrequire: \"items\":[{\nreject: \"isError\":true\n"), "{file}");
        assert!(file.contains("header: Accept: application/json, text/event-stream\n"));
        let bare = request_file(Target::Bare, "B", &["x"], 5);
        assert!(!bare.contains("reject:") && bare.contains("header: Content-Type: application/json\n"));

        let require = [r#""items":[{"#, r#""result""#];
        assert!(good_reply(Target::Minimal, r#"{"result":{"structuredContent":{"items":[{"id":1}]}}}"#, &require));
        assert!(!good_reply(Target::Minimal, r#"{"result":{"isError":true,"items":[{"#, &require));
        assert!(!good_reply(Target::McpStateless, r#"{"result":{"items":[]}}"#, &require));
        assert!(good_reply(Target::Bare, r#"{"items":[{"a":1}],"error":{}}"#, &[r#""items":[{"#]));
    }
}

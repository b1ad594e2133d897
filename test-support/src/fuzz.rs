//! The runner of the property-based fuzz tests (`tests/fuzz.rs` of each crate, `cargo xtask
//! fuzz`): proptest on the stable toolchain, with the `fuzz:` summary line xtask tallies.

use std::cell::Cell;
use std::fmt::Debug;
use std::time::Duration;

use proptest::strategy::Strategy;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

/// Run `test` on `strategy` for the configured number of cases (`PROPTEST_CASES`), print the
/// `fuzz:` summary line and panic with proptest's minimal failing input on failure.
///
/// With `FUZZ_SECONDS=S`, rounds of that many cases (each from a fresh random seed) are repeated
/// until the property has run for S seconds (`cargo xtask fuzz --seconds S`).
pub fn check<S>(name: &str, strategy: S, test: impl Fn(S::Value) -> Result<(), TestCaseError>)
where
    S: Strategy,
    S::Value: Debug,
{
    // `Config::default()` reads PROPTEST_CASES. No failure persistence: a failure found here is
    // recorded by hand as an explicit regression test (`#[ignore = "bug: ..."]`).
    let config = Config { failure_persistence: None, ..Config::default() };
    let budget = std::env::var("FUZZ_SECONDS").ok().and_then(|s| s.parse::<f64>().ok()).map(Duration::from_secs_f64);
    let started = std::time::Instant::now();
    let executions = Cell::new(0u64);
    let mut rounds = 0u64;
    let result = loop {
        let mut runner = TestRunner::new(config.clone());
        let result = runner.run(&strategy, |value| {
            executions.set(executions.get() + 1);
            test(value)
        });
        rounds += 1;
        if result.is_err() || budget.is_none_or(|b| started.elapsed() >= b) {
            break result;
        }
    };
    let verdict = if result.is_ok() { "ok" } else { "FAILED" };
    let cases = u64::from(config.cases) * rounds;
    eprintln!("fuzz: {name}: {cases} cases, {} executions, {verdict}", executions.get());
    if let Err(e) = result {
        panic!("property {name} failed: {e}");
    }
}

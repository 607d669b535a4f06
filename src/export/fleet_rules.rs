//! `gclens fleet rules`: Prometheus recording and alerting rules that judge every Go
//! instance the way `gclens fleet` does, evaluated by Prometheus itself, continuously,
//! across any number of instances (issue 32). The live heap is the best series an
//! instance has; its floor per hour (`min_over_time`) is what a leak raises; over the
//! window the floor's least-squares slope (`deriv`), its R² (the slope² × var(t) /
//! var(floor), var(t) = W²/12 for evenly spaced samples over the whole window: only an
//! instance that was there a window ago is judged) and its fitted growth give the
//! verdict with the thresholds of [`LIKELY_LEAK`] and [`POSSIBLE_GROWTH`]. The settings
//! checks compare GOMEMLIMIT with the container's limit. The text is YAML that
//! `promtool check rules` accepts; `fixtures/prometheus/` holds its unit tests.

use crate::analyze::fleet::GOROUTINE_GROWTH;
use crate::analyze::summary::{LIKELY_LEAK, LeakRule, POSSIBLE_GROWTH};
use std::fmt::Write as _;

const MIB: f64 = 1048576.0;

/// What the rules are made for.
pub struct RulesOptions {
    /// Label matchers inside braces (`job=~"api.*"`), or empty for every instance.
    pub matchers: String,
    /// The window the trend is fitted over, in seconds (a day by default).
    pub window_s: u64,
    /// How long a condition must hold before its alert fires, in seconds.
    pub for_s: u64,
}

/// A Prometheus duration: `86400s` written as `1d`, `3600s` as `1h`.
fn dur(s: u64) -> String {
    match s {
        s if s % 86400 == 0 => format!("{}d", s / 86400),
        s if s % 3600 == 0 => format!("{}h", s / 3600),
        s if s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

/// The recorded floor's trend rules: slope, R², fitted start and growth over `w`.
fn trend(out: &mut String, floor: &str, w_s: u64) {
    let w = dur(w_s);
    let t2 = (w_s as f64).powi(2) / 12.0;
    let _ = write!(
        out,
        "      - record: {floor}:deriv{w}\n        expr: deriv({floor}[{w}])\n\
         \x20     - record: {floor}:r2{w}\n        expr: |\n          {floor}:deriv{w} ^ 2 * {t2} / (stdvar_over_time({floor}[{w}]) > 0)\n          and {floor} offset {w}\n\
         \x20     - record: {floor}:growth{w}\n        expr: {floor}:deriv{w} * {w_s}\n\
         \x20     - record: {floor}:start{w}\n        expr: avg_over_time({floor}[{w}]) - {floor}:deriv{w} * {half}\n",
        half = w_s / 2
    );
}

/// The condition of `rule` on a recorded floor (its growth in `unit`s).
fn holds(floor: &str, w: &str, rule: LeakRule, unit: f64) -> String {
    format!(
        "{floor}:r2{w} >= {r2}\n          and {floor}:deriv{w} > 0\n          and {floor}:growth{w} >= clamp_min({floor}:start{w} * {share}, {min})",
        r2 = rule.r2,
        share = rule.growth_share,
        min = rule.growth_min * unit,
    )
}

fn alert(out: &mut String, name: &str, expr: &str, for_: &str, severity: &str, summary: &str) {
    let _ = write!(
        out,
        "      - alert: {name}\n        expr: |\n          {expr}\n        for: {for_}\n        labels:\n          severity: {severity}\n        annotations:\n          summary: \"{summary}\"\n"
    );
}

/// The rules file.
pub fn rules(o: &RulesOptions) -> String {
    let s = format!("{{{}}}", o.matchers);
    let (w, for_) = (dur(o.window_s), dur(o.for_s));
    let live = "gclens:go_live_heap_bytes";
    let floor = "gclens:go_live_heap_floor_bytes:1h";
    let gfloor = "gclens:go_goroutines_floor:1h";
    let ct = "namespace, pod, container";
    let limit = format!(
        "max by ({ct}) (container_spec_memory_limit_bytes{{container!=\"\",container!=\"POD\"}} > 0)"
    );
    let mut out = format!(
        "# Written by `gclens fleet rules` (gclens {}): the leak and settings checks of\n\
         # `gclens fleet`, for Prometheus to evaluate. Instances: {s}; trend window: {w}.\n\
         groups:\n  - name: gclens_fleet_record\n    rules:\n",
        env!("CARGO_PKG_VERSION")
    );
    let _ = write!(
        out,
        "      - record: {live}\n        expr: |\n          gclens_heap_live_bytes{s}\n          or go_memstats_next_gc_bytes{s} / (1 + go_gc_gogc_percent{s} / 100)\n          or go_memstats_next_gc_bytes{s} / 2\n\
         \x20     - record: {floor}\n        expr: min_over_time({live}[1h])\n\
         \x20     - record: {gfloor}\n        expr: min_over_time(go_goroutines{s}[1h])\n"
    );
    trend(&mut out, floor, o.window_s);
    trend(&mut out, gfloor, o.window_s);
    out.push_str("  - name: gclens_fleet_alerts\n    rules:\n");
    alert(
        &mut out,
        "GoLiveHeapLeak",
        &holds(floor, &w, LIKELY_LEAK, MIB),
        &for_,
        "warning",
        &format!(
            "{{{{ $labels.job }}}} {{{{ $labels.instance }}}}: the live heap's floor grew steadily over {w}: likely leak"
        ),
    );
    alert(
        &mut out,
        "GoLiveHeapGrowing",
        &format!(
            "({})\n          unless ({})",
            holds(floor, &w, POSSIBLE_GROWTH, MIB),
            holds(floor, &w, LIKELY_LEAK, MIB)
        ),
        &for_,
        "info",
        &format!(
            "{{{{ $labels.job }}}} {{{{ $labels.instance }}}}: the live heap's floor grew over {w}: possible growth, watch it"
        ),
    );
    alert(
        &mut out,
        "GoGoroutineLeak",
        &holds(gfloor, &w, GOROUTINE_GROWTH, 1.0),
        &for_,
        "warning",
        &format!(
            "{{{{ $labels.job }}}} {{{{ $labels.instance }}}}: goroutines grew steadily over {w}"
        ),
    );
    alert(
        &mut out,
        "GoNoMemoryLimit",
        &format!(
            "max by ({ct}) (go_gc_gomemlimit_bytes{s}) >= 9e18\n          and on ({ct}) {limit}"
        ),
        &for_,
        "warning",
        "{{ $labels.namespace }}/{{ $labels.pod }} {{ $labels.container }}: a Go program in a container with a memory limit and no GOMEMLIMIT",
    );
    alert(
        &mut out,
        "GoMemoryLimitAboveContainerLimit",
        &format!("max by ({ct}) (go_gc_gomemlimit_bytes{s} < 9e18)\n          > on ({ct}) {limit}"),
        &for_,
        "warning",
        "{{ $labels.namespace }}/{{ $labels.pod }} {{ $labels.container }}: GOMEMLIMIT is above the container's memory limit",
    );
    alert(
        &mut out,
        "GoLiveHeapNearMemoryLimit",
        &format!("{floor} >= 0.8 * (go_gc_gomemlimit_bytes{s} < 9e18)"),
        &for_,
        "warning",
        "{{ $labels.job }} {{ $labels.instance }}: the live heap is over 80 % of GOMEMLIMIT: the GC thrashes there",
    );
    out
}

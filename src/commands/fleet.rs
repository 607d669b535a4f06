//! `gclens fleet`: asks a Prometheus which Go instances there are, then about a batch
//! of them at a time (their live heap, goroutines and settings over the range, each
//! series of a query split so no answer holds more than 10,000 points of one series),
//! judges each, and writes the table. Memory holds one batch's series and the verdicts.

use super::Status;
use crate::analyze::fleet::{Asked, FleetReport, judge};
use crate::cli::{BudgetFrom, FleetAction, FleetArgs, FleetGate, FleetOutput, FleetRulesArgs};
use crate::export::fleet::{FleetCsv, FleetJson};
use crate::export::fleet_rules::RulesOptions;
use crate::input::prometheus::Prometheus;
use crate::model::fleet::{Instance, Labels, LiveSource, Series, key_of};
use crate::output::{Format, emit};
use crate::parse::prom_api;
use crate::render::fleet::{FleetMarkdown, FleetText};
use std::collections::{BTreeMap, BTreeSet};

/// Points of one series one range query may return (Prometheus refuses over 11,000).
const MAX_POINTS: f64 = 10_000.0;

/// The range asked, in Unix seconds.
struct Span {
    start: f64,
    end: f64,
    step: f64,
}

impl Span {
    /// `[R]` of a range-vector selector covering the span.
    fn window(&self) -> String {
        format!("{}s", (self.end - self.start).ceil().max(1.0) as u64)
    }
}

pub fn run(args: &FleetArgs) -> anyhow::Result<Status> {
    if let Some(FleetAction::Rules(r)) = &args.action {
        return rules(r);
    }
    let Some(url) = args.prometheus.as_deref() else {
        anyhow::bail!("--prometheus URL is required");
    };
    let client = super::http_client(args.headers.clone(), args.cacert.as_deref(), args.timeout)?;
    let prom = Prometheus::new(url, client, args.max_input);
    let end = args.end.unwrap_or_else(now);
    let span = Span {
        start: end - args.range.as_secs_f64(),
        end,
        step: args.step.as_secs_f64(),
    };
    let inner = matchers(&args.selector)?;
    let keys = discover(&prom, &inner, &span)?;
    if keys.is_empty() {
        crate::note!(
            "gclens: no Go instance matches {} in {} over the range (no go_goroutines or gclens_heap_live_bytes series)",
            args.selector,
            url
        );
        return Ok(Status::NothingFound);
    }
    let containers = Containers::ask(&prom, &span)?;
    let budget = match args.budget_from {
        BudgetFrom::Bytes(b) => Some(b as f64),
        BudgetFrom::Limits => None,
    };
    let bar = super::instance_bar(keys.len() as u64, !args.no_progress);
    let mut verdicts = Vec::with_capacity(keys.len());
    for batch in keys.chunks(args.batch as usize) {
        for mut i in ask_batch(&prom, &inner, batch, &span)? {
            containers.fill(&mut i);
            verdicts.push(judge(&i, budget));
        }
        bar.inc(batch.len() as u64);
    }
    bar.finish_and_clear();
    let asked = Asked {
        prometheus: url.to_string(),
        selector: args.selector.clone(),
        start_unix_s: span.start,
        end_unix_s: span.end,
        step_s: span.step,
    };
    let report = FleetReport::new(asked, verdicts);
    let format: &dyn Format<FleetReport> = match args.format {
        FleetOutput::Text => &FleetText { top: args.top },
        FleetOutput::Markdown => &FleetMarkdown { top: args.top },
        FleetOutput::Json => &FleetJson,
        FleetOutput::Csv => &FleetCsv,
    };
    emit(args.output.as_deref(), format, &report)?;
    let leaking = report.leaking > 0;
    let fails = match args.fail_on {
        None => false,
        Some(FleetGate::Leak) => leaking,
        Some(FleetGate::Settings) => leaking || report.flagged > 0,
    };
    Ok(if fails {
        Status::NothingFound
    } else {
        Status::Ok
    })
}

/// `gclens fleet rules`: the rules file.
fn rules(r: &FleetRulesArgs) -> anyhow::Result<Status> {
    let o = RulesOptions {
        matchers: matchers(&r.selector)?,
        window_s: r.window.as_secs().max(60),
        for_s: r.for_.as_secs().max(1),
    };
    let text = crate::export::fleet_rules::rules(&o);
    crate::output::write_to(r.output.as_deref(), |out| {
        Ok(out.write_all(text.as_bytes())?)
    })?;
    Ok(Status::Ok)
}

fn now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64().floor())
}

/// The label matchers inside `--match`'s braces.
fn matchers(selector: &str) -> anyhow::Result<String> {
    let s = selector.trim();
    let inner = s
        .strip_prefix('{')
        .and_then(|s| s.strip_suffix('}'))
        .ok_or_else(|| {
            anyhow::anyhow!(
                "--match {selector:?}: give label matchers in braces, as in '{{job=~\"api.*\"}}'"
            )
        })?;
    Ok(inner.trim().trim_end_matches(',').to_string())
}

/// `{inner, more}` with the empty parts left out.
fn selector(inner: &str, more: &str) -> String {
    let parts: Vec<&str> = [inner, more]
        .into_iter()
        .filter(|p| !p.is_empty())
        .collect();
    format!("{{{}}}", parts.join(","))
}

/// `v` as an RE2 literal inside a PromQL double-quoted string.
fn literal(v: &str) -> String {
    let mut s = String::new();
    for c in v.chars() {
        match c {
            '\\' | '.' | '+' | '*' | '?' | '(' | ')' | '|' | '[' | ']' | '{' | '}' | '^' | '$' => {
                s.push_str("\\\\");
                s.push(c);
            }
            '"' => s.push_str("\\\""),
            _ => s.push(c),
        }
    }
    s
}

/// Every instance with a Go collector's or gclens's series over the span, by key.
fn discover(prom: &Prometheus, inner: &str, span: &Span) -> anyhow::Result<Vec<Labels>> {
    let mut keys = BTreeSet::new();
    let (start, end) = (span.start.to_string(), span.end.to_string());
    for metric in ["go_goroutines", "gclens_heap_live_bytes"] {
        let m = format!("{metric}{}", selector(inner, ""));
        let body = prom.get(
            "series",
            &[("match[]", &m), ("start", &start), ("end", &end)],
        )?;
        keys.extend(prom_api::series(&body)?.iter().map(key_of));
    }
    Ok(keys.into_iter().collect())
}

/// A range query over the span, split so that no series comes back with more than
/// [`MAX_POINTS`] points; the parts joined per series.
fn range(prom: &Prometheus, q: &str, span: &Span) -> anyhow::Result<Vec<Series>> {
    let mut by: BTreeMap<Labels, Vec<(f64, f64)>> = BTreeMap::new();
    let mut from = span.start;
    while from <= span.end {
        let to = (from + span.step * (MAX_POINTS - 1.0)).min(span.end);
        let body = prom.get(
            "query_range",
            &[
                ("query", q),
                ("start", &from.to_string()),
                ("end", &to.to_string()),
                ("step", &span.step.to_string()),
            ],
        )?;
        for s in prom_api::matrix(&body)? {
            by.entry(s.labels).or_default().extend(s.points);
        }
        from = to + span.step;
    }
    Ok(by
        .into_iter()
        .map(|(labels, points)| Series { labels, points })
        .collect())
}

/// An instant query at the span's end: each sample's labels and value.
fn instant(prom: &Prometheus, q: &str, span: &Span) -> anyhow::Result<Vec<(Labels, f64)>> {
    let body = prom.get("query", &[("query", q), ("time", &span.end.to_string())])?;
    prom_api::vector(&body)
}

/// Asks about `batch`, instances of one query each, and gives them back assembled.
fn ask_batch(
    prom: &Prometheus,
    inner: &str,
    batch: &[Labels],
    span: &Span,
) -> anyhow::Result<Vec<Instance>> {
    let mut only = vec![];
    for k in ["job", "instance"] {
        let vals: BTreeSet<String> = batch
            .iter()
            .filter_map(|l| l.get(k))
            .map(|v| literal(v))
            .collect();
        if !vals.is_empty() {
            only.push(format!(
                "{k}=~\"{}\"",
                vals.into_iter().collect::<Vec<_>>().join("|")
            ));
        }
    }
    let s = selector(inner, &only.join(","));
    let w = span.window();
    let mut out: BTreeMap<Labels, Instance> = batch
        .iter()
        .map(|k| {
            (
                k.clone(),
                Instance {
                    labels: k.clone(),
                    ..Instance::default()
                },
            )
        })
        .collect();
    let lives = [
        (
            LiveSource::GctraceLive,
            format!("gclens_heap_live_bytes{s}"),
        ),
        (
            LiveSource::GoalOverGogc,
            format!(
                "go_memstats_next_gc_bytes{s} / (1 + go_gc_gogc_percent{s} / 100) or go_memstats_next_gc_bytes{s} / 2"
            ),
        ),
        (
            LiveSource::HeapInuse,
            format!("go_memstats_heap_inuse_bytes{s}"),
        ),
    ];
    for (source, q) in lives {
        // only the instances still without a better source need this one
        if out.values().all(|i| i.live.is_some()) {
            break;
        }
        for series in range(prom, &q, span)? {
            if let Some(i) = out.get_mut(&key_of(&series.labels))
                && i.live.is_none()
                && !series.points.is_empty()
            {
                i.live = Some((source, series.points));
            }
        }
    }
    for series in range(prom, &format!("go_goroutines{s}"), span)? {
        if let Some(i) = out.get_mut(&key_of(&series.labels)) {
            i.goroutines = series.points;
        }
    }
    let lasts: [(String, fn(&mut Instance) -> &mut Option<f64>); 7] = [
        (format!("last_over_time(go_gc_gogc_percent{s}[{w}])"), |i| {
            &mut i.gogc
        }),
        (
            format!("last_over_time(go_gc_gomemlimit_bytes{s}[{w}])"),
            |i| &mut i.gomemlimit,
        ),
        (
            format!("max_over_time(go_memstats_next_gc_bytes{s}[{w}])"),
            |i| &mut i.goal_peak,
        ),
        (
            format!(
                "max_over_time(go_gc_duration_seconds{{quantile=\"1\",{}}}[{w}])",
                &s[1..s.len() - 1]
            ),
            |i| &mut i.gc.pause_max_s,
        ),
        (
            format!(
                "increase(go_gc_duration_seconds_sum{s}[{w}]) / increase(go_gc_duration_seconds_count{s}[{w}])"
            ),
            |i| &mut i.gc.pause_mean_s,
        ),
        (
            format!(
                "increase(go_gc_duration_seconds_count{s}[{w}]) / {}",
                (span.end - span.start) / 60.0
            ),
            |i| &mut i.gc.cycles_per_min,
        ),
        (format!("avg_over_time(gclens_gc_cpu_ratio{s}[{w}])"), |i| {
            &mut i.gc.cpu_ratio
        }),
    ];
    for (q, field) in lasts {
        for (l, v) in instant(prom, &q, span)? {
            if let Some(i) = out.get_mut(&key_of(&l)) {
                *field(i) = Some(v);
            }
        }
    }
    Ok(out.into_values().collect())
}

/// Facts about containers (limits, working sets, OOM kills), by (namespace, pod,
/// container): asked once for the whole range.
struct Containers {
    limit: BTreeMap<[String; 3], f64>,
    working_set: BTreeMap<[String; 3], f64>,
    oom_restarts: BTreeMap<[String; 3], f64>,
}

fn container_key(l: &Labels) -> Option<[String; 3]> {
    Some([
        l.get("namespace")?.clone(),
        l.get("pod")?.clone(),
        l.get("container")?.clone(),
    ])
}

impl Containers {
    fn ask(prom: &Prometheus, span: &Span) -> anyhow::Result<Self> {
        let w = span.window();
        let by = "max by (namespace, pod, container)";
        let real = "container!=\"\",container!=\"POD\"";
        let get = |q: String| -> anyhow::Result<BTreeMap<[String; 3], f64>> {
            Ok(instant(prom, &q, span)?
                .into_iter()
                .filter_map(|(l, v)| Some((container_key(&l)?, v)))
                .collect())
        };
        let mut limit = get(format!(
            "{by} (last_over_time(kube_pod_container_resource_limits{{resource=\"memory\"}}[{w}]))"
        ))?;
        // cAdvisor's own figure wins where both are (it is what the kernel enforces)
        limit.extend(get(format!(
            "{by} (last_over_time(container_spec_memory_limit_bytes{{{real}}}[{w}]) > 0)"
        ))?);
        let working_set = get(format!(
            "{by} (max_over_time(container_memory_working_set_bytes{{{real}}}[{w}]))"
        ))?;
        let restarts = get(format!(
            "{by} (increase(kube_pod_container_status_restarts_total[{w}]))"
        ))?;
        let oom = get(format!(
            "{by} (max_over_time(kube_pod_container_status_last_terminated_reason{{reason=\"OOMKilled\"}}[{w}]))"
        ))?;
        let oom_restarts = restarts
            .into_iter()
            .filter(|(k, n)| *n >= 0.5 && oom.get(k).is_some_and(|v| *v >= 1.0))
            .map(|(k, n)| (k, n.round()))
            .collect();
        Ok(Containers {
            limit,
            working_set,
            oom_restarts,
        })
    }

    /// The facts of `i`'s container: by namespace, pod and container, or by namespace
    /// and pod where the pod has one container with facts.
    fn fill(&self, i: &mut Instance) {
        let l = &i.labels;
        let key = container_key(l).or_else(|| {
            let (ns, pod) = (l.get("namespace")?, l.get("pod")?);
            let mut of_pod = self
                .limit
                .keys()
                .chain(self.working_set.keys())
                .filter(|k| &k[0] == ns && &k[1] == pod)
                .collect::<BTreeSet<_>>()
                .into_iter();
            match (of_pod.next(), of_pod.next()) {
                (Some(k), None) => Some(k.clone()),
                _ => None,
            }
        });
        if let Some(k) = key {
            i.container_limit = self.limit.get(&k).copied();
            i.working_set_peak = self.working_set.get(&k).copied();
            i.oom_restarts = self.oom_restarts.get(&k).copied();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors_are_joined_and_values_escaped() {
        assert_eq!(matchers("{}").unwrap(), "");
        assert_eq!(matchers(" {job=~\"api.*\",} ").unwrap(), "job=~\"api.*\"");
        assert!(matchers("up").is_err());
        assert_eq!(selector("", ""), "{}");
        assert_eq!(
            selector("job=\"a\"", "instance=~\"x\""),
            "{job=\"a\",instance=~\"x\"}"
        );
        assert_eq!(literal("10.0.0.1:8080"), "10\\\\.0\\\\.0\\\\.1:8080");
        assert_eq!(literal("a\"b"), "a\\\"b");
    }
}

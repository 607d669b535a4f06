//! `gclens report --html`: the report as one self-contained page to attach to an
//! incident ticket — inline CSS and SVG, no script of its own, nothing fetched: the heap
//! timeline (the same chart as `gclens chart`, with the budget and the trend), a
//! sparkline per growing site and per goroutine group, the growth flame graph (inferno's
//! SVG as an image, so its script never runs in the page), tables that fold.

use crate::analyze::report::{AdvicePart, IncidentReport, Role, SiteLine};
use crate::model::escape::Step;
use crate::model::heap::SampleType;
use crate::output::Format;
use crate::render::chart::{ChartModel, ChartOptions, Panel};
use crate::units::{fmt_bytes, num};
use base64::Engine;
use std::fmt::Write as _;
use std::io::Write;

/// The page; `heap_chart` is the trace's heap chart, gathered as the trace was read
/// (a [`ChartStream`](crate::render::chart::ChartStream) made with [`heap_chart`]'s
/// options, so that a trace of any length is drawn in bounded memory).
pub struct ReportHtml {
    pub heap_chart: Option<ChartModel>,
}

/// The options of the page's heap chart: the budget line drawn while the program leaks
/// (`budget_bytes`: the report's `time_left`).
pub fn heap_chart(budget_bytes: Option<u64>) -> ChartOptions {
    ChartOptions {
        width: 1000,
        height: 420,
        panels: vec![Panel::Heap],
        budget_bytes,
        svg: true,
        ..ChartOptions::default()
    }
}

impl Format<IncidentReport> for ReportHtml {
    fn write(&self, r: &IncidentReport, out: &mut dyn Write) -> anyhow::Result<()> {
        out.write_all(page(r, self.heap_chart.as_ref())?.as_bytes())?;
        Ok(())
    }
}

const CSS: &str = "body{font:15px/1.45 system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#1d1d1f}
h1{font-size:1.5em;margin-bottom:.2em}h2{font-size:1.15em;margin-top:1.8em;border-bottom:1px solid #ddd}
.verdict{padding:.8em 1em;border-radius:6px;border-left:6px solid}.yes{background:#fdecea;border-color:#c62828}
.possible{background:#fff8e1;border-color:#f9a825}.no{background:#e8f5e9;border-color:#2e7d32}.unknown{background:#eceff1;border-color:#607d8b}
table{border-collapse:collapse;width:100%;margin:.5em 0}th,td{text-align:left;padding:.25em .5em;border-bottom:1px solid #eee;vertical-align:top}
td.n{text-align:right;white-space:nowrap}code{font:13px ui-monospace,monospace}.dim{color:#666}
pre{background:#f6f8fa;padding:.6em;overflow-x:auto;font-size:13px}svg.spark{vertical-align:middle}
details{margin:.5em 0}summary{cursor:pointer;color:#444}.chart svg{max-width:100%;height:auto}img.flame{max-width:100%}";

/// `&`, `<`, `>` and `"` as entities.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            c => o.push(c),
        }
    }
    o
}

/// A line of `values` in a `w`×`h` box (and, when given, a second line over it).
pub fn sparkline(values: &[f64], second: Option<&[f64]>, w: u32, h: u32) -> String {
    let max = values
        .iter()
        .chain(second.unwrap_or(&[]))
        .fold(0f64, |a, b| a.max(*b))
        .max(1e-9);
    let line = |v: &[f64], color: &str| {
        let n = v.len().max(2) - 1;
        let pts: Vec<String> = v
            .iter()
            .enumerate()
            .map(|(i, y)| {
                let x = 2.0 + (w as f64 - 4.0) * i as f64 / n as f64;
                let y = h as f64 - 2.0 - (h as f64 - 4.0) * y / max;
                format!("{x:.1},{y:.1}")
            })
            .collect();
        format!(
            r#"<polyline points="{}" fill="none" stroke="{color}" stroke-width="1.6"/>"#,
            pts.join(" ")
        )
    };
    let mut s =
        format!(r#"<svg class="spark" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img">"#);
    s.push_str(&line(values, "#1565c0"));
    if let Some(v) = second {
        s.push_str(&line(v, "#c62828"));
    }
    s.push_str("</svg>");
    s
}

fn page(r: &IncidentReport, chart: Option<&ChartModel>) -> anyhow::Result<String> {
    let mut s = String::new();
    let v = &r.verdict;
    let class = serde_json::to_value(v.leaking)?
        .as_str()
        .unwrap_or("unknown")
        .to_string();
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">\
         <title>gclens report: {}</title><style>{CSS}</style></head><body>\n<h1>gclens report</h1>\n<p class=\"dim\">{}</p>\n\
         <div class=\"verdict {class}\"><strong>{}</strong><p>{}</p></div>\n",
        esc(v.leaking.label()),
        esc(&r.inputs_line()),
        esc(&capital(v.leaking.label())),
        esc(&v.summary)
    );
    growth(&mut s, r, chart)?;
    heap(&mut s, r)?;
    goroutines(&mut s, r);
    why(&mut s, r);
    advice(&mut s, r);
    if !r.missing.is_empty() {
        s.push_str("<h2 id=\"missing\">6. What is missing?</h2>\n<ul>\n");
        for m in &r.missing {
            let _ = writeln!(
                s,
                "<li><strong>{}</strong>: {}<pre>{}</pre></li>",
                esc(&m.what),
                esc(&m.why),
                esc(&m.command)
            );
        }
        s.push_str("</ul>\n");
    }
    if !r.skipped.is_empty() {
        let _ = writeln!(
            s,
            "<details><summary>Set aside ({} files)</summary><ul>",
            r.skipped.len()
        );
        for k in &r.skipped {
            let _ = writeln!(
                s,
                "<li><code>{}</code>: {}</li>",
                esc(&k.source),
                esc(&k.reason)
            );
        }
        s.push_str("</ul></details>\n");
    }
    s.push_str("<p class=\"dim\">Written by gclens report; this page fetches nothing and runs no script.</p>\n</body></html>\n");
    Ok(s)
}

fn capital(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

fn growth(s: &mut String, r: &IncidentReport, chart: Option<&ChartModel>) -> anyhow::Result<()> {
    let g = &r.growth;
    let _ = writeln!(
        s,
        "<h2 id=\"growing\">1. Is memory growing? {}</h2>",
        esc(g.signal.label())
    );
    if let Some(m) = chart.filter(|_| r.gc.as_ref().is_some_and(|gc| gc.summary.cycles >= 2)) {
        let opts = heap_chart(r.time_left.as_ref().map(|t| t.budget_bytes));
        let svg = crate::render::chart::draw::svg(m, &opts)?;
        let svg = String::from_utf8_lossy(&svg);
        let svg = svg.find("<svg").map_or(&*svg, |k| &svg[k..]);
        let _ = writeln!(s, "<div class=\"chart\">{svg}</div>");
    }
    s.push_str("<table><tr><th>evidence</th><th>says</th><th>figures</th></tr>\n");
    if let Some(t) = &g.trace {
        let _ = writeln!(
            s,
            "<tr><td>gctrace</td><td>{}</td><td>{}</td></tr>",
            esc(t.signal.label()),
            esc(&t.evidence)
        );
    }
    if let Some(m) = &g.memstats {
        let _ = writeln!(
            s,
            "<tr><td>MemStats ({} snapshots)</td><td>{}</td><td>HeapAlloc {} → {}</td></tr>",
            m.snapshots,
            esc(m.signal.label()),
            m.heap_alloc_first.map_or("?".into(), fmt_bytes),
            m.heap_alloc_last.map_or("?".into(), fmt_bytes)
        );
    }
    if let Some(p) = &g.profiles {
        let _ = writeln!(
            s,
            "<tr><td>heap profiles ({})</td><td>{}</td><td>in use {} → {}</td></tr>",
            p.profiles,
            esc(p.signal.label()),
            b(p.inuse_first),
            b(p.inuse_last)
        );
    }
    let _ = writeln!(s, "</table>\n<p>{}</p>", esc(&g.cross_check));
    Ok(())
}

fn b(v: i64) -> String {
    fmt_bytes(v.max(0) as u64)
}

fn site_row(s: &mut String, l: &SiteLine, what: &str) {
    let v: Vec<f64> = l.inuse.iter().map(|x| *x as f64).collect();
    let _ = writeln!(
        s,
        "<tr><td><code>{}</code><br><span class=\"dim\">{}:{}</span></td><td>{}</td><td class=\"n\">{} → {}</td><td>{}</td></tr>",
        esc(&l.function),
        esc(&l.file),
        l.line,
        esc(what),
        b(l.inuse_first),
        b(l.inuse_last),
        sparkline(&v, None, 120, 28)
    );
}

fn heap(s: &mut String, r: &IncidentReport) -> anyhow::Result<()> {
    let Some(h) = &r.heap else { return Ok(()) };
    let _ = writeln!(
        s,
        "<h2 id=\"where\">2. Where? {} heap profiles</h2>",
        h.report.profiles.len()
    );
    s.push_str(
        "<table><tr><th>site</th><th>verdict</th><th>in use</th><th>per profile</th></tr>\n",
    );
    for l in &h.growing {
        let what = format!(
            "{}{}{}",
            if l.role == Role::Growing {
                "growing"
            } else {
                "jumped"
            },
            l.share_pct
                .map(|p| format!(", {p:.0} % of the growth"))
                .unwrap_or_default(),
            l.mib_per_min
                .map(|m| format!(", {} MiB/min", num(m)))
                .unwrap_or_default()
        );
        site_row(s, l, &what);
    }
    s.push_str("</table>\n");
    if let Some(a) = &h.accounts {
        let _ = writeln!(s, "<p>{}</p>", esc(a));
    }
    if !h.decoys.is_empty() {
        let _ = writeln!(
            s,
            "<details><summary>Not the leak ({} sites)</summary><table>",
            h.decoys.len()
        );
        for l in &h.decoys {
            let what = l.decoy_phrase();
            site_row(s, l, &what);
        }
        s.push_str("</table></details>\n");
    }
    if let Some(series) = &r.series
        && series.profiles.len() >= 2
    {
        let mut svg = vec![];
        crate::render::flamegraph::GrowthFlameGraph {
            sample: SampleType::InuseSpace,
        }
        .write(series, &mut svg)?;
        let data = base64::engine::general_purpose::STANDARD.encode(&svg);
        let _ = writeln!(
            s,
            "<details open><summary>Growth flame graph, first → last profile (red grew, blue shrank)</summary>\
             <img class=\"flame\" alt=\"differential flame graph of the heap's growth\" src=\"data:image/svg+xml;base64,{data}\"></details>"
        );
    }
    Ok(())
}

fn goroutines(s: &mut String, r: &IncidentReport) {
    let Some(g) = &r.goroutines else { return };
    let totals: Vec<String> = g.dumps.iter().map(|d| d.total.to_string()).collect();
    let _ = writeln!(
        s,
        "<h2 id=\"goroutines\">3. Goroutines? {}</h2>\n<p>{}</p>",
        esc(&totals.join(" → ")),
        esc(&g.leak.evidence)
    );
    s.push_str("<table><tr><th>group</th><th>state</th><th>counts</th><th>per dump (red: proven leaked)</th></tr>\n");
    for gr in g
        .groups
        .iter()
        .filter(|gr| gr.counts.iter().any(|c| *c >= 2) || gr.leaked)
    {
        let counts: Vec<f64> = gr.counts.iter().map(|c| *c as f64).collect();
        let leaked: Vec<f64> = gr.leaked_counts.iter().map(|c| *c as f64).collect();
        let c: Vec<String> = gr.counts.iter().map(|c| c.to_string()).collect();
        let _ = writeln!(
            s,
            "<tr><td><code>{}</code><br><span class=\"dim\">created by {}</span></td><td>{} ({})</td><td class=\"n\">{}</td><td>{}</td></tr>",
            esc(&gr.function),
            esc(gr
                .created_at
                .as_deref()
                .or(gr.created_by.as_deref())
                .unwrap_or("?")),
            esc(gr.state.as_deref().unwrap_or("?")),
            esc(gr.verdict.label()),
            esc(&c.join(" → ")),
            sparkline(&counts, gr.leaked.then_some(&leaked[..]), 120, 28)
        );
    }
    s.push_str("</table>\n");
    if let Some((a, z)) = r.stacks_mib {
        let _ = writeln!(s, "<p>Stacks (gctrace): {a} → {z} MiB</p>");
    }
}

fn why(s: &mut String, r: &IncidentReport) {
    let Some(w) = &r.why else { return };
    let _ = writeln!(s, "<h2 id=\"why\">4. Why on the heap?</h2>");
    for e in &w.at_sites {
        let _ = writeln!(
            s,
            "<details open><summary><code>{}:{}:{}</code>: {} <span class=\"dim\">(at {})</span></summary><pre>",
            esc(&e.file),
            e.line,
            e.col,
            esc(&e.message),
            esc(&e.site)
        );
        for st in e.explanation.iter().flat_map(|x| &x.steps) {
            let t = match st {
                Step::Flow { to, from } => format!("flow: {to} ← {from}"),
                Step::From { expr, reason, at } => format!(
                    "  from {expr} ({reason}){}",
                    at.as_deref()
                        .map(|a| format!(" at {a}"))
                        .unwrap_or_default()
                ),
                Step::Note { text } => text.clone(),
            };
            let _ = writeln!(s, "{}", esc(&t));
        }
        s.push_str("</pre></details>\n");
    }
    if w.at_sites.is_empty() {
        s.push_str("<p>No escape diagnostic at the growing sites.</p>\n");
    }
}

fn advice(s: &mut String, r: &IncidentReport) {
    s.push_str("<h2 id=\"set\">5. What to set?</h2>\n");
    if r.verdict.leaking == crate::analyze::report::Leaking::Yes {
        let _ = writeln!(s, "<p><strong>{}</strong></p>", esc(&r.leak_first()));
    }
    let line = match &r.advice {
        AdvicePart::Advised { advice: a } => format!(
            "{}<code>GOGC={} GOMEMLIMIT={}</code>: predicted peak {}, GC CPU {:.1} %",
            if r.time_left.is_some() {
                "Once it no longer leaks: "
            } else {
                ""
            },
            esc(&a.gogc_env),
            a.gomemlimit_bytes,
            fmt_bytes(a.predicted.peak_bytes),
            a.predicted.gc_cpu_pct
        ),
        AdvicePart::Refused { refusal } => format!("No advice: {}", esc(&refusal.refused.message)),
        AdvicePart::NotAsked { why } => format!("No advice: {}", esc(why)),
    };
    let _ = writeln!(s, "<p>{line}</p>");
}

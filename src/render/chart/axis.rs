//! Honest axes: the time unit a span reads best in (s, min, h), tick positions at
//! round steps (1, 2, 5 × 10^k) and labels that all use the step's own number of
//! decimals (never "120" beside "80.0"), with k/M/G/T for huge values; the size unit
//! a heap axis reads best in; durations and sizes for titles and labels.

/// The unit of the time axis.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeUnit {
    Seconds,
    Minutes,
    Hours,
    Days,
}

impl TimeUnit {
    /// Seconds up to 5 minutes, minutes up to 5 hours, hours up to 3 days (as
    /// [`fmt_duration`] writes them), days beyond: a month of trace reads 0–30 d.
    pub fn for_span(span_s: f64) -> Self {
        if span_s <= 300.0 {
            TimeUnit::Seconds
        } else if span_s <= 5.0 * 3600.0 {
            TimeUnit::Minutes
        } else if span_s <= 72.0 * 3600.0 {
            TimeUnit::Hours
        } else {
            TimeUnit::Days
        }
    }
    pub fn seconds(self) -> f64 {
        match self {
            TimeUnit::Seconds => 1.0,
            TimeUnit::Minutes => 60.0,
            TimeUnit::Hours => 3600.0,
            TimeUnit::Days => 86400.0,
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            TimeUnit::Seconds => "s",
            TimeUnit::Minutes => "min",
            TimeUnit::Hours => "h",
            TimeUnit::Days => "d",
        }
    }
}

/// `6.04 s`, `2.5 min`, `3.1 h`, `41 d`.
pub fn fmt_duration(s: f64) -> String {
    let s = s.max(0.0);
    if s < 100.0 {
        format!("{} s", sig3(s))
    } else if s < 100.0 * 60.0 {
        format!("{} min", sig3(s / 60.0))
    } else if s < 72.0 * 3600.0 {
        format!("{} h", sig3(s / 3600.0))
    } else {
        format!("{} d", sig3(s / 86400.0))
    }
}

/// Three significant digits, no more decimals than that: `6.04`, `42.5`, `123`.
fn sig3(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}")
    } else if v >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

/// The size unit of a heap axis whose top is `top_mib`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SizeUnit {
    MiB,
    GiB,
    TiB,
}

impl SizeUnit {
    pub fn for_top(top_mib: f64) -> Self {
        if top_mib > 4.0 * 1024.0 * 1024.0 {
            SizeUnit::TiB
        } else if top_mib > 4096.0 {
            SizeUnit::GiB
        } else {
            SizeUnit::MiB
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            SizeUnit::MiB => "MiB",
            SizeUnit::GiB => "GiB",
            SizeUnit::TiB => "TiB",
        }
    }
    /// A MiB figure in this unit.
    pub fn of_mib(self, v: f64) -> f64 {
        match self {
            SizeUnit::MiB => v,
            SizeUnit::GiB => v / 1024.0,
            SizeUnit::TiB => v / (1024.0 * 1024.0),
        }
    }
}

/// How every label of one axis is written.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TickFormat {
    decimals: usize,
    scale: f64,
    suffix: &'static str,
}

impl TickFormat {
    pub fn fmt(&self, v: f64) -> String {
        let v = v / self.scale;
        // no "-0"
        let v = if v.abs() < 0.5 * 10f64.powi(-(self.decimals as i32)) {
            0.0
        } else {
            v
        };
        format!("{v:.*}{}", self.decimals, self.suffix)
    }
}

/// A round step near `range / n`: 1, 2 or 5 × 10^k.
pub fn nice_step(range: f64, n: usize) -> f64 {
    let raw = (range / n.max(1) as f64).max(f64::MIN_POSITIVE);
    let mag = 10f64.powf(raw.log10().floor());
    let f = raw / mag;
    let m = if f <= 1.0 {
        1.0
    } else if f <= 2.0 {
        2.0
    } else if f <= 5.0 {
        5.0
    } else {
        10.0
    };
    m * mag
}

/// At most `max_n` ticks at round steps inside `lo..=hi`, and the format they share.
/// `integers`: only whole numbers (cycle numbers).
pub fn ticks(lo: f64, hi: f64, max_n: usize, integers: bool) -> (Vec<f64>, TickFormat) {
    let range = (hi - lo).max(f64::MIN_POSITIVE);
    let mut step = nice_step(range, max_n.max(1));
    if integers {
        step = step.max(1.0).round();
    }
    let first = (lo / step).ceil();
    let mut out = vec![];
    let mut k = first;
    while k * step <= hi + step * 1e-9 && out.len() <= max_n + 1 {
        out.push(k * step);
        k += 1.0;
    }
    (out, format_for(step, lo.abs().max(hi.abs())))
}

/// The format of labels `step` apart on an axis reaching `top`: the step's decimals,
/// after a k/M/G/T scale for huge values.
pub fn format_for(step: f64, top: f64) -> TickFormat {
    let (scale, suffix) = if top >= 1e12 {
        (1e12, "T")
    } else if top >= 1e9 {
        (1e9, "G")
    } else if top >= 1e6 {
        (1e6, "M")
    } else if top >= 1e4 {
        (1e3, "k")
    } else {
        (1.0, "")
    };
    let step = step.max(f64::MIN_POSITIVE);
    // 0.25 needs 2 decimals, 0.5 one: the digits of the step itself
    let mut decimals = (-(step / scale).log10().floor()).max(0.0) as usize;
    while decimals < 6 {
        let v = step / scale * 10f64.powi(decimals as i32);
        if (v - v.round()).abs() < 1e-6 {
            break;
        }
        decimals += 1;
    }
    TickFormat {
        decimals,
        scale,
        suffix,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(lo: f64, hi: f64, n: usize) -> Vec<String> {
        let (t, f) = ticks(lo, hi, n, false);
        t.iter().map(|&v| f.fmt(v)).collect()
    }

    #[test]
    fn labels_share_the_steps_decimals() {
        assert_eq!(
            labels(0.0, 120.0, 6),
            ["0", "20", "40", "60", "80", "100", "120"]
        );
        assert_eq!(labels(0.0, 6.04, 6), ["0", "2", "4", "6"]);
        // plotters may step by 0.25: two decimals for every label then
        let q = format_for(0.25, 1.0);
        assert_eq!(
            [q.fmt(0.0), q.fmt(0.25), q.fmt(0.5)],
            ["0.00", "0.25", "0.50"]
        );
        assert_eq!(labels(0.0, 2.2, 5), ["0.0", "0.5", "1.0", "1.5", "2.0"]);
        assert_eq!(labels(166.0, 200.0, 4), ["170", "180", "190", "200"]);
        // huge values get a suffix instead of `1000000000000k`
        assert_eq!(labels(0.0, 3e12, 3), ["0T", "1T", "2T", "3T"]);
        let (t, f) = ticks(1.0, 2.0, 10, true);
        assert_eq!(t.iter().map(|&v| f.fmt(v)).collect::<Vec<_>>(), ["1", "2"]);
    }

    #[test]
    fn units_and_durations() {
        assert_eq!(TimeUnit::for_span(6.0), TimeUnit::Seconds);
        assert_eq!(TimeUnit::for_span(9900.0), TimeUnit::Minutes);
        assert_eq!(TimeUnit::for_span(72.0 * 3600.0), TimeUnit::Hours);
        assert_eq!(
            TimeUnit::for_span(3e7),
            TimeUnit::Days,
            "a year reads in days"
        );
        assert_eq!(fmt_duration(6.04), "6.04 s");
        assert_eq!(fmt_duration(9900.0), "2.75 h");
        assert_eq!(SizeUnit::for_top(536.0), SizeUnit::MiB);
        assert_eq!(SizeUnit::for_top(8192.0), SizeUnit::GiB);
    }
}

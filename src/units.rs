//! Memory sizes as people write them: Go's GOMEMLIMIT syntax (`512MiB`, `1GiB`, bytes,
//! `B/KiB/MiB/GiB/TiB`) and Kubernetes quantities (`512Mi`, `1Gi`, `1G`, `500M`, `1.5Gi`),
//! and back to text; numbers as the reports print them ([`num`]). The ground floor with
//! `model`: it imports nothing of ours.

/// Bytes in a MiB, as a float for figures (the runtime prints heap sizes in MiB).
pub const MIB: f64 = 1048576.0;

/// Every unit a size may be written in: its spellings, bytes per unit, and the
/// Kubernetes quantity suffix it is.
const UNITS: [(&[&str], f64, &str); 9] = [
    (&["", "B"], 1.0, ""),
    (&["KiB", "Ki"], 1024.0, "Ki"),
    (&["MiB", "Mi"], 1048576.0, "Mi"),
    (&["GiB", "Gi"], 1073741824.0, "Gi"),
    (&["TiB", "Ti"], 1099511627776.0, "Ti"),
    (&["k", "K", "kB", "KB"], 1e3, "k"),
    (&["M", "MB"], 1e6, "M"),
    (&["G", "GB"], 1e9, "G"),
    (&["T", "TB"], 1e12, "T"),
];

/// A size's number and its unit's entry in [`UNITS`] (None: an unknown unit).
fn split_size(t: &str) -> (&str, &str, Option<(f64, &'static str)>) {
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let entry = UNITS
        .iter()
        .find(|(names, _, _)| names.contains(&unit.trim()))
        .map(|&(_, mult, k8s)| (mult, k8s));
    (num, unit, entry)
}

/// Parses a size into bytes, with a message that says what is accepted.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let (num, unit, entry) = split_size(s.trim());
    if num.is_empty() || num.matches('.').count() > 1 {
        return Err(format!(
            "{s:?}: not a size (examples: 512MiB, 1GiB, 512Mi, 1G, 536870912)"
        ));
    }
    let Some((mult, _)) = entry else {
        return Err(format!(
            "{s:?}: unknown unit {:?} (use bytes, B/KiB/MiB/GiB/TiB like GOMEMLIMIT, or Ki/Mi/Gi/K/M/G like Kubernetes)",
            unit.trim()
        ));
    };
    let v: f64 = num.parse().map_err(|_| format!("{s:?}: not a number"))?;
    let bytes = v * mult;
    if !bytes.is_finite() || bytes >= u64::MAX as f64 {
        return Err(format!("{s:?}: too large"));
    }
    if bytes < 1.0 && v > 0.0 {
        return Err(format!("{s:?}: less than one byte"));
    }
    Ok(bytes.round() as u64)
}

/// The size as a Kubernetes quantity: the user's own spelling where it is one (`1G`,
/// `512Mi`, `1.5Gi`), GOMEMLIMIT's units turned into Kubernetes' (`512MiB` → `512Mi`,
/// `1GB` → `1G`, `536870912B` → `536870912`), else whole MiB of `bytes`. Repeating
/// `--budget 1G` as `953Mi` changed the number the user reads in their manifests.
pub fn k8s_quantity(spec: &str, bytes: u64) -> String {
    let (num, _, entry) = split_size(spec.trim());
    let unit = entry.map(|(_, k8s)| k8s);
    let number = !num.is_empty()
        && num.matches('.').count() <= 1
        && !num.starts_with('.')
        && !num.ends_with('.');
    match unit {
        Some(u) if number && parse_size(spec) == Ok(bytes) => format!("{num}{u}"),
        _ => format!("{}Mi", bytes >> 20),
    }
}

/// `512 MiB`, `1.5 GiB`, `900 B`: binary units, at most one decimal.
pub fn fmt_bytes(b: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = b as f64;
    let mut k = 0;
    while v >= 1024.0 && k + 1 < UNITS.len() {
        v /= 1024.0;
        k += 1;
    }
    if k == 0 || (v - v.round()).abs() < 0.05 {
        format!("{:.0} {}", v, UNITS[k])
    } else {
        format!("{:.1} {}", v, UNITS[k])
    }
}

/// `12.3`, `0.052`, `1234`: enough digits to read, no more.
pub fn num(v: f64) -> String {
    let a = v.abs();
    if a == 0.0 {
        "0".into()
    } else if a >= 100.0 {
        format!("{v:.0}")
    } else if a >= 10.0 {
        format!("{v:.1}")
    } else if a >= 1.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.3}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_syntax() {
        assert_eq!(parse_size("536870912"), Ok(512 << 20));
        assert_eq!(parse_size("512MiB"), Ok(512 << 20));
        assert_eq!(parse_size("1GiB"), Ok(1 << 30));
        assert_eq!(parse_size("512Mi"), Ok(512 << 20));
        for (spec, k8s) in [
            ("1G", "1G"),
            ("512Mi", "512Mi"),
            ("512MiB", "512Mi"),
            ("1.5Gi", "1.5Gi"),
            ("2GB", "2G"),
            ("536870912", "536870912"),
            ("536870912B", "536870912"),
            ("500kB", "500k"),
        ] {
            assert_eq!(k8s_quantity(spec, parse_size(spec).unwrap()), k8s, "{spec}");
        }
        // not the user's number (auto, a cgroup's bytes): whole MiB
        assert_eq!(k8s_quantity("auto", 3 << 30), "3072Mi");
        assert_eq!(parse_size("1Gi"), Ok(1 << 30));
        assert_eq!(parse_size("1G"), Ok(1_000_000_000));
        assert_eq!(parse_size("500M"), Ok(500_000_000));
        assert_eq!(parse_size("1.5Gi"), Ok(3 << 29));
        assert_eq!(parse_size("64 MiB"), Ok(64 << 20));
        assert_eq!(parse_size("100B"), Ok(100));
    }

    #[test]
    fn bad_sizes_say_why() {
        assert!(parse_size("12XB").unwrap_err().contains("unknown unit"));
        assert!(parse_size("MiB").unwrap_err().contains("not a size"));
        assert!(parse_size("").unwrap_err().contains("not a size"));
        assert!(parse_size("1.2.3Gi").unwrap_err().contains("not a size"));
        assert!(parse_size("-5Mi").is_err());
        assert!(
            parse_size("99999999999TiB")
                .unwrap_err()
                .contains("too large")
        );
    }

    #[test]
    fn formatting() {
        assert_eq!(fmt_bytes(512 << 20), "512 MiB");
        assert_eq!(fmt_bytes(3 << 29), "1.5 GiB");
        assert_eq!(fmt_bytes(900), "900 B");
    }
}

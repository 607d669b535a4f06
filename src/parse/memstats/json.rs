//! expvar `/debug/vars` JSON: one document, documents one after another (pretty-printed
//! as expvar serves them, or one per line). The `memstats` object is read; a document
//! that is a bare MemStats object (`json.Marshal(m)`) is read too; app variables are
//! ignored.

use super::{Lines, MemStats, Parsed, Shape, SizeClass, Snapshot, U64_FIELDS};
use serde_json::Value;

fn u64s(v: &Value) -> Option<Vec<u64>> {
    v.as_array()?.iter().map(Value::as_u64).collect()
}

/// MemStats from a JSON object; `None` if it has none of its fields.
pub fn from_value(obj: &serde_json::Map<String, Value>) -> Option<MemStats> {
    let mut m = MemStats::default();
    let mut any = false;
    for (k, v) in obj {
        any |= match k.as_str() {
            "PauseNs" => u64s(v).map(|a| m.pause_ns = Some(a)).is_some(),
            "PauseEnd" => u64s(v).map(|a| m.pause_end = Some(a)).is_some(),
            "GCCPUFraction" => v.as_f64().map(|f| m.gc_cpu_fraction = Some(f)).is_some(),
            "EnableGC" => v.as_bool().map(|b| m.enable_gc = Some(b)).is_some(),
            "DebugGC" => v.as_bool().map(|b| m.debug_gc = Some(b)).is_some(),
            "BySize" => v
                .as_array()
                .and_then(|a| {
                    a.iter()
                        .map(|c| {
                            Some(SizeClass {
                                size: c.get("Size")?.as_u64()?,
                                mallocs: c.get("Mallocs")?.as_u64()?,
                                frees: c.get("Frees")?.as_u64()?,
                            })
                        })
                        .collect::<Option<Vec<_>>>()
                })
                .map(|b| m.by_size = Some(b))
                .is_some(),
            name if U64_FIELDS.contains(&name) => v.as_u64().is_some_and(|n| m.set_u64(name, n)),
            _ => false,
        };
    }
    (any && m.heap_alloc.or(m.alloc).is_some()).then_some(m)
}

fn looks_like_memstats(head: &[u8]) -> bool {
    head.windows(10).any(|w| w == b"\"memstats\"")
        || head.windows(11).any(|w| w == b"\"HeapAlloc\"")
}

pub fn parse(data: &[u8], out: &mut Parsed) {
    let mut lines = Lines::default();
    let mut pos = 0;
    while pos < data.len() {
        // a document starts with `{` and a quoted key, at the start of a line
        let Some(k) = memchr::memchr(b'{', &data[pos..]) else {
            break;
        };
        let at = pos + k;
        let line_start = at == 0
            || data[..at]
                .iter()
                .rev()
                .take_while(|b| **b != b'\n')
                .all(|b| b.is_ascii_whitespace());
        let quoted = data[at + 1..].iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'"');
        if !(line_start && quoted) {
            pos = at + 1;
            continue;
        }
        let mut stream = serde_json::Deserializer::from_slice(&data[at..]).into_iter::<Value>();
        match stream.next() {
            Some(Ok(Value::Object(doc))) => {
                let end = at + stream.byte_offset();
                let stats = match doc.get("memstats") {
                    Some(Value::Object(ms)) => from_value(ms),
                    _ => from_value(&doc),
                };
                if let Some(stats) = stats {
                    out.snapshots.push(Snapshot {
                        shape: Shape::Expvar,
                        line: lines.of(data, at),
                        stats,
                        approximate: vec![],
                        last_pause_ns: None,
                    });
                } else if doc.contains_key("memstats") {
                    out.errors.push((
                        lines.of(data, at),
                        "a \"memstats\" value that is not a MemStats object".into(),
                    ));
                }
                pos = end.max(at + 1);
            }
            Some(Err(e)) if looks_like_memstats(&data[at..(at + 4096).min(data.len())]) => {
                out.errors.push((lines.of(data, at), format!("JSON: {e}")));
                pos = at + 1;
            }
            _ => pos = at + 1,
        }
    }
}

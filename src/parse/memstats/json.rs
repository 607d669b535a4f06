//! One expvar `/debug/vars` JSON document: its `memstats` object is read, or the
//! document itself when it is a bare MemStats object (`json.Marshal(m)`); app variables
//! are skipped unread. `vars` finds the documents in a file.
//!
//! Documents are read straight into [`MemStats`] by serde visitors rather than through a
//! `serde_json::Value` tree: a day of `/debug/vars` is 200,000 documents of 500 numbers,
//! and building then dropping a tree for each was most of `memstats`' time. The reading
//! stays as lenient as the tree was: a field of the wrong type is left out (the rest of
//! the document is kept), and a document counts when it holds `HeapAlloc` or `Alloc`.

use super::{MemStats, Shared, SizeClass, U64_FIELDS};
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::fmt;

/// A JSON value as far as MemStats cares: a number, a bool, or something else (read and
/// dropped whole).
#[derive(Clone, Copy)]
enum Leaf {
    U64(u64),
    Number(f64),
    Bool(bool),
    Other,
}

impl Leaf {
    fn u64(self) -> Option<u64> {
        match self {
            Leaf::U64(n) => Some(n),
            _ => None,
        }
    }
}

struct LeafVisitor;

impl<'de> Visitor<'de> for LeafVisitor {
    type Value = Leaf;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_u64<E>(self, v: u64) -> Result<Leaf, E> {
        Ok(Leaf::U64(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Leaf, E> {
        Ok(u64::try_from(v).map_or(Leaf::Number(v as f64), Leaf::U64))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Leaf, E> {
        Ok(Leaf::Number(v))
    }
    fn visit_bool<E>(self, v: bool) -> Result<Leaf, E> {
        Ok(Leaf::Bool(v))
    }
    fn visit_str<E>(self, _: &str) -> Result<Leaf, E> {
        Ok(Leaf::Other)
    }
    fn visit_unit<E>(self) -> Result<Leaf, E> {
        Ok(Leaf::Other)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Leaf, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Leaf::Other)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Leaf, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Leaf::Other)
    }
}

impl<'de> de::Deserialize<'de> for Leaf {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Leaf, D::Error> {
        d.deserialize_any(LeafVisitor)
    }
}

/// What one value of a document is, for the fields that are not plain numbers.
enum Want {
    /// `PauseNs`, `PauseEnd`: an array of integers, or nothing.
    U64s,
    /// `BySize`: an array of `{Size, Mallocs, Frees}`, or nothing.
    SizeClasses,
    /// A document or its `memstats` value: `Some` when it is an object.
    Stats,
}

enum Got {
    U64s(Option<Vec<u64>>),
    SizeClasses(Option<Vec<SizeClass>>),
    Stats(Option<Box<Fields>>),
}

/// The MemStats fields of one JSON object as read, and (for a document) its `memstats`.
#[derive(Default)]
struct Fields {
    stats: MemStats,
    /// `PauseNs`, `PauseEnd` and `BySize` as read (made [`Shared`] with the previous
    /// document's by [`Fields::finish`]).
    pause_ns: Option<Vec<u64>>,
    pause_end: Option<Vec<u64>>,
    by_size: Option<Vec<SizeClass>>,
    /// The object's `memstats` value: `Some(None)` when it is there but not an object.
    memstats: Option<Option<Box<Fields>>>,
}

impl Fields {
    /// The MemStats these fields make, when they hold `HeapAlloc` or `Alloc`; their lists
    /// share what did not change since `like` (the document before).
    fn finish(self, like: Option<&MemStats>) -> Option<MemStats> {
        let mut m = self.stats;
        m.heap_alloc.or(m.alloc)?;
        let (ns, end) = (
            like.and_then(|m| m.pause_ns.as_ref()),
            like.and_then(|m| m.pause_end.as_ref()),
        );
        m.pause_ns = self.pause_ns.map(|v| Shared::new(&v, ns));
        m.pause_end = self.pause_end.map(|v| Shared::new(&v, end));
        let sizes = like.and_then(|m| m.by_size.as_ref());
        m.by_size = self.by_size.map(|v| Shared::new(&v, sizes));
        Some(m)
    }
}

impl<'de> DeserializeSeed<'de> for Want {
    type Value = Got;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Got, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Want {
    type Value = Got;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Got, A::Error> {
        match self {
            Want::U64s => {
                let mut v = Some(Vec::with_capacity(seq.size_hint().unwrap_or(256)));
                while let Some(leaf) = seq.next_element::<Leaf>()? {
                    match (leaf.u64(), &mut v) {
                        (Some(n), Some(v)) => v.push(n),
                        _ => v = None,
                    }
                }
                Ok(Got::U64s(v))
            }
            Want::SizeClasses => {
                let mut v = Some(Vec::with_capacity(seq.size_hint().unwrap_or(68)));
                while let Some(c) = seq.next_element::<SizeClassOrNot>()? {
                    match (c.0, &mut v) {
                        (Some(c), Some(v)) => v.push(c),
                        _ => v = None,
                    }
                }
                Ok(Got::SizeClasses(v))
            }
            Want::Stats => LeafVisitor.visit_seq(seq).map(|_| Got::Stats(None)),
        }
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Got, A::Error> {
        match self {
            Want::Stats => {
                let mut f = Fields::default();
                while let Some(key) = map.next_key::<Key>()? {
                    read_field(&mut f, key, &mut map)?;
                }
                Ok(Got::Stats(Some(Box::new(f))))
            }
            _ => LeafVisitor.visit_map(map).map(|_| self.nothing()),
        }
    }
    fn visit_u64<E>(self, _: u64) -> Result<Got, E> {
        Ok(self.nothing())
    }
    fn visit_i64<E>(self, _: i64) -> Result<Got, E> {
        Ok(self.nothing())
    }
    fn visit_f64<E>(self, _: f64) -> Result<Got, E> {
        Ok(self.nothing())
    }
    fn visit_bool<E>(self, _: bool) -> Result<Got, E> {
        Ok(self.nothing())
    }
    fn visit_str<E>(self, _: &str) -> Result<Got, E> {
        Ok(self.nothing())
    }
    fn visit_unit<E>(self) -> Result<Got, E> {
        Ok(self.nothing())
    }
}

impl Want {
    fn nothing(&self) -> Got {
        match self {
            Want::U64s => Got::U64s(None),
            Want::SizeClasses => Got::SizeClasses(None),
            Want::Stats => Got::Stats(None),
        }
    }
}

/// An object key: a MemStats field's index in [`U64_FIELDS`], another field we read,
/// or one we skip.
enum Key {
    U64(&'static str),
    Named(&'static str),
    Other,
}

impl<'de> de::Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Key, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Key;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_str<E>(self, k: &str) -> Result<Key, E> {
                const NAMED: [&str; 6] = [
                    "PauseNs",
                    "PauseEnd",
                    "BySize",
                    "GCCPUFraction",
                    "EnableGC",
                    "DebugGC",
                ];
                Ok(if let Some(go) = U64_FIELDS.iter().find(|g| **g == k) {
                    Key::U64(go)
                } else if let Some(n) = NAMED.iter().find(|n| **n == k) {
                    Key::Named(n)
                } else if k == "memstats" {
                    Key::Named("memstats")
                } else {
                    Key::Other
                })
            }
        }
        d.deserialize_str(V)
    }
}

/// Reads the value of `key` into `f`. A key given twice keeps its last value, as a JSON
/// object would; a value of the wrong type leaves the field out.
fn read_field<'de, A: MapAccess<'de>>(
    f: &mut Fields,
    key: Key,
    map: &mut A,
) -> Result<(), A::Error> {
    let m = &mut f.stats;
    match key {
        Key::U64(go) => match map.next_value::<Leaf>()?.u64() {
            Some(n) => _ = m.set_u64(go, n),
            None => m.clear_u64(go),
        },
        Key::Named("PauseNs") | Key::Named("PauseEnd") | Key::Named("BySize") => {
            let want = if matches!(key, Key::Named("BySize")) {
                Want::SizeClasses
            } else {
                Want::U64s
            };
            match (key, map.next_value_seed(want)?) {
                (Key::Named("PauseNs"), Got::U64s(v)) => f.pause_ns = v,
                (Key::Named("PauseEnd"), Got::U64s(v)) => f.pause_end = v,
                (_, Got::SizeClasses(v)) => f.by_size = v,
                _ => {}
            }
        }
        Key::Named("memstats") => {
            if let Got::Stats(s) = map.next_value_seed(Want::Stats)? {
                f.memstats = Some(s);
            }
        }
        Key::Named(name) => {
            let leaf = map.next_value::<Leaf>()?;
            match name {
                "GCCPUFraction" => {
                    m.gc_cpu_fraction = match leaf {
                        Leaf::U64(n) => Some(n as f64),
                        Leaf::Number(x) => Some(x),
                        _ => None,
                    }
                }
                "EnableGC" => {
                    m.enable_gc = if let Leaf::Bool(b) = leaf {
                        Some(b)
                    } else {
                        None
                    }
                }
                _ => {
                    m.debug_gc = if let Leaf::Bool(b) = leaf {
                        Some(b)
                    } else {
                        None
                    }
                }
            }
        }
        Key::Other => _ = map.next_value::<IgnoredAny>()?,
    }
    Ok(())
}

/// One `BySize` element: `None` unless an object with integer `Size`, `Mallocs`, `Frees`.
struct SizeClassOrNot(Option<SizeClass>);

impl<'de> de::Deserialize<'de> for SizeClassOrNot {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = SizeClassOrNot;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a size class")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut got = [None; 3];
                while let Some(k) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                    let slot = ["Size", "Mallocs", "Frees"].iter().position(|n| *n == k);
                    let leaf = map.next_value::<Leaf>()?;
                    if let Some(i) = slot {
                        got[i] = leaf.u64();
                    }
                }
                Ok(SizeClassOrNot(match got {
                    [Some(size), Some(mallocs), Some(frees)] => Some(SizeClass {
                        size,
                        mallocs,
                        frees,
                    }),
                    _ => None,
                }))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                LeafVisitor.visit_seq(seq).map(|_| SizeClassOrNot(None))
            }
            fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
                Ok(SizeClassOrNot(None))
            }
            fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
                Ok(SizeClassOrNot(None))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
                Ok(SizeClassOrNot(None))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
                Ok(SizeClassOrNot(None))
            }
            fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
                Ok(SizeClassOrNot(None))
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(SizeClassOrNot(None))
            }
        }
        d.deserialize_any(V)
    }
}

/// A whole document: its fields, or `None` when it is not an object.
struct Doc(Option<Box<Fields>>);

impl<'de> de::Deserialize<'de> for Doc {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Doc, D::Error> {
        match Want::Stats.deserialize(d)? {
            Got::Stats(f) => Ok(Doc(f)),
            _ => Ok(Doc(None)),
        }
    }
}

/// MemStats from a JSON object with Go's field names; `None` if it has neither
/// `HeapAlloc` nor `Alloc`.
pub fn from_object(obj: &serde_json::Map<String, serde_json::Value>) -> Option<MemStats> {
    let v = serde_json::Value::Object(obj.clone());
    match serde_json::from_value::<Doc>(v) {
        Ok(Doc(Some(f))) => f.finish(None),
        _ => None,
    }
}

/// One document read from the start of `data`: the MemStats it holds (sharing its lists
/// with `like`), whether it had a `memstats` key, and where it ends. `Ok(None)` when the
/// value there is not an object.
pub(super) fn read(
    data: &[u8],
    like: Option<&MemStats>,
) -> Result<Option<(Option<MemStats>, bool, usize)>, serde_json::Error> {
    let mut stream = serde_json::Deserializer::from_slice(data).into_iter::<Doc>();
    match stream.next() {
        Some(Ok(Doc(Some(doc)))) => {
            let end = stream.byte_offset();
            let mut doc = *doc;
            let had_memstats = doc.memstats.is_some();
            let stats = match doc.memstats.take() {
                Some(Some(ms)) => ms.finish(like),
                _ => doc.finish(like),
            };
            Ok(Some((stats, had_memstats, end)))
        }
        Some(Err(e)) => Err(e),
        _ => Ok(None),
    }
}

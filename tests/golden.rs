//! Golden tests: the text report and the JSON summary of every real fixture under
//! `fixtures/gctrace/` are compared with `tests/snapshots/` (insta). Review a change with
//! `INSTA_UPDATE=always cargo test --test golden` and `git diff tests/snapshots`.

use gclens::analyze::Report;
use gclens::parse::load;
use std::path::Path;

fn fixtures() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = vec![];
    for dir in std::fs::read_dir(root.join("fixtures/gctrace")).unwrap() {
        let dir = dir.unwrap().path();
        if !dir.is_dir() {
            continue;
        }
        for f in std::fs::read_dir(&dir).unwrap() {
            let f = f.unwrap().path();
            if f.extension().is_some_and(|e| e == "log") {
                out.push(f.strip_prefix(root).unwrap().to_string_lossy().into_owned());
            }
        }
    }
    out.sort();
    out
}

#[test]
fn reports_of_every_fixture() {
    std::env::set_current_dir(env!("CARGO_MANIFEST_DIR")).unwrap();
    let files = fixtures();
    assert!(files.len() >= 40, "fixtures missing: {files:?}");
    for f in files {
        let t = load(std::slice::from_ref(&f)).unwrap();
        let name = f
            .trim_start_matches("fixtures/gctrace/")
            .replace(['/', '.'], "_");
        if t.cycles.is_empty() {
            // scavenger-only inputs: the events are the result
            insta::assert_snapshot!(
                name,
                format!(
                    "{} events, {} lines, {:?}",
                    t.events.len(),
                    t.lines,
                    t.skipped
                )
            );
            continue;
        }
        let r = Report::new(t);
        let mut text = vec![];
        gclens::render::text::write_report(&mut text, &r.timeline, &r.summary, &r.findings)
            .unwrap();
        let text: Vec<u8> = anstream::adapter::strip_bytes(&text).into_vec();
        insta::assert_snapshot!(name.clone() + "_text", String::from_utf8(text).unwrap());
        insta::assert_json_snapshot!(name + "_summary", r.summary);
    }
}

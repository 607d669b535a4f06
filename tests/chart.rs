//! Charts from the outside: the PNG decodes at the requested size, every panel has drawn
//! pixels, SVG on request, same input gives the same bytes, clear errors.

mod common;
use common::gclens;
use predicates::prelude::*;

const LEAK: &str = "fixtures/gctrace/go1.21/leak.log";

fn decode(path: &std::path::Path) -> image::RgbImage {
    image::open(path).unwrap().to_rgb8()
}

/// Share of non-white pixels in rows `y0..y1`.
fn ink(img: &image::RgbImage, y0: u32, y1: u32) -> f64 {
    let mut n = 0u64;
    for y in y0..y1 {
        for x in 0..img.width() {
            if img.get_pixel(x, y).0 != [255, 255, 255] {
                n += 1;
            }
        }
    }
    n as f64 / ((y1 - y0) as f64 * img.width() as f64)
}

#[test]
fn png_has_the_requested_size_and_three_drawn_panels() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("heap.png");
    gclens()
        .args([
            "chart", LEAK, "--size", "1200x900", "--budget", "128MiB", "-o",
        ])
        .arg(&out)
        .assert()
        .success();
    let img = decode(&out);
    assert_eq!(img.dimensions(), (1200, 900));
    // heap takes the top half (below the title), cpu and pause a quarter each
    let (h, q) = (900 / 2, 900 / 4);
    for (name, y0, y1) in [
        ("heap", 60, h - 20),
        ("cpu", h + 20, h + q - 20),
        ("pause", h + q + 20, 900 - 40),
    ] {
        let share = ink(&img, y0, y1);
        assert!(share > 0.01, "{name} panel looks empty ({share})");
    }
    // the live heap line (blue) is drawn
    assert!(
        img.pixels().any(|p| p.0 == [30, 90, 200]),
        "no live-heap pixels"
    );
    // the budget line (black, dashed) crosses the heap panel
    assert!(img.pixels().any(|p| p.0 == [0, 0, 0]));
}

#[test]
fn one_panel_only() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("p.png");
    gclens()
        .args([
            "chart", LEAK, "--panels", "pause", "--size", "800x300", "-o",
        ])
        .arg(&out)
        .assert()
        .success();
    let img = decode(&out);
    assert_eq!(img.dimensions(), (800, 300));
    assert!(ink(&img, 40, 260) > 0.01);
}

#[test]
fn same_input_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.png"), dir.path().join("b.png"));
    gclens()
        .args(["chart", LEAK, "-o"])
        .arg(&a)
        .assert()
        .success();
    gclens()
        .args(["chart", LEAK, "-o"])
        .arg(&b)
        .assert()
        .success();
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
}

#[test]
fn svg_by_extension_and_from_gc() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("heap.svg");
    gclens()
        .args([
            "gc",
            "fixtures/gctrace/go1.27/goroutines.log",
            "--limit",
            "200MiB",
            "--chart",
        ])
        .arg(&out)
        .assert()
        .success()
        .stdout(predicate::str::contains("goroutines accumulate"));
    let svg = std::fs::read_to_string(&out).unwrap();
    assert!(svg.starts_with("<svg"));
    assert!(svg.contains("GOMEMLIMIT 200.0 MiB"));
    assert!(svg.contains("stacks + globals"));
}

#[test]
fn too_few_cycles_is_exit_1_with_a_reason() {
    gclens()
        .args(["chart", "-o", "/tmp/never-written.png"])
        .write_stdin("gc 1 @0.011s 1%: 0.13+16+0.24 ms clock, 0.41+16/1.4/18+0.74 ms cpu, 16->16->16 MB, 17 MB goal, 40 P\n")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("1 gc cycle(s) in -: a chart needs at least 2"));
    gclens()
        .args(["chart", "-o", "x.png"])
        .write_stdin("")
        .assert()
        .code(1);
}

#[test]
fn bad_output_path_and_bad_options_are_exit_2() {
    gclens()
        .args(["chart", LEAK, "-o", "/nonexistent-dir/heap.png"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "cannot write /nonexistent-dir/heap.png",
        ));
    gclens()
        .args(["chart", LEAK, "-o", "x.png", "--size", "10x10"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("between 200"));
    gclens()
        .args(["chart", LEAK, "-o", "x.png", "--budget", "lots"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a size"));
    gclens()
        .args(["chart", LEAK, "-o", "x.png", "--panels", "heap,disk"])
        .assert()
        .code(2);
}

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
            "chart", LEAK, "--panels", "pause", "--size", "800x400", "-o",
        ])
        .arg(&out)
        .assert()
        .success();
    let img = decode(&out);
    assert_eq!(img.dimensions(), (800, 400));
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
    assert!(svg.contains("GOMEMLIMIT 200 MiB"));
    assert!(svg.contains("stacks + globals"));
}

#[test]
fn too_few_cycles_is_exit_1_with_a_reason() {
    gclens()
        .args(["chart", "-o", "/tmp/never-written.png"])
        .write_stdin("gc 1 @0.011s 1%: 0.13+16+0.24 ms clock, 0.41+16/1.4/18+0.74 ms cpu, 16->16->16 MB, 17 MB goal, 40 P\n")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("1 gc cycle(s) in stdin: a chart needs at least 2"));
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
        .stderr(predicate::str::contains("width must be 640 to 10000"));
    // `-o x.jpg` wrote PNG bytes under a JPEG name
    gclens()
        .args(["chart", LEAK, "-o", "x.jpg"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "name the file .png or .svg (not .jpg)",
        ));
    gclens()
        .args(["chart", LEAK, "-o", "x.png", "--from", "soon"])
        .assert()
        .code(2);
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

/// A chart's pixels by panel: each series colour must lie inside its own panel's plot
/// area (or its legend), never across another panel. The 2 px "GC CPU since start"
/// line was drawn far outside its panel where the data zigzags (miter spikes).
fn assert_series_inside_panels(name: &str, t: &gclens::model::Timeline, size: (u32, u32)) {
    use gclens::render::chart::draw::{self, *};
    use gclens::render::chart::{ChartOptions, Panel, build};
    let opts = ChartOptions {
        width: size.0,
        height: size.1,
        budget_bytes: Some(512 << 20),
        limit_bytes: Some(400 << 20),
        ..ChartOptions::default()
    };
    let s = gclens::analyze::summarize(t);
    let m = build(t, &s, &opts).unwrap();
    let (png, layouts) = draw::png_with_layout(&m, &opts).unwrap();
    let img = image::load_from_memory(&png).unwrap().to_rgb8();
    let groups = [
        (
            Panel::Heap,
            vec![BEFORE, AFTER, LIVE, GOAL, TREND, TREND_ALERT],
        ),
        (Panel::Cpu, vec![CPU_WINDOW, CPU_PRINTED]),
        (Panel::Pause, vec![PAUSE, P99]),
    ];
    let inside = |r: (i32, i32, i32, i32), x: i32, y: i32, slack: i32| {
        x >= r.0 - slack && x < r.2 + slack && y >= r.1 - slack && y < r.3 + slack
    };
    for (panel, colours) in groups {
        let Some(l) = layouts.iter().find(|l| l.panel == panel) else {
            continue;
        };
        let rgb: Vec<[u8; 3]> = colours.iter().map(|c| [c.0, c.1, c.2]).collect();
        let mut seen = 0;
        for (x, y, p) in img.enumerate_pixels() {
            if !rgb.contains(&p.0) {
                continue;
            }
            seen += 1;
            let (x, y) = (x as i32, y as i32);
            assert!(
                inside(l.plot, x, y, 2) || inside(l.header, x, y, 0),
                "{name}: a {panel:?} series pixel at ({x}, {y}) is outside its panel {l:?}"
            );
        }
        assert!(seen > 0, "{name}: no {panel:?} series drawn");
    }
}

#[test]
fn series_were_drawn_outside_their_panel() {
    let fixtures = [
        "fixtures/gctrace/go1.27/leak.log",
        "fixtures/gctrace/go1.27/scav.log",
        "fixtures/gctrace/go1.21/leak.log",
        "fixtures/gctrace/public/go1.8-issue19393-large-heap.log",
        "fixtures/gctrace/public/go1.8-issue18896-restart.log",
    ];
    for f in fixtures {
        let t = gclens::parse::load(&[common::path(f).to_string_lossy().into_owned()]).unwrap();
        assert_series_inside_panels(f, &t, (1600, 1000));
        assert_series_inside_panels(f, &t, (640, 400));
    }
    // a zigzag trace: every other cycle at 0 % and 100 % printed GC CPU, the heap
    // jumping between 4 MiB and 4 GiB
    let real = b"gc 2 @0.008s 18%: 0.14+0.16+0.001 ms clock, 0.28+0.083/0/0+0.003 ms cpu, 7->8->8 MB, 8 MB goal, 0 MB stacks, 0 MB globals, 2 P";
    let (_, g) = gclens::parse::gc::gc_line(real).unwrap();
    let mut text = Vec::new();
    for i in 0..2000u32 {
        let mut c = g;
        c.cycle = i + 1;
        c.t_ms = Some(u64::from(i) * 7);
        c.cpu_pct = Some(if i % 2 == 0 { 0 } else { 100 });
        let big = i % 2 == 1;
        c.heap_before_mib = if big { 4096 } else { 4 };
        c.heap_after_mib = if big { 4100 } else { 5 };
        c.heap_live_mib = Some(if big { 2048 } else { 4 });
        c.goal_mib = Some(if big { 4096 } else { 8 });
        gclens::parse::print::write_gc_line(&mut text, &c);
        text.push(b'\n');
    }
    let t = gclens::parse::load_bytes(&text);
    assert_eq!(t.cycles.len(), 2000);
    assert_series_inside_panels("zigzag", &t, (1600, 1000));
    assert_series_inside_panels("zigzag", &t, (800, 500));
}

/// `--from/--to` zoom into a window, and `--width/--height` set the size.
#[test]
fn zoom_and_size() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("z.png");
    gclens()
        .args([
            "chart", LEAK, "--from", "2", "--to", "4s", "--width", "900", "--height", "600", "-o",
        ])
        .arg(&out)
        .assert()
        .success();
    assert_eq!(decode(&out).dimensions(), (900, 600));
    gclens()
        .args(["chart", LEAK, "--from", "1h", "-o"])
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("between --from and --to"));
}

//! A big goroutine dump from a real one: the blocks of the Go 1.27 debug=2 fixture of
//! `fixtures/programs/goleak`, repeated with fresh goroutine numbers.

pub fn dump(goroutines: usize) -> Vec<u8> {
    let real = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/goroutines/go1.27/plain/goroutines-5.debug2.txt"
    ))
    .unwrap();
    let blocks: Vec<&str> = real
        .split("\n\n")
        .filter(|b| b.starts_with("goroutine "))
        .collect();
    let mut out = String::with_capacity(goroutines * 220);
    for n in 0..goroutines {
        let b = blocks[n % blocks.len()];
        let rest = &b[b.find(" [").unwrap()..];
        out.push_str(&format!("goroutine {}{rest}\n\n", n + 1));
    }
    out.into_bytes()
}

//! A mostly-foreign stream: service log lines (varied words, numbers, paths) with one
//! real gctrace line in a hundred. Shared by the watch benchmark and
//! `examples/synth_log.rs`.

/// About `bytes` of log text.
pub fn service_log(trace_line: &[u8], bytes: usize) -> Vec<u8> {
    let words = [
        "INFO",
        "WARN",
        "DEBUG",
        "http",
        "request",
        "method=GET",
        "method=POST",
        "path=/api/v1/items",
        "path=/healthz",
        "status=200",
        "status=404",
        "user=alice",
        "user=bob",
        "cache",
        "hit",
        "miss",
        "db",
        "query",
        "rows=12",
        "retry",
        "upstream=10.0.3.7:8080",
        "tls",
        "handshake",
        "took",
        "queue",
        "worker",
        "scan",
        "pace",
        "gcc",
        "agc",
    ];
    let mut seed: u64 = 0x2545f4914f6cdd1d;
    let mut rnd = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut out = Vec::with_capacity(bytes + 4096);
    let mut n = 0u64;
    while out.len() < bytes {
        n += 1;
        if n.is_multiple_of(100) {
            out.extend_from_slice(trace_line);
            out.push(b'\n');
            continue;
        }
        out.extend_from_slice(
            format!("2026-11-26T05:43:{:02}.{:03}Z", n % 60, n % 1000).as_bytes(),
        );
        for _ in 0..(6 + rnd() % 8) {
            out.push(b' ');
            out.extend_from_slice(words[(rnd() % words.len() as u64) as usize].as_bytes());
        }
        out.extend_from_slice(
            format!(
                " duration={}.{}ms bytes={}\n",
                rnd() % 90,
                rnd() % 10,
                rnd() % 100_000
            )
            .as_bytes(),
        );
    }
    out
}

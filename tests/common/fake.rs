//! Small HTTP servers on 127.0.0.1 that answer what a person meets from a service or a
//! Prometheus (`capture.rs`, `fleet.rs`): an error status, an HTML page, a stalled body,
//! a body cut off or reset.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What the fake service does with one request.
pub enum Answer {
    /// Write these bytes and close.
    Bytes(Vec<u8>),
    /// Write these bytes, then hold the connection open.
    Stall(Vec<u8>),
    /// Write these bytes, then reset the connection (RST).
    Reset(Vec<u8>),
}

pub fn http(status: &str, ctype: &str, body: &[u8]) -> Vec<u8> {
    let mut v = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    v.extend_from_slice(body);
    v
}

type Handler = dyn Fn(&str, usize, &str) -> Answer + Send + Sync;

/// Serves on 127.0.0.1: `f(path, nth request of that path, request head)`.
pub fn serve(f: impl Fn(&str, usize, &str) -> Answer + Send + Sync + 'static) -> String {
    let ln = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = ln.local_addr().unwrap().to_string();
    let f: Arc<Handler> = Arc::new(f);
    let counts: Arc<Mutex<std::collections::HashMap<String, usize>>> = Arc::default();
    std::thread::spawn(move || {
        for conn in ln.incoming().flatten() {
            let (f, counts) = (f.clone(), counts.clone());
            std::thread::spawn(move || answer(conn, &*f, &counts));
        }
    });
    addr
}

fn answer(conn: TcpStream, f: &Handler, counts: &Mutex<std::collections::HashMap<String, usize>>) {
    let mut r = BufReader::new(conn.try_clone().unwrap());
    let mut head = String::new();
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        head.push_str(&line);
    }
    let path = head.split_whitespace().nth(1).unwrap_or("/").to_string();
    let key = path.split('?').next().unwrap().to_string();
    let n = {
        let mut c = counts.lock().unwrap();
        let e = c.entry(key).or_insert(0);
        *e += 1;
        *e
    };
    let mut w = conn;
    match f(&path, n, &head) {
        Answer::Bytes(b) => {
            let _ = w.write_all(&b);
        }
        Answer::Stall(b) => {
            let _ = w.write_all(&b);
            std::thread::sleep(Duration::from_secs(120));
        }
        Answer::Reset(b) => {
            let _ = w.write_all(&b);
            let _ = w.flush();
            reset(&w);
        }
    }
}

/// Closes with RST: SO_LINGER on, zero seconds.
pub fn reset(s: &TcpStream) {
    use std::os::fd::AsRawFd;
    let l = libc::linger {
        l_onoff: 1,
        l_linger: 0,
    };
    // SAFETY: a valid socket and a linger value of the right size
    unsafe {
        libc::setsockopt(
            s.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            (&l as *const libc::linger).cast(),
            std::mem::size_of::<libc::linger>() as libc::socklen_t,
        );
    }
}

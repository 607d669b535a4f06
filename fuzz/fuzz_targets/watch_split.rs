//! The live splitter behind `watch`/`run`, fed the input in pieces cut where the first
//! bytes say: `--tee` must pass every byte through unchanged, and the default mode must
//! never emit a byte that was not in the input, in its order.
#![no_main]

use gclens::live::{Forward, Splitter};
use gclens::parse::Builder;
use libfuzzer_sys::fuzz_target;
use std::time::Instant;

fuzz_target!(|data: &[u8]| {
    let Some((&cut, rest)) = data.split_first() else {
        return;
    };
    let step = usize::from(cut).max(1);
    for forward in [Forward::All, Forward::Foreign] {
        let mut s = Splitter::new(forward);
        let mut b = Builder::new(0);
        let mut out = Vec::new();
        for piece in rest.chunks(step) {
            s.push(piece, Instant::now(), &mut b, &mut out).unwrap();
        }
        s.finish(&mut b, &mut out).unwrap();
        if forward == Forward::All {
            assert_eq!(out, rest);
        } else {
            // a subsequence of the input
            let mut it = rest.iter();
            assert!(out.iter().all(|c| it.any(|d| d == c)));
        }
    }
});

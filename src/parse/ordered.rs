//! Work on many inputs on every core, results taken in input order, memory bounded: the
//! report reads twenty profiles of 20 MB each, whose inflating and decoding is
//! independent while their interning into one table of stacks must happen in order. A
//! worker takes the next item only while fewer than `window` results wait to be taken,
//! so at most `window` prepared items are held at once, whatever the number of inputs.

use std::collections::BTreeMap;
use std::sync::{Condvar, Mutex};

/// Runs `work` on every item on `threads` threads (at least 1) and hands each result to
/// `take` in the items' order; at most `window` results are held at once.
pub fn map_in_order<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    window: usize,
    work: impl Fn(&T) -> R + Sync,
    mut take: impl FnMut(usize, R),
) {
    let threads = threads.max(1).min(items.len().max(1));
    let window = window.max(threads);
    if threads == 1 {
        for (i, item) in items.iter().enumerate() {
            take(i, work(item));
        }
        return;
    }
    // (results not yet taken, index of the next result to take once the one being taken
    // is done, index of the next item to start); the item index is claimed under the same
    // lock as the room check, so two workers never both pass the check for one slot
    let state: Mutex<(BTreeMap<usize, R>, usize, usize)> = Mutex::new((BTreeMap::new(), 0, 0));
    let changed = Condvar::new();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                loop {
                    let i = {
                        let mut st = state.lock().unwrap_or_else(|e| e.into_inner());
                        while st.2 < items.len() && st.2 >= st.1 + window {
                            st = changed.wait(st).unwrap_or_else(|e| e.into_inner());
                        }
                        st.2 += 1;
                        st.2 - 1
                    };
                    let Some(item) = items.get(i) else { break };
                    let r = work(item);
                    let mut st = state.lock().unwrap_or_else(|e| e.into_inner());
                    st.0.insert(i, r);
                    changed.notify_all();
                }
                changed.notify_all();
            });
        }
        for taken in 0..items.len() {
            let r = {
                let mut st = state.lock().unwrap_or_else(|e| e.into_inner());
                loop {
                    if let Some(r) = st.0.remove(&taken) {
                        break r;
                    }
                    st = changed.wait(st).unwrap_or_else(|e| e.into_inner());
                }
            };
            // room is made only once the result is taken: the one in hand counts
            take(taken, r);
            let mut st = state.lock().unwrap_or_else(|e| e.into_inner());
            st.1 = taken + 1;
            changed.notify_all();
        }
    });
}

#[cfg(test)]
mod tests {
    use super::map_in_order;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn results_come_in_order_and_never_more_than_the_window() {
        let items: Vec<u64> = (0..200).collect();
        let held = AtomicUsize::new(0);
        let most = AtomicUsize::new(0);
        let mut seen = vec![];
        map_in_order(
            &items,
            4,
            3,
            |&x| {
                // later items finish sooner: the order must still hold
                std::thread::sleep(std::time::Duration::from_micros(200 - x));
                let h = held.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(h, Ordering::SeqCst);
                x * 2
            },
            |i, r| {
                held.fetch_sub(1, Ordering::SeqCst);
                assert_eq!(r, i as u64 * 2);
                seen.push(i);
            },
        );
        assert_eq!(seen, (0..200).collect::<Vec<_>>());
        assert!(
            most.load(Ordering::SeqCst) <= 4,
            "{}",
            most.load(Ordering::SeqCst)
        );
        map_in_order(&[1u8], 8, 1, |&x| x, |_, r| assert_eq!(r, 1));
        map_in_order(&[] as &[u8], 8, 1, |&x| x, |_, _| unreachable!());
    }
}

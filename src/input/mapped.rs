//! Memory-mapped input files that survive being cut short while mapped.
//!
//! A file truncated by another process while we read it through a map (logrotate's
//! `copytruncate`, a program restarted with `>`) makes the next read of a page past
//! the new end raise SIGBUS, which kills the process (exit 135). Each map is
//! registered here; a SIGBUS handler that finds the faulting address inside a
//! registered map puts zero-filled anonymous pages over the rest of it, marks the map
//! truncated, and returns, so the read goes on over zeros. Whoever reads the map asks
//! [`Mapped::check`] afterwards and reports the truncation instead of a result built
//! from a file that changed under it. A SIGBUS anywhere else gets the default action.

use std::io;
use std::sync::Once;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// Maps registered at once (inputs are read one at a time; a few are open together).
const SLOTS: usize = 64;

struct Slot {
    start: AtomicUsize,
    len: AtomicUsize,
    hit: AtomicBool,
}

#[allow(clippy::declare_interior_mutable_const)]
const FREE: Slot = Slot {
    start: AtomicUsize::new(0),
    len: AtomicUsize::new(0),
    hit: AtomicBool::new(false),
};
static TABLE: [Slot; SLOTS] = [FREE; SLOTS];
static PAGE: AtomicUsize = AtomicUsize::new(4096);
static INSTALL: Once = Once::new();

/// A read-only map of a whole file.
pub struct Mapped {
    map: memmap2::Mmap,
    /// Its slot in the table (`None`: the table was full; a truncation then kills).
    slot: Option<usize>,
}

impl Mapped {
    /// Maps `f` (a regular, non-empty file).
    pub fn new(f: &std::fs::File) -> io::Result<Mapped> {
        INSTALL.call_once(install);
        // SAFETY: a read-only map; a truncation while it is read is what this module
        // handles (see the module doc).
        let map = unsafe { memmap2::MmapOptions::new().map(f)? };
        let (start, len) = (map.as_ptr() as usize, map.len());
        let slot = (0..SLOTS).find(|&k| {
            TABLE[k]
                .len
                .compare_exchange(0, usize::MAX, Ordering::SeqCst, Ordering::SeqCst)
                .is_ok()
        });
        if let Some(k) = slot {
            TABLE[k].hit.store(false, Ordering::SeqCst);
            TABLE[k].start.store(start, Ordering::SeqCst);
            TABLE[k].len.store(len, Ordering::SeqCst);
        }
        Ok(Mapped { map, slot })
    }

    /// Was the file cut short while it was read (part of the map read as zeros)?
    pub fn truncated(&self) -> bool {
        self.slot
            .is_some_and(|k| TABLE[k].hit.load(Ordering::SeqCst))
    }

    pub fn advise_will_need(&self) {
        let _ = self.map.advise(memmap2::Advice::WillNeed);
    }

    pub fn bytes(&self) -> &[u8] {
        &self.map
    }

    /// Gives the pages wholly inside `range` back to the kernel: a long file read once
    /// front to back then holds only the blocks in work, not all it has read (issue 31:
    /// mapped pages count in the process's resident memory).
    pub fn release(&self, range: std::ops::Range<usize>) {
        let page = PAGE.load(Ordering::SeqCst).max(1);
        let start = range.start.div_ceil(page) * page;
        let end = (range.end.min(self.map.len()) / page) * page;
        if end > start {
            // SAFETY: a private read-only map of a file: pages dropped are read again
            // from the file if touched, and no reference into them is used afterwards
            // by the caller (it releases only what it has finished reading).
            let _ = unsafe {
                self.map.unchecked_advise_range(
                    memmap2::UncheckedAdvice::DontNeed,
                    start,
                    end - start,
                )
            };
        }
    }
}

impl Drop for Mapped {
    fn drop(&mut self) {
        if let Some(k) = self.slot {
            TABLE[k].start.store(0, Ordering::SeqCst);
            TABLE[k].len.store(0, Ordering::SeqCst);
        }
    }
}

fn install() {
    // SAFETY: sysconf and sigaction with a handler that only touches atomics and calls
    // mmap/signal/raise (system calls).
    unsafe {
        let page = libc::sysconf(libc::_SC_PAGESIZE);
        if page > 0 {
            PAGE.store(page as usize, Ordering::SeqCst);
        }
        let mut sa: libc::sigaction = std::mem::zeroed();
        sa.sa_sigaction = on_sigbus as *const () as usize;
        sa.sa_flags = libc::SA_SIGINFO;
        libc::sigemptyset(&mut sa.sa_mask);
        libc::sigaction(libc::SIGBUS, &sa, std::ptr::null_mut());
    }
}

extern "C" fn on_sigbus(_sig: libc::c_int, info: *mut libc::siginfo_t, _ctx: *mut libc::c_void) {
    // SAFETY: the kernel passes a valid siginfo; only atomics and system calls follow.
    unsafe {
        let addr = (*info).si_addr() as usize;
        let page = PAGE.load(Ordering::Relaxed);
        for s in &TABLE {
            let (start, len) = (s.start.load(Ordering::SeqCst), s.len.load(Ordering::SeqCst));
            if len == 0 || len == usize::MAX || addr < start || addr >= start + len {
                continue;
            }
            let from = addr & !(page - 1);
            let end = (start + len).div_ceil(page) * page;
            let p = libc::mmap(
                from as *mut libc::c_void,
                end - from,
                libc::PROT_READ,
                libc::MAP_FIXED | libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            );
            if p != libc::MAP_FAILED {
                s.hit.store(true, Ordering::SeqCst);
                return;
            }
        }
        // not a map of ours: the default action (the signal stays blocked until we
        // return, then kills as it would have)
        libc::signal(libc::SIGBUS, libc::SIG_DFL);
        libc::raise(libc::SIGBUS);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// SIGBUS (exit 135) when the input file was truncated while mapped (logrotate
    /// `copytruncate`): the read goes on over zeros and the map says it was cut.
    #[test]
    fn a_file_truncated_while_mapped_killed_with_sigbus() {
        let mut f = tempfile::tempfile().unwrap();
        let page = vec![b'x'; 1 << 16];
        for _ in 0..64 {
            f.write_all(&page).unwrap();
        }
        let m = Mapped::new(&f).unwrap();
        assert_eq!(m.bytes()[0], b'x');
        assert!(!m.truncated());
        f.set_len(1 << 16).unwrap();
        let bytes = m.bytes();
        let xs = bytes.iter().filter(|&&b| b == b'x').count();
        assert_eq!(bytes.len(), 64 << 16);
        assert!(xs >= 1 << 16 && xs < 64 << 16, "{xs}");
        assert!(m.truncated());
        drop(m);
        let again = Mapped::new(&f).unwrap();
        assert!(!again.truncated());
    }
}

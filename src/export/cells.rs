//! One CSV row's numeric cells, written into a fixed buffer on the stack (issue 31:
//! `gc --format csv` writes 8 million rows of 39 cells, and formatting was half the
//! export's CPU). Each number is written where it ends up, digits counted first, two at
//! a time from a table; a cell's bytes are stored with a fixed-size copy and the cursor
//! moved by their length, so no cell calls `memcpy`. A row is copied out once.
//!
//! The output is byte for byte what `itoa` and `ryu` write (a property test says so):
//! integers in decimal, microseconds as exact milliseconds without trailing zeros,
//! percentages rounded to three decimals in their shortest form.

/// The widest cell and its comma: 20 digits of a `u64`, or `ryu`'s 24 characters.
const CELL_MAX: usize = 25;

/// `00`–`99`, two bytes each.
const PAIRS: &[u8; 200] = b"0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

const POW10: [u64; 20] = {
    let mut p = [1u64; 20];
    let mut i = 1;
    while i < 20 {
        p[i] = p[i - 1] * 10;
        i += 1;
    }
    p
};

/// `.xyz` for each thousandth 1–999 with its trailing zeros dropped, and its length.
const FRACTIONS: [([u8; 4], u8); 1000] = {
    let mut t = [([b'.', b'0', b'0', b'0'], 0u8); 1000];
    let mut i = 1;
    while i < 1000 {
        let d = [(i / 100) as u8, (i / 10 % 10) as u8, (i % 10) as u8];
        let mut len = 4;
        while d[len - 2] == 0 {
            len -= 1;
        }
        t[i] = ([b'.', b'0' + d[0], b'0' + d[1], b'0' + d[2]], len as u8);
        i += 1;
    }
    t
};

/// Decimal digits of `v` (1–20).
fn digits(v: u64) -> usize {
    // floor(log10(2) × significant bits), then one more unless below that power of ten
    let t = ((64 - (v | 1).leading_zeros()) as usize * 1233) >> 12;
    t + usize::from((v | 1) >= POW10[t])
}

/// The numeric cells of one row, each followed by a comma, for at most `N` cells.
pub struct Cells<const N: usize> {
    buf: [[u8; CELL_MAX]; N],
    len: usize,
}

impl<const N: usize> Cells<N> {
    pub fn new() -> Self {
        Cells {
            buf: [[0; CELL_MAX]; N],
            len: 0,
        }
    }

    /// The cells written so far, commas included.
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf.as_flattened()[..self.len]
    }

    fn end(&mut self) {
        self.buf.as_flattened_mut()[self.len] = b',';
        self.len += 1;
    }

    /// An empty cell (a field this Go version does not print).
    pub fn empty(&mut self) {
        self.end();
    }

    /// A fixed word (`true`, a format key); at most [`CELL_MAX`] - 1 bytes.
    pub fn word(&mut self, w: &[u8]) {
        let at = self.len;
        self.buf.as_flattened_mut()[at..at + w.len()].copy_from_slice(w);
        self.len += w.len();
        self.end();
    }

    fn digits(&mut self, v: u64) {
        let n = digits(v);
        let b = self.buf.as_flattened_mut();
        let mut end = self.len + n;
        let mut x = v;
        while x >= 100 {
            let d = (x % 100) as usize * 2;
            x /= 100;
            end -= 2;
            b[end..end + 2].copy_from_slice(&PAIRS[d..d + 2]);
        }
        if x >= 10 {
            let d = x as usize * 2;
            b[end - 2..end].copy_from_slice(&PAIRS[d..d + 2]);
        } else {
            b[end - 1] = b'0' + x as u8;
        }
        self.len += n;
    }

    pub fn int(&mut self, v: impl Into<u64>) {
        self.digits(v.into());
        self.end();
    }

    pub fn opt_int<T: Into<u64>>(&mut self, v: Option<T>) {
        match v {
            Some(v) => self.int(v),
            None => self.empty(),
        }
    }

    /// Microseconds as exact milliseconds, trailing zeros dropped (`31` → `0.031`).
    pub fn ms(&mut self, us: u64) {
        self.digits(us / 1000);
        let (frac, len) = &FRACTIONS[(us % 1000) as usize];
        let at = self.len;
        self.buf.as_flattened_mut()[at..at + 4].copy_from_slice(frac);
        self.len += usize::from(*len);
        self.end();
    }

    pub fn opt_ms(&mut self, us: Option<u64>) {
        match us {
            Some(us) => self.ms(us),
            None => self.empty(),
        }
    }

    /// A percentage rounded to three decimals, shortest form (`12.5`, `-3`); nothing
    /// when it is not finite.
    pub fn pct(&mut self, v: f64) {
        let k = (v * 1000.0).round();
        // below 10^12 a double's spacing is under 1/8000, so the decimal k/1000 is the
        // shortest form of the double nearest to it: what `ryu` writes
        if k.abs() < 1.0e15 {
            if k.is_sign_negative() {
                self.buf.as_flattened_mut()[self.len] = b'-';
                self.len += 1;
            }
            self.ms(k.abs() as u64);
        } else {
            if (k / 1000.0).is_finite() {
                let mut b = ryu::Buffer::new();
                let s = b.format_finite(k / 1000.0);
                let s = s.strip_suffix(".0").unwrap_or(s);
                let at = self.len;
                self.buf.as_flattened_mut()[at..at + s.len()].copy_from_slice(s.as_bytes());
                self.len += s.len();
            }
            self.end();
        }
    }

    pub fn opt_pct(&mut self, v: Option<f64>) {
        match v {
            Some(v) => self.pct(v),
            None => self.empty(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// What the row writer did before: `itoa`, the fraction's digits, `ryu`.
    fn old_ms(us: u64) -> String {
        let (i, f) = (us / 1000, us % 1000);
        if f == 0 {
            format!("{i}")
        } else {
            format!("{i}.{}", format!("{f:03}").trim_end_matches('0'))
        }
    }

    fn old_pct(v: f64) -> String {
        let v = (v * 1000.0).round() / 1000.0;
        if !v.is_finite() {
            return String::new();
        }
        let mut b = ryu::Buffer::new();
        let s = b.format_finite(v);
        s.strip_suffix(".0").unwrap_or(s).to_string()
    }

    fn one(f: impl FnOnce(&mut Cells<1>)) -> String {
        let mut c = Cells::<1>::new();
        f(&mut c);
        let s = String::from_utf8(c.as_bytes().to_vec()).unwrap();
        s.strip_suffix(',').unwrap().to_string()
    }

    #[test]
    fn edges() {
        for v in [
            0,
            9,
            10,
            99,
            100,
            999,
            1000,
            u64::MAX,
            POW10[19],
            POW10[19] - 1,
        ] {
            assert_eq!(one(|c| c.int(v)), v.to_string());
        }
        assert_eq!(one(|c| c.ms(u64::MAX)), old_ms(u64::MAX));
        for v in [
            0.0,
            -0.0,
            -0.0001,
            1e300,
            -1e300,
            1e13,
            f64::NAN,
            f64::INFINITY,
        ] {
            assert_eq!(one(|c| c.pct(v)), old_pct(v), "{v}");
        }
        assert_eq!(one(|c| c.word(b"go1.5")), "go1.5");
    }

    proptest! {
        #[test]
        fn integers_as_itoa_writes_them(v in prop_oneof![0u64..1000, any::<u64>(), any::<u32>().prop_map(u64::from)]) {
            prop_assert_eq!(one(|c| c.int(v)), v.to_string());
        }

        #[test]
        fn milliseconds_exact(us in prop_oneof![0u64..5000, any::<u64>()]) {
            prop_assert_eq!(one(|c| c.ms(us)), old_ms(us));
        }

        #[test]
        fn percentages_as_ryu_writes_them(v in prop_oneof![-200.0f64..200.0, -2e12f64..2e12, -1e16f64..1e16, any::<f64>()]) {
            prop_assert_eq!(one(|c| c.pct(v)), old_pct(v));
        }
    }
}

//! Identifiers with the API's prefixes (`v_`, `cust_`, `r_`, `rf_`, `rr_`, `ord_`...).
//!
//! Each project numbers its objects with a counter mixed through a bijective hash, so ids are
//! unique within the project, look like the real service's, and differ between projects.

use std::sync::atomic::{AtomicU64, Ordering};

/// The id generator of one project. Its counter is atomic, so calls that only read the
/// project (validations) still number what they answer.
#[derive(Debug)]
pub struct IdGen {
    salt: u64,
    counter: AtomicU64,
}

/// SplitMix64's finalizer: a bijection on u64 that scatters consecutive inputs.
pub fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

const ALNUM: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

impl IdGen {
    pub fn new(salt: u64) -> Self {
        Self {
            salt,
            counter: AtomicU64::new(0),
        }
    }

    fn next_raw(&self) -> u64 {
        let n = self.counter.fetch_add(1, Ordering::Relaxed) + 1;
        mix(self
            .salt
            .wrapping_add(n.wrapping_mul(0x9e37_79b9_7f4a_7c15)))
    }

    /// `prefix` + 18 lowercase hex digits, like `r_0c5d710a63c4110ae9`.
    pub fn hex(&self, prefix: &str) -> String {
        let value = self.next_raw();
        let mut out = String::with_capacity(prefix.len() + 18);
        out.push_str(prefix);
        out.push_str("0c");
        for shift in (0..16).rev() {
            out.push(char::from(
                b"0123456789abcdef"[(value >> (shift * 4)) as usize & 15],
            ));
        }
        out
    }

    /// `prefix` + `len` letters and digits, like `v_2LcXRN4X0TNNgPoBceXIsE4LYs13kta1`.
    pub fn alnum(&self, prefix: &str, len: usize) -> String {
        let first = self.next_raw();
        let mut out = String::with_capacity(prefix.len() + len);
        out.push_str(prefix);
        // The first 10 characters encode the unique counter hash; the rest only decorate.
        let mut value = first;
        let mut filler = mix(first ^ self.salt);
        for i in 0..len {
            let digit = if i < 11 {
                let d = (value % 62) as usize;
                value /= 62;
                d
            } else {
                let d = (filler % 62) as usize;
                filler = mix(filler);
                d
            };
            out.push(ALNUM[digit] as char);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn ids_are_unique_and_prefixed() {
        let ids = IdGen::new(42);
        let mut seen = HashSet::new();
        for _ in 0..10_000 {
            assert!(seen.insert(ids.hex("r_")));
            assert!(seen.insert(ids.alnum("v_", 32)));
        }
        let r = ids.hex("r_");
        assert_eq!(r.len(), 2 + 18);
        assert!(r.starts_with("r_0c"));
        let v = ids.alnum("v_", 32);
        assert_eq!(v.len(), 34);
        assert!(v[2..].chars().all(|c| c.is_ascii_alphanumeric()));
    }

    #[test]
    fn ids_taken_from_several_threads_at_once_stay_unique() {
        let ids = IdGen::new(7);
        let taken: Vec<Vec<String>> = std::thread::scope(|s| {
            let workers: Vec<_> = (0..4)
                .map(|_| s.spawn(|| (0..2_000).map(|_| ids.hex("valid_")).collect()))
                .collect();
            workers.into_iter().map(|w| w.join().unwrap()).collect()
        });
        let all: HashSet<&String> = taken.iter().flatten().collect();
        assert_eq!(all.len(), 8_000);
    }

    #[test]
    fn hex_ids_are_the_counter_hash_in_sixteen_lowercase_digits() {
        let (ids, same) = (IdGen::new(3), IdGen::new(3));
        for _ in 0..1_000 {
            assert_eq!(ids.hex("r_"), format!("r_0c{:016x}", same.next_raw()));
        }
    }

    #[test]
    fn projects_differ() {
        assert_ne!(IdGen::new(1).hex("r_"), IdGen::new(2).hex("r_"));
    }
}

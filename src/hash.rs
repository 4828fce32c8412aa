//! Every hash blotter computes, each for one purpose:
//!
//! - [`stable_hash`] (64-bit FNV-1a) names things that must never change:
//!   hashed slugs are part of permalinks, so this function is frozen.
//! - [`content_hash`] (64-bit XXH3) fingerprints bytes: a page, a release
//!   text, a cache file. It reads eight bytes and more at a time, so it is
//!   the one to use on anything long. The caches store its values, and
//!   their magic strings change with it.
//! - [`fingerprint`] (XXH3 over buffered pieces) hashes structured values
//!   through their `Hash` impls: a page's inputs. It is the same on every
//!   run of one blotter binary; a new Rust release may change how std's
//!   types feed a hasher, and the next build then renders every page once.

use std::hash::{Hash, Hasher};

use xxhash_rust::xxh3::xxh3_64_with_seed;

/// 64-bit FNV-1a: stable across runs, machines and blotter versions.
/// It takes a byte at a time: long inputs go through [`content_hash`].
pub fn stable_hash(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// 64-bit XXH3 of a byte string.
pub fn content_hash(bytes: &[u8]) -> u64 {
    xxhash_rust::xxh3::xxh3_64(bytes)
}

/// A structured value's fingerprint.
pub fn fingerprint(value: &impl Hash) -> u64 {
    let mut hasher = Fingerprinter::new();
    value.hash(&mut hasher);
    hasher.finish()
}

/// A page's inputs come as many short pieces (a discriminant, a length,
/// a name), so they are gathered in a buffer and hashed a buffer at a
/// time with one-shot XXH3, each buffer seeded with the hash of those
/// before it.
struct Fingerprinter {
    buffer: [u8; BUFFER],
    len: usize,
    state: u64,
}

const BUFFER: usize = 256;

impl Fingerprinter {
    fn new() -> Fingerprinter {
        Fingerprinter {
            buffer: [0; BUFFER],
            len: 0,
            state: 0,
        }
    }

    fn flush(&mut self) {
        self.state = xxh3_64_with_seed(&self.buffer[..self.len], self.state);
        self.len = 0;
    }
}

impl Hasher for Fingerprinter {
    fn write(&mut self, bytes: &[u8]) {
        if self.len + bytes.len() > BUFFER {
            self.flush();
        }
        if bytes.len() >= BUFFER {
            self.state = xxh3_64_with_seed(bytes, self.state);
        } else {
            self.buffer[self.len..self.len + bytes.len()].copy_from_slice(bytes);
            self.len += bytes.len();
        }
    }

    fn write_u8(&mut self, n: u8) {
        if self.len == BUFFER {
            self.flush();
        }
        self.buffer[self.len] = n;
        self.len += 1;
    }

    fn write_u64(&mut self, n: u64) {
        if self.len + 8 > BUFFER {
            self.flush();
        }
        self.buffer[self.len..self.len + 8].copy_from_slice(&n.to_le_bytes());
        self.len += 8;
    }

    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }

    fn finish(&self) -> u64 {
        mix(xxh3_64_with_seed(&self.buffer[..self.len], self.state))
    }
}

/// SplitMix64's finaliser: every input bit moves about half the output bits.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hashed slugs are in permalinks: these values may never change.
    #[test]
    fn stable_hash_is_frozen() {
        assert_eq!(stable_hash(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(stable_hash(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(stable_hash(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn fingerprints_tell_values_apart() {
        assert_eq!(fingerprint(&("a", 1)), fingerprint(&("a", 1)));
        assert_ne!(fingerprint(&("a", 1)), fingerprint(&("a", 2)));
        assert_ne!(fingerprint(&("ab", "")), fingerprint(&("a", "b")));
        assert_ne!(fingerprint(&(1u64, 2u64)), fingerprint(&(2u64, 1u64)));
        assert_ne!(fingerprint(&[0u8; 0]), fingerprint(&[0u8]));
        assert_ne!(fingerprint(&Some(0u64)), fingerprint(&None::<u64>));
        // Pieces across a buffer's end.
        let long: Vec<String> = (0..100).map(|i| format!("piece {i}")).collect();
        let mut changed = long.clone();
        changed[60].push('!');
        assert_ne!(fingerprint(&long), fingerprint(&changed));
        assert_ne!(fingerprint(&"x".repeat(300)), fingerprint(&"x".repeat(301)));
    }
}

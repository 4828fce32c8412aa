//! Every hash blotter computes, each for one purpose:
//!
//! - [`stable_hash`] (64-bit FNV-1a) names things that must never change:
//!   hashed slugs are part of permalinks, so this function is frozen.
//! - [`content_hash`] (64-bit XXH3) fingerprints bytes: a page, a release
//!   text, a cache file. It reads eight bytes and more at a time, so it is
//!   the one to use on anything long. The caches store its values, and
//!   their magic strings change with it.
//! - [`fingerprint`] (XXH3 and SplitMix64 steps, chained) hashes structured
//!   values through their `Hash` impls: a page's inputs. It is the same on every
//!   run of one blotter binary; a new Rust release may change how std's
//!   types feed a hasher, and the next build then renders every page once.

use std::hash::{Hash, Hasher};

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
    let mut hasher = Fingerprinter(0);
    value.hash(&mut hasher);
    hasher.finish()
}

/// A chain of strong steps, one per value the `Hash` impls feed it: byte
/// strings through one-shot XXH3 seeded with the state so far, numbers
/// through a 64-bit finaliser. A page's inputs come as many short pieces,
/// which a streaming hasher would copy into its buffer one by one.
struct Fingerprinter(u64);

impl Hasher for Fingerprinter {
    fn write(&mut self, bytes: &[u8]) {
        self.0 = xxhash_rust::xxh3::xxh3_64_with_seed(bytes, self.0);
    }

    fn write_u8(&mut self, n: u8) {
        self.write_u64(u64::from(n));
    }

    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = mix(self.0.rotate_left(23) ^ n);
    }

    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }

    fn finish(&self) -> u64 {
        mix(self.0)
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
    }
}

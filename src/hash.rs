//! Every hash blotter computes, each for one purpose:
//!
//! - [`stable_hash`] (64-bit FNV-1a) names things that must never change:
//!   hashed slugs are part of permalinks, so this function is frozen.
//! - [`content_hash`] (64-bit XXH3) fingerprints bytes: a page, a release
//!   text, a cache file. It reads eight bytes and more at a time, so it is
//!   the one to use on anything long. The caches store its values, and
//!   their magic strings change with it.
//! - [`fingerprint`] (std's SipHash with its fixed keys) hashes structured
//!   values through their `Hash` impls: a page's inputs. It is the same on
//!   every run of one blotter binary; a new Rust release may change it, and
//!   the next build then renders every page once.

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
    let mut hasher = std::hash::DefaultHasher::new();
    value.hash(&mut hasher);
    hasher.finish()
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
    }
}

//! Followers, for phrase queries: per (form, document) posting, the set of
//! one-byte hashes of the forms that come right after an occurrence of the
//! form in the document's body text or in its title (two separate word
//! sequences). Words are the index's folded forms; a word that folds to
//! nothing is not a word, so it neither follows nor parts two words.
//!
//! A form's hash is the low byte of FNV-1a (32-bit) over its UTF-8 bytes;
//! `static/search.js` computes the same (`follower`, whose comment lists
//! the fixed values tested here); the browser test's phrase query finds
//! nothing if the two differ.
//!
//! A set is written as a byte `n` up to [`MAX_LISTED`] followed by its `n`
//! hashes in ascending order, or as [`BITMAP`] followed by 32 bytes (bit
//! `h % 8` of byte `h / 8` for hash `h`), whichever is shorter. That is how
//! the search cache keeps them. The file `search/f/<prefix>.bin` holds,
//! for its term shard `t/<prefix>.bin`, per form in shard order, a block
//! of the sets of the form's `k` documents (its title and body postings
//! merged, ascending), so no document number is written twice: first
//! `ceil(k / 4)` bytes of two-bit codes (set `j`'s in bits `2 * (j % 4)`
//! and up of byte `j / 4`), then per set, for code `c` below 3 its `c + 1`
//! hashes, for code 3 the set as written above. Three sets in four have
//! one follower, so this is about a quarter smaller than the sets as they
//! are.

/// The most hashes a set lists; a larger set is a bitmap (33 bytes).
pub const MAX_LISTED: u8 = 32;
/// The first byte of a set written as a bitmap.
pub const BITMAP: u8 = 0xff;

/// A form's follower hash: the low byte of its FNV-1a 32-bit hash.
pub fn hash(form: &str) -> u8 {
    let mut h: u32 = 0x811c_9dc5;
    for b in form.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h as u8
}

/// A set of hashes being collected, which also knows how many it holds
/// (up to 255) and the last one added: a set of one hash, three in four
/// of a release's sets, is written without reading its bits, and any
/// other is written as a list or a bitmap in one pass.
#[derive(Default)]
pub struct Set {
    /// Bit `h % 64` of word `h / 64` for hash `h`.
    bits: [u64; 4],
    len: u8,
    last: u8,
}

impl Set {
    /// Without a branch on whether the hash is new, which no processor
    /// can predict.
    pub fn insert(&mut self, h: u8) {
        let (word, bit) = (&mut self.bits[usize::from(h >> 6)], 1 << (h & 63));
        let new = *word & bit == 0;
        *word |= bit;
        self.len = self.len.saturating_add(u8::from(new));
        self.last = if new { h } else { self.last };
    }

    /// Appends its encoding: up to [`MAX_LISTED`] hashes as a list,
    /// ascending, more as a bitmap.
    pub fn write(&self, out: &mut Vec<u8>) {
        match self.len {
            1 => out.extend_from_slice(&[1, self.last]),
            n if n <= MAX_LISTED => {
                let mut list = [0u8; 1 + MAX_LISTED as usize];
                list[0] = n;
                let mut at = 1;
                // Set bits lowest first, word by word: ascending hashes.
                for (i, &word) in self.bits.iter().enumerate() {
                    let mut rest = word;
                    while rest != 0 {
                        list[at] = (i as u32 * 64 + rest.trailing_zeros()) as u8;
                        at += 1;
                        rest &= rest - 1;
                    }
                }
                out.extend_from_slice(&list[..at]);
            }
            _ => {
                out.push(BITMAP);
                for word in &self.bits {
                    out.extend_from_slice(&word.to_le_bytes());
                }
            }
        }
    }
}

/// The length of the set encoded at the front of `bytes`; `None` if it is
/// damaged.
pub fn len(bytes: &[u8]) -> Option<usize> {
    let len = match *bytes.first()? {
        BITMAP => 33,
        n if n <= MAX_LISTED => 1 + usize::from(n),
        _ => return None,
    };
    (len <= bytes.len()).then_some(len)
}

/// The `count` sets at the front of `bytes`, as the length of their
/// encoding; `None` if damaged.
pub fn skip(bytes: &[u8], count: usize) -> Option<usize> {
    let mut at = 0;
    for _ in 0..count {
        at += len(bytes.get(at..)?)?;
    }
    Some(at)
}

/// Appends the block of the sets that `sets` holds (as the cache keeps
/// them, one after another) as a follower file holds it; `None` if damaged.
pub fn pack(out: &mut Vec<u8>, sets: &[u8]) -> Option<()> {
    let mut count = 0usize;
    let mut at = 0;
    while at < sets.len() {
        at += len(&sets[at..])?;
        count += 1;
    }
    let codes = out.len();
    out.resize(codes + count.div_ceil(4), 0);
    let mut at = 0;
    for j in 0..count {
        let len = len(sets.get(at..)?)?;
        let (code, bytes) = packed(&sets[at..at + len]);
        set_code(&mut out[codes..], j, code);
        out.extend_from_slice(bytes);
        at += len;
    }
    (at == sets.len()).then_some(())
}

/// A set's two-bit code in a block and the bytes it writes there: a set
/// of 1 to 3 hashes writes just its hashes, any other the whole set.
pub fn packed(set: &[u8]) -> (u8, &[u8]) {
    match set.first() {
        Some(&n) if (1..=3).contains(&n) => (n - 1, &set[1..]),
        _ => (3, set),
    }
}

/// Sets the `j`th set's code among a block's codes.
pub fn set_code(codes: &mut [u8], j: usize, code: u8) {
    codes[j / 4] |= code << (2 * (j % 4));
}

/// The `count` sets of the block at the front of `bytes`, as the cache
/// keeps them, and the block's length; `None` if damaged.
pub fn unpack(bytes: &[u8], count: usize) -> Option<(Vec<u8>, usize)> {
    let codes = bytes.get(..count.div_ceil(4))?;
    let mut at = codes.len();
    let mut out = Vec::with_capacity(bytes.len().min(count * 3));
    for j in 0..count {
        let code = (codes[j / 4] >> (2 * (j % 4))) & 3;
        if code < 3 {
            let n = usize::from(code) + 1;
            out.push(code + 1);
            out.extend_from_slice(bytes.get(at..at + n)?);
            at += n;
        } else {
            let len = len(bytes.get(at..)?)?;
            out.extend_from_slice(&bytes[at..at + len]);
            at += len;
        }
    }
    Some((out, at))
}

/// Whether the set encoded at the front of `bytes` holds `h`.
pub fn contains(bytes: &[u8], h: u8) -> bool {
    match bytes.first() {
        Some(&BITMAP) => bytes
            .get(1 + usize::from(h / 8))
            .is_some_and(|b| b & (1 << (h % 8)) != 0),
        Some(&n) => bytes
            .get(1..1 + usize::from(n))
            .is_some_and(|list| list.contains(&h)),
        None => false,
    }
}

/// The hashes of a set's encoding, ascending.
pub fn read(bytes: &[u8]) -> Vec<u8> {
    (0..=255u8).filter(|&h| contains(bytes, h)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_the_fixed_values_the_client_checks() {
        // FNV-1a 32-bit, low byte; static/search.js lists "", county and lines.
        assert_eq!(hash(""), 0xc5);
        assert_eq!(hash("a"), 0x2c);
        assert_eq!(hash("county"), hash_reference("county"));
        assert_eq!(
            ["county", "lines", "encrochat", "lodz"].map(hash),
            [0xf7, 0x3c, 0xca, 0xc6]
        );
    }

    /// FNV-1a written out as its definition, as a second opinion.
    fn hash_reference(text: &str) -> u8 {
        let mut h = 2_166_136_261u64;
        for b in text.as_bytes() {
            h = ((h ^ u64::from(*b)) * 16_777_619) % (1 << 32);
        }
        (h & 0xff) as u8
    }

    #[test]
    fn sets_read_back_as_written_as_lists_or_bitmaps() {
        for n in [0usize, 1, 2, 32, 33, 200, 256] {
            let mut set = Set::default();
            let wanted: Vec<u8> = (0..n).map(|i| (i * 37 % 256) as u8).collect();
            for &h in &wanted {
                set.insert(h);
            }
            let mut out = Vec::new();
            set.write(&mut out);
            assert_eq!(out.len(), if n > 32 { 33 } else { 1 + n }, "{n}");
            assert_eq!(len(&out), Some(out.len()));
            let mut sorted = wanted.clone();
            sorted.sort_unstable();
            assert_eq!(read(&out), sorted);
            assert!(wanted.iter().all(|&h| contains(&out, h)));
        }
        assert_eq!(len(&[40]), None, "damaged");
        assert_eq!(len(&[3, 1, 2]), None, "cut short");
        assert_eq!(skip(&[1, 9, 0, 2, 3, 4], 3), Some(6));
    }

    #[test]
    fn blocks_read_back_as_the_sets_they_were_packed_from() {
        for sizes in [
            &[][..],
            &[1],
            &[0, 1, 2, 3, 4, 40],
            &[1, 1, 1, 1, 2, 33, 0, 3, 1],
        ] {
            let mut sets = Vec::new();
            for (i, &n) in sizes.iter().enumerate() {
                let mut set = Set::default();
                for h in 0..n {
                    set.insert((h * 7 + i) as u8);
                }
                set.write(&mut sets);
            }
            let mut block = vec![9];
            pack(&mut block, &sets).unwrap();
            let ones = sizes.iter().filter(|&&n| (1..=3).contains(&n)).count();
            assert_eq!(block.len(), 1 + sets.len() + sizes.len().div_ceil(4) - ones);
            block.push(7);
            assert_eq!(
                unpack(&block[1..], sizes.len()),
                Some((sets, block.len() - 2))
            );
        }
        assert_eq!(unpack(&[0b11], 1), None, "cut short");
    }
}

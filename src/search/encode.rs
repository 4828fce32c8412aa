//! The index's binary pieces: LEB128 varints, strings, and posting lists
//! that are either delta-coded lists or bitmaps, whichever is smaller.
//! `static/search.js` reads exactly this.

/// Posting kinds.
pub const LIST: u8 = 0;
pub const BITMAP: u8 = 1;

pub fn varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

pub fn string(out: &mut Vec<u8>, text: &str) {
    varint(out, text.len() as u64);
    out.extend_from_slice(text.as_bytes());
}

/// Documents in ascending order, with a weight byte each when `weights`
/// is given. A bitmap carries no weights: its documents weigh
/// [`super::DENSE_WEIGHT`] (a word in that many documents adds little).
/// True when it wrote a bitmap.
pub fn postings(out: &mut Vec<u8>, docs: &[u32], weights: Option<&[u8]>) -> bool {
    let bitmap_len = docs.last().map_or(0, |&d| d as usize / 8 + 1);
    let mut list = Vec::with_capacity(docs.len() * 2);
    let mut previous: i64 = -1;
    for (i, &doc) in docs.iter().enumerate() {
        varint(&mut list, (i64::from(doc) - previous) as u64);
        previous = i64::from(doc);
        if let Some(weights) = weights {
            list.push(weights[i]);
        }
    }
    if bitmap_len + 2 < list.len() {
        let mut bits = vec![0u8; bitmap_len];
        for &doc in docs {
            bits[doc as usize / 8] |= 1 << (doc % 8);
        }
        out.push(BITMAP);
        varint(out, docs.len() as u64);
        varint(out, bits.len() as u64);
        out.extend_from_slice(&bits);
        true
    } else {
        out.push(LIST);
        varint(out, docs.len() as u64);
        out.extend_from_slice(&list);
        false
    }
}

/// A reader over the same encoding (the Rust mirror of the client).
pub struct Reader<'b> {
    bytes: &'b [u8],
    at: usize,
}

impl<'b> Reader<'b> {
    pub fn new(bytes: &'b [u8]) -> Self {
        Reader { bytes, at: 0 }
    }

    /// The reader's place in its bytes.
    pub fn at(&self) -> usize {
        self.at
    }

    /// Passes over a posting list (`weighted` as in [`Self::postings`]):
    /// the number of documents when it is a bitmap, else 0.
    pub fn skip_postings(&mut self, weighted: bool) -> Option<usize> {
        let kind = self.byte()?;
        let count = self.varint()? as usize;
        if kind == BITMAP {
            let len = self.varint()? as usize;
            self.bytes.get(self.at..self.at + len)?;
            self.at += len;
            return Some(count);
        }
        for _ in 0..count {
            self.varint()?;
            if weighted {
                self.byte()?;
            }
        }
        Some(0)
    }

    pub fn done(&self) -> bool {
        self.at >= self.bytes.len()
    }

    pub fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    pub fn byte(&mut self) -> Option<u8> {
        let b = *self.bytes.get(self.at)?;
        self.at += 1;
        Some(b)
    }

    pub fn varint(&mut self) -> Option<u64> {
        let mut value = 0u64;
        let mut shift = 0;
        loop {
            let b = self.byte()?;
            value |= u64::from(b & 0x7f) << shift;
            if b < 0x80 {
                return Some(value);
            }
            shift += 7;
            if shift > 63 {
                return None;
            }
        }
    }

    pub fn string(&mut self) -> Option<&'b str> {
        let len = self.varint()? as usize;
        let bytes = self.bytes.get(self.at..self.at + len)?;
        self.at += len;
        std::str::from_utf8(bytes).ok()
    }

    /// (document, weight) pairs; `weighted` says whether a list carries weights.
    pub fn postings(&mut self, weighted: bool) -> Option<Vec<(u32, u8)>> {
        let kind = self.byte()?;
        let count = self.varint()? as usize;
        let mut docs = Vec::with_capacity(count);
        if kind == BITMAP {
            let len = self.varint()? as usize;
            let bits = self.bytes.get(self.at..self.at + len)?;
            self.at += len;
            for (i, &b) in bits.iter().enumerate() {
                for bit in 0..8 {
                    if b & (1 << bit) != 0 {
                        docs.push(((i * 8 + bit) as u32, super::DENSE_WEIGHT));
                    }
                }
            }
        } else {
            let mut doc: i64 = -1;
            for _ in 0..count {
                doc += self.varint()? as i64;
                let weight = if weighted { self.byte()? } else { 0 };
                docs.push((doc as u32, weight));
            }
        }
        Some(docs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postings_read_back_as_written_in_either_form() {
        let sparse = [3u32, 90, 1000, 70_000];
        let dense: Vec<u32> = (0..500).filter(|d| d % 3 != 0).collect();
        for docs in [&sparse[..], &dense[..]] {
            let weights: Vec<u8> = docs.iter().map(|&d| (d % 200) as u8 + 1).collect();
            let mut out = Vec::new();
            postings(&mut out, docs, Some(&weights));
            let back = Reader::new(&out).postings(true).unwrap();
            let back_docs: Vec<u32> = back.iter().map(|p| p.0).collect();
            assert_eq!(back_docs, docs);
            if out[0] == LIST {
                let back_weights: Vec<u8> = back.iter().map(|p| p.1).collect();
                assert_eq!(back_weights, weights);
            }
        }
        let mut out = Vec::new();
        postings(&mut out, &dense, None);
        assert_eq!(out[0], BITMAP, "a dense list is a bitmap");
    }
}

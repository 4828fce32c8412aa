//! Words as the index and the reader's query both see them: Unicode word
//! boundaries (UAX #29), lower case, diacritics folded, apostrophes and
//! digit group commas dropped. `static/search.js` mirrors these rules with
//! `Intl.Segmenter`, so a query word meets the indexed form as written.

use unicode_segmentation::UnicodeSegmentation;

/// Forms longer than this are codes, hashes or URLs run together: left out.
pub const MAX_FORM_CHARS: usize = 40;

/// The folded forms of `text`'s words, in order.
pub fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for_each_word(text, |word| out.extend(fold(word)));
    out
}

/// Calls `f` with each of `text`'s words, exactly as
/// `UnicodeSegmentation::unicode_words` splits them, but without its
/// table lookups for the text that is ASCII, which most releases are
/// made of. No word spans ASCII white space (UAX #29 joins letters and
/// digits only across punctuation), so each run between white space that
/// holds a character other than ASCII is split by the crate, and the
/// ASCII text between such runs by [`ascii_words`]. A run whose only
/// other characters are [`plain`] punctuation (typographic quotes,
/// dashes, `£`) is split as ASCII, the punctuation parting words as any
/// ASCII punctuation that joins nothing does.
pub fn for_each_word<'t>(text: &'t str, mut f: impl FnMut(&'t str)) {
    // ASCII white space never occurs inside a multi-byte character, so the
    // runs are found on bytes.
    let bytes = text.as_bytes();
    // The start of the text not yet split, and where to look on from for
    // a character other than ASCII.
    let mut at = 0;
    let mut search = 0;
    while let Some(other) = next_non_ascii(bytes, search) {
        let end = (bytes[other..].iter())
            .position(u8::is_ascii_whitespace)
            .map_or(bytes.len(), |space| other + space);
        search = end;
        if text[other..end].chars().all(|c| c.is_ascii() || plain(c)) {
            continue;
        }
        let start = (bytes[at..other].iter())
            .rposition(u8::is_ascii_whitespace)
            .map_or(at, |space| at + space + 1);
        ascii_words(text, at, start, &mut f);
        text[start..end].unicode_words().for_each(&mut f);
        at = end;
    }
    ascii_words(text, at, bytes.len(), &mut f);
}

/// Characters of the UAX #29 class Other that releases often hold: each
/// parts the words on either side and joins nothing, and is in no word.
fn plain(c: char) -> bool {
    matches!(c, '\u{201c}' | '\u{201d}' | '\u{2013}' | '\u{2014}' | '£')
}

/// The first byte at or after `from` that is not ASCII.
fn next_non_ascii(bytes: &[u8], from: usize) -> Option<usize> {
    let rest = bytes.get(from..)?;
    let mut chunks = rest.chunks_exact(8);
    let mut at = from;
    for chunk in chunks.by_ref() {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        if u64::from_ne_bytes(word) & 0x8080_8080_8080_8080 != 0 {
            break;
        }
        at += 8;
    }
    (bytes[at..].iter().position(|b| !b.is_ascii())).map(|i| at + i)
}

/// Bits of [`FLAGS`]: a letter, digit or `_` (which joins letters and
/// digits on both sides, WB13a, WB13b); a letter; a digit; and, shifted
/// left by [`JOINS`], the classes a middle punctuation mark joins when it
/// stands between two of them: `:` letters (WB6, WB7), `,` `;` digits
/// (WB11, WB12), `.` `'` either.
const WORD: u8 = 1;
const LETTER: u8 = 2;
const DIGIT: u8 = 4;
const JOINS: u8 = 4;

const FLAGS: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 128 {
        table[b] = match b as u8 {
            b'a'..=b'z' | b'A'..=b'Z' => WORD | LETTER,
            b'0'..=b'9' => WORD | DIGIT,
            b'_' => WORD,
            b':' => LETTER << JOINS,
            b',' | b';' => DIGIT << JOINS,
            b'.' | b'\'' => (LETTER | DIGIT) << JOINS,
            _ => 0,
        };
        b += 1;
    }
    table
};

/// The words of `text[from..to]`, ASCII text (but for [`plain`]
/// characters, whose bytes have no flags) that starts and ends at white
/// space or at the text's ends. A word is a longest stretch of
/// letters, digits and `_`, with the middle punctuation marks that join
/// their neighbours (the UAX #29 rules above), holding a letter or a
/// digit, as `unicode_words` keeps it. Each 64 bytes are made a mask of
/// the bytes in words ([`word_mask`]), whose stretches of ones are the
/// words.
fn ascii_words<'t>(text: &'t str, from: usize, to: usize, f: &mut impl FnMut(&'t str)) {
    let bytes = text.as_bytes();
    let mut emit = |start: usize, end: usize| {
        let word = &bytes[start..end];
        if word[0] != b'_' || word.iter().any(u8::is_ascii_alphanumeric) {
            f(&text[start..end]);
        }
    };
    // The start of a word that runs on past the last block's end.
    let mut open: Option<usize> = None;
    // Whether the byte before the block is a letter, digit or `_`.
    let mut word_before = false;
    let mut block = from;
    while block < to {
        let len = (to - block).min(64);
        let (mut mask, last_is_word) = word_mask(bytes, block, len, to, word_before);
        word_before = last_is_word;
        if let Some(start) = open {
            let ones = mask.trailing_ones() as usize;
            if ones == len {
                block += len;
                continue;
            }
            emit(start, block + ones);
            open = None;
            mask &= !0u64 << ones;
        }
        while mask != 0 {
            let start = mask.trailing_zeros() as usize;
            let end = start + (mask >> start).trailing_ones() as usize;
            if end == len {
                open = Some(block + start);
                break;
            }
            emit(block + start, block + end);
            mask &= !0u64 << end;
        }
        block += len;
    }
    if let Some(start) = open {
        emit(start, to);
    }
}

/// 64 bytes of 0 or 1 to 64 bits, byte `i`'s to bit `i`: each byte's
/// multiple lands on its own bit of the top byte, without carries.
fn bits_of(bytes: &[u8; 64]) -> u64 {
    let mut bits = 0u64;
    for (i, eight) in bytes.chunks_exact(8).enumerate() {
        let mut word = [0u8; 8];
        word.copy_from_slice(eight);
        let packed = u64::from_le_bytes(word).wrapping_mul(0x0102_0408_1020_4080) >> 56;
        bits |= packed << (8 * i);
    }
    bits
}

/// The bits of `bytes[block..block + len]` (`len` up to 64) that are in
/// words, and whether the last of them is a letter, digit or `_`, given
/// whether the byte before is one (none before `from`, which the caller
/// says) and with none at or after `to`. The bytes that are letters,
/// digits or `_`, and those that are middle punctuation marks, are found
/// by arithmetic alone (no table lookup per byte), which the compiler
/// does sixteen bytes at a time; a mark between two such bytes (rare) is
/// then looked up in [`FLAGS`] to see whether it joins them.
fn word_mask(bytes: &[u8], block: usize, len: usize, to: usize, word_before: bool) -> (u64, bool) {
    let mut padded = [0u8; 64];
    let chunk_bytes: &[u8] = if len == 64 {
        &bytes[block..block + 64]
    } else {
        padded[..len].copy_from_slice(&bytes[block..block + len]);
        &padded
    };
    // Bytes of 0 or 1.
    let (mut word, mut mark) = ([0u8; 64], [0u8; 64]);
    for ((&b, word), mark) in chunk_bytes.iter().zip(&mut word).zip(&mut mark) {
        let letter = (b | 0x20).wrapping_sub(b'a') < 26;
        let digit = b.wrapping_sub(b'0') < 10;
        *word = u8::from(letter | digit | (b == b'_'));
        // `:` `;`, `,` `.`, and `'`.
        *mark = u8::from(((b | 1) == b';') | ((b | 2) == b'.') | (b == b'\''));
    }
    let (words, marks) = (bits_of(&word), bits_of(&mark));
    let word_after = block + len < to && FLAGS[usize::from(bytes[block + len])] & WORD != 0;
    let before = words << 1 | u64::from(word_before);
    let after = words >> 1 | u64::from(word_after) << (len - 1);
    let mut candidates = marks & before & after;
    let mut joined = 0u64;
    while candidates != 0 {
        let j = candidates.trailing_zeros() as usize;
        let at = block + j;
        let flag = |k: usize| FLAGS[usize::from(bytes[k])];
        let joins = (flag(at) >> JOINS) & flag(at - 1) & flag(at + 1) & (LETTER | DIGIT);
        joined |= u64::from(joins != 0) << j;
        candidates &= candidates - 1;
    }
    let last_is_word = words >> (len - 1) & 1 != 0;
    (words | joined, last_is_word)
}

/// One word folded: lower case, diacritics removed (`Ysbyty Gwynedd`,
/// `café` -> `cafe`), a possessive `'s` and other apostrophes dropped
/// (`force's` -> `force`, `don't` -> `dont`), commas removed (`1,000` ->
/// `1000`). Letters, digits and inner full stops (`3.5`) are kept. `None`
/// for a word with nothing left or one too long to be a word.
pub fn fold(word: &str) -> Option<String> {
    let mut out = String::with_capacity(word.len());
    fold_into(word, &mut out).then_some(out)
}

/// [`fold`] into a buffer the caller reuses (no allocation per word):
/// false when nothing is left.
pub fn fold_into(word: &str, out: &mut String) -> bool {
    out.clear();
    let word = word
        .strip_suffix("'s")
        .or_else(|| word.strip_suffix("\u{2019}s"))
        .or_else(|| word.strip_suffix("'S"))
        .or_else(|| word.strip_suffix("\u{2019}S"))
        .unwrap_or(word);
    if word.is_ascii() {
        // ASCII letters, digits and full stops, one byte each.
        let kept = word
            .bytes()
            .filter(|b| b.is_ascii_alphanumeric() || *b == b'.')
            .map(|b| char::from(b.to_ascii_lowercase()));
        out.extend(kept);
        let end = out.trim_end_matches('.').len();
        out.truncate(end);
        let lead = out.len() - out.trim_start_matches('.').len();
        out.drain(..lead);
        return !out.is_empty() && out.len() <= MAX_FORM_CHARS;
    }
    for c in word.chars() {
        if c.is_ascii() {
            if c.is_ascii_alphanumeric() || c == '.' {
                out.push(c.to_ascii_lowercase());
            }
        } else if c.is_alphanumeric() {
            // Transliterated (`é` -> `e`, `ß` -> `ss`, `ł` -> `l`); letters
            // without a Latin form are kept as they are, lower-cased.
            match deunicode::deunicode_char(c) {
                Some(t) if !t.is_empty() && t.chars().all(|t| t.is_ascii_alphanumeric()) => {
                    out.extend(t.chars().map(|t| t.to_ascii_lowercase()))
                }
                _ => out.extend(c.to_lowercase()),
            }
        }
    }
    while out.ends_with('.') {
        out.pop();
    }
    let lead = out.len() - out.trim_start_matches('.').len();
    out.drain(..lead);
    let chars = out.chars().count();
    chars > 0 && chars <= MAX_FORM_CHARS
}

/// Whether `word` is already its own folded form: lower-case ASCII
/// letters and digits only, and not too long.
pub fn is_folded(word: &str) -> bool {
    word.len() <= MAX_FORM_CHARS
        && word
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

/// English Snowball stem of a folded form. Words with digits (`a38`,
/// `52kg`, `2024`) are codes and stay as they are.
pub fn stem(stemmer: &rust_stemmers::Stemmer, form: &str) -> String {
    if form.bytes().any(|b| b.is_ascii_digit()) || !form.is_ascii() {
        return form.to_string();
    }
    stemmer.stem(form).into_owned()
}

pub fn english() -> rust_stemmers::Stemmer {
    rust_stemmers::Stemmer::create(rust_stemmers::Algorithm::English)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(text: &str) -> Vec<String> {
        words(text)
    }

    #[test]
    fn words_split_at_unicode_boundaries_and_are_lower_cased() {
        assert_eq!(
            all("EncroChat: Operation Venetic (2020)."),
            ["encrochat", "operation", "venetic", "2020"]
        );
        assert_eq!(
            all("county-lines drug dealing"),
            ["county", "lines", "drug", "dealing"]
        );
    }

    #[test]
    fn numbers_and_codes_stay_findable() {
        assert_eq!(all("the A38 near J12"), ["the", "a38", "near", "j12"]);
        assert_eq!(all("£52kg of cannabis"), ["52kg", "of", "cannabis"]);
        assert_eq!(
            all("£1,000 fine, 3.5 miles"),
            ["1000", "fine", "3.5", "miles"]
        );
    }

    #[test]
    fn diacritics_are_folded_and_apostrophes_dropped() {
        assert_eq!(all("Café Môn, Łódź"), ["cafe", "mon", "lodz"]);
        assert_eq!(
            all("Heddlu Gogledd Cymru’s ŵyr"),
            ["heddlu", "gogledd", "cymru", "wyr"]
        );
        assert_eq!(
            all("the force's officers didn't"),
            ["the", "force", "officers", "didnt"]
        );
    }

    fn crate_words(text: &str) -> Vec<&str> {
        text.unicode_words().collect()
    }

    fn split_words(text: &str) -> Vec<&str> {
        let mut out = Vec::new();
        for_each_word(text, |w| out.push(w));
        out
    }

    #[test]
    fn ascii_runs_split_as_the_unicode_rules_split_them() {
        for text in [
            "a:b a.b a'b a,b 1,000.50 1:2 1'2 a1.2 1a.b _a a_b __ _ a_1_b",
            "a.. ..a a.'b a:.b 1..2 e.g. U.K. 3.5kg 52kg. A38/M5 a-b (c) 'd' x'",
            "no\u{0b}break\ttab\r\nline\x0cfeed end.",
            "“a.b” £5,000 – a–b a.“b” 1,“2 “_” x—y said.” ”a’s a’“b ‘q’ “é”",
        ] {
            assert_eq!(split_words(text), crate_words(text), "{text:?}");
        }
    }

    #[test]
    fn words_across_the_64_byte_blocks_split_as_the_unicode_rules_split_them() {
        let long = "a".repeat(130);
        for pad in 0..140 {
            for tail in ["county.lines a_b 1,000", "x_ __a 2.5 ab:cd", &long, "“q”"] {
                let text = format!("{}{tail} {}.b", "y".repeat(pad), "z".repeat(pad % 67));
                assert_eq!(split_words(&text), crate_words(&text), "{text:?}");
                let spaced = format!("{} {tail}", " ".repeat(pad));
                assert_eq!(split_words(&spaced), crate_words(&spaced), "{spaced:?}");
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]

        /// The ASCII fast path never splits differently from the crate,
        /// whatever mix of ASCII punctuation and other scripts surrounds it.
        #[test]
        fn words_are_the_unicode_words(
            text in "([a-zA-Z0-9_.,;:'\" \t\n\r-]|[é’£“”–—\u{00a0}\u{0301}\u{200d}א]){0,300}",
        ) {
            proptest::prop_assert_eq!(split_words(&text), crate_words(&text));
        }
    }

    #[test]
    fn a_word_counts_as_folded_only_when_folding_leaves_it_as_it_is() {
        for word in [
            "police", "a38", "2024", "Police", "e.g", "café", "x_y", "it's", "A38",
        ] {
            let mut out = String::new();
            let same = fold_into(word, &mut out) && out == word;
            assert!(!is_folded(word) || same, "{word}");
        }
        assert!(is_folded("police") && is_folded("a38"));
        assert!(!is_folded("Police") && !is_folded("it's"));
        assert!(!is_folded(&"a".repeat(MAX_FORM_CHARS + 1)));
    }

    #[test]
    fn over_long_runs_are_not_words() {
        let hash = "a".repeat(MAX_FORM_CHARS + 1);
        assert_eq!(all(&format!("x {hash} y")), ["x", "y"]);
    }

    #[test]
    fn english_stems_join_forms_but_codes_and_names_keep_theirs() {
        let stemmer = english();
        assert_eq!(stem(&stemmer, "arrested"), stem(&stemmer, "arrests"));
        assert_eq!(stem(&stemmer, "policing"), stem(&stemmer, "police"));
        assert_eq!(stem(&stemmer, "a38"), "a38");
        assert_eq!(stem(&stemmer, "2024"), "2024");
    }
}

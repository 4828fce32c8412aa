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
/// table lookups for the runs of ASCII that most releases are made of.
/// No word spans ASCII white space (UAX #29 joins letters and digits only
/// across punctuation), so each run between white space is split on its
/// own: by the ASCII rules below when it is all ASCII, by the crate
/// otherwise.
pub fn for_each_word<'t>(text: &'t str, mut f: impl FnMut(&'t str)) {
    // ASCII white space never occurs inside a multi-byte character, so the
    // runs are found on bytes.
    let bytes = text.as_bytes();
    let mut at = 0;
    while at < bytes.len() {
        if bytes[at].is_ascii_whitespace() {
            at += 1;
            continue;
        }
        let start = at;
        let mut ascii = true;
        while at < bytes.len() && !bytes[at].is_ascii_whitespace() {
            ascii &= bytes[at].is_ascii();
            at += 1;
        }
        let run = &text[start..at];
        if ascii {
            ascii_words(run, &mut f);
        } else {
            run.unicode_words().for_each(&mut f);
        }
    }
}

/// UAX #29 word classes of the ASCII characters that are not white space.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    Letter,
    Digit,
    /// `_`: joins letters and digits on both sides (WB13a, WB13b).
    Connector,
    /// `:` between letters (WB6, WB7).
    MidLetter,
    /// `,` `;` between digits (WB11, WB12).
    MidNum,
    /// `.` `'` between letters or between digits.
    MidNumLetter,
    Other,
}

fn class(b: u8) -> Class {
    CLASSES[usize::from(b & 0x7f)]
}

const CLASSES: [Class; 128] = {
    let mut table = [Class::Other; 128];
    let mut b = 0;
    while b < 128 {
        table[b] = match b as u8 {
            b'a'..=b'z' | b'A'..=b'Z' => Class::Letter,
            b'0'..=b'9' => Class::Digit,
            b'_' => Class::Connector,
            b':' => Class::MidLetter,
            b',' | b';' => Class::MidNum,
            b'.' | b'\'' => Class::MidNumLetter,
            _ => Class::Other,
        };
        b += 1;
    }
    table
};

/// The words of an ASCII run without white space: segments joined by the
/// UAX #29 rules for letters (WB5), digits (WB8 to WB10), connectors
/// (WB13a, WB13b) and middle punctuation (WB6, WB7, WB11, WB12), kept when
/// they hold a letter or a digit, as `unicode_words` keeps them.
fn ascii_words<'t>(run: &'t str, f: &mut impl FnMut(&'t str)) {
    use Class::*;
    let bytes = run.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        let mut last = class(bytes[i]);
        i += 1;
        if matches!(last, Letter | Digit | Connector) {
            while i < bytes.len() {
                let next = class(bytes[i]);
                if matches!(next, Letter | Digit | Connector) {
                    last = next;
                    i += 1;
                    continue;
                }
                let after = bytes.get(i + 1).map(|&b| class(b));
                let joins = matches!(
                    (last, next, after),
                    (Letter, MidLetter | MidNumLetter, Some(Letter))
                        | (Digit, MidNum | MidNumLetter, Some(Digit))
                );
                if !joins {
                    break;
                }
                i += 2;
                last = after.unwrap_or(Other);
            }
        }
        let segment = &run[start..i];
        if segment.bytes().any(|b| b.is_ascii_alphanumeric()) {
            f(segment);
        }
    }
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
        ] {
            assert_eq!(split_words(text), crate_words(text), "{text:?}");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]

        /// The ASCII fast path never splits differently from the crate,
        /// whatever mix of ASCII punctuation and other scripts surrounds it.
        #[test]
        fn words_are_the_unicode_words(
            text in "([a-zA-Z0-9_.,;:'\" \t\n\r-]|[é’£\u{00a0}\u{0301}\u{200d}א])*",
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

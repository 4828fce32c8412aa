//! Words as the index and the reader's query both see them: Unicode word
//! boundaries (UAX #29), lower case, diacritics folded, apostrophes and
//! digit group commas dropped. `static/search.js` mirrors these rules with
//! `Intl.Segmenter`, so a query word meets the indexed form as written.

use unicode_segmentation::UnicodeSegmentation;

/// Forms longer than this are codes, hashes or URLs run together: left out.
pub const MAX_FORM_CHARS: usize = 40;

/// The folded forms of `text`'s words, in order.
pub fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.unicode_words().filter_map(fold)
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
        words(text).collect()
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

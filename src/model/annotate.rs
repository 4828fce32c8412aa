//! What a sidecar adds to its release, checked like code: passage notes must
//! anchor to exactly one passage of the release text, `release:<id>` links
//! and `related` ids must name real releases, correction dates must be real.
//! Every mistake is an error naming the sidecar's file and line.

use std::ops::Range;
use std::path::Path;

use pulldown_cmark::{Event, Parser, Tag};

use super::dates;
use crate::diagnostics::Diagnostic;
use crate::parse::{RawCorrection, RawNote, Spanned};
use serde::{Deserialize, Serialize};

/// A passage note anchored to a byte range of the release body.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Note {
    pub range: Range<usize>,
    pub quote: String,
    /// Markdown.
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Correction {
    pub date: chrono::NaiveDate,
    /// Markdown.
    pub text: String,
}

/// Options shared by every markdown parse, so validation sees the same
/// links the renderer will.
pub fn markdown_options() -> pulldown_cmark::Options {
    use pulldown_cmark::Options;
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_SMART_PUNCTUATION
        | Options::ENABLE_HEADING_ATTRIBUTES
}

/// Prefix of a cross-reference link: `[text](release:<id>)`.
pub const RELEASE_SCHEME: &str = "release:";

/// The `release:<id>` links in `markdown`, with their file lines.
/// `first_line` is the file line of the markdown's first line; for markdown
/// inside YAML (a note, a correction) it is the item's line and `inline` is
/// true. Found once per sidecar, so a rebuild checks them without parsing
/// the markdown again.
pub fn release_links(markdown: &str, first_line: usize, inline: bool) -> Vec<Spanned<String>> {
    let mut found = Vec::new();
    for (event, range) in Parser::new_ext(markdown, markdown_options()).into_offset_iter() {
        let Event::Start(Tag::Link { dest_url, .. }) = event else {
            continue;
        };
        let Some(id) = dest_url.strip_prefix(RELEASE_SCHEME) else {
            continue;
        };
        if inline {
            found.push(Spanned::new(id.to_string(), first_line));
            continue;
        }
        let line = first_line + markdown[..range.start].matches('\n').count();
        // The id where it is written, for the caret under it.
        let written = format!("{RELEASE_SCHEME}{id}");
        let col = markdown[range.clone()].find(&written).map_or(0, |at| {
            let at = range.start + at + RELEASE_SCHEME.len();
            let line_start = markdown[..at].rfind('\n').map_or(0, |i| i + 1);
            markdown[line_start..at].chars().count() + 1
        });
        found.push(Spanned::new(id.to_string(), line).at_col(col));
    }
    found
}

/// The error for a link whose id is not a release, with the closest id
/// there is as the hint.
pub fn unknown_link(path: &Path, link: &Spanned<String>, near: Option<&str>) -> Diagnostic {
    let (col, len) = link.span();
    let error = Diagnostic::error(
        path,
        link.line,
        format!("link to unknown release `{}`", link.value),
    )
    .at_span(col, len);
    match near {
        Some(id) => error.with_help(format!("did you mean `{id}`?")),
        None => error.with_help(
            "a cross-reference is written [text](release:<id>), where <id> is a release's file stem",
        ),
    }
}

pub fn corrections(raw: &[RawCorrection], path: &Path) -> Result<Vec<Correction>, Vec<Diagnostic>> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for c in raw {
        match dates::parse(&c.date) {
            Ok(d) => out.push(Correction {
                date: d.date,
                text: c.text.clone(),
            }),
            Err(message) => errors.push(Diagnostic::error(
                path,
                c.line,
                format!("correction date: {message}"),
            )),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// Anchors each note in `body`. Whitespace differences are ignored (a quote
/// copied from a browser has its line breaks and runs of spaces changed).
pub fn notes(raw: &[RawNote], body: &str, path: &Path) -> Result<Vec<Note>, Vec<Diagnostic>> {
    if raw.is_empty() {
        return Ok(Vec::new()); // most sidecars have no notes: skip indexing the body
    }
    let text = Normalised::new(body);
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for note in raw {
        match anchor(&text, note) {
            Ok(range) => out.push(Note {
                range,
                quote: note.quote.clone(),
                text: note.note.clone(),
            }),
            Err(mut d) => {
                d.path = path.to_path_buf();
                d.line = note.quote_line;
                if note.quote_col > 0 {
                    (d.col, d.len) = (note.quote_col, note.quote.chars().count());
                }
                errors.push(d);
            }
        }
    }
    out.sort_by_key(|n| n.range.start);
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

fn anchor(text: &Normalised, note: &RawNote) -> Result<Range<usize>, Diagnostic> {
    let quote = crate::plain::collapse_whitespace(&note.quote);
    let error = |m: String| Diagnostic::error(Path::new(""), 0, m);
    if quote.is_empty() {
        return Err(error("passage note has an empty quote".into()));
    }
    let prefix = note
        .prefix
        .as_deref()
        .map(crate::plain::collapse_whitespace)
        .unwrap_or_default();
    let suffix = note
        .suffix
        .as_deref()
        .map(crate::plain::collapse_whitespace)
        .unwrap_or_default();
    let matches: Vec<usize> = text
        .text
        .match_indices(&quote)
        .map(|(i, _)| i)
        .filter(|&i| text.text[..i].trim_end().ends_with(prefix.trim()))
        .filter(|&i| {
            text.text[i + quote.len()..]
                .trim_start()
                .starts_with(suffix.trim())
        })
        .collect();
    match matches.as_slice() {
        [one] => Ok(text.original(*one..*one + quote.len())),
        [] => {
            let mut d = error(format!(
                "passage note quote \"{}\" does not match the release text",
                note.quote.trim()
            ));
            if let Some(close) = closest(&text.text, &quote) {
                d = d.with_help(format!("did you mean \"{close}\"? (the closest passage)"));
            }
            Err(d)
        }
        many => Err(error(format!(
            "passage note quote \"{}\" matches the release text {} times",
            note.quote.trim(),
            many.len()
        ))
        .with_help("add a `prefix` or `suffix` (the words just before or after) to pick one")),
    }
}

/// The passage that shares the longest beginning or end with `quote`: a
/// hint for the common mistakes (a changed word, a dropped comma).
fn closest(text: &str, quote: &str) -> Option<String> {
    let chars: Vec<(usize, char)> = quote.char_indices().collect();
    for keep in (4..chars.len()).rev() {
        let head = &quote[..chars[keep].0];
        if let Some(at) = text.find(head) {
            return Some(excerpt(text, at, quote.len()));
        }
        let cut = chars[chars.len() - keep].0;
        if let Some(at) = text.find(&quote[cut..]) {
            // Go back as many words as the quote has before the shared end.
            let words_before = quote[..cut].split_whitespace().count();
            let mut start = at;
            for _ in 0..words_before {
                start = text[..start.saturating_sub(1)]
                    .rfind(' ')
                    .map_or(0, |i| i + 1);
            }
            return Some(excerpt(text, start, at + quote.len() - cut - start));
        }
    }
    None
}

/// About `len` bytes of `text` from `start`, widened to whole words so the
/// hint is never cut mid-word, without trailing punctuation.
fn excerpt(text: &str, start: usize, len: usize) -> String {
    let start = (0..=start.min(text.len()))
        .rev()
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(0);
    let start = text[..start].rfind(' ').map_or(0, |i| i + 1);
    let end = (start + len).min(text.len());
    let end = (end..=text.len())
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(text.len());
    let end = text[end..].find(' ').map_or(text.len(), |i| end + i);
    text[start..end]
        .trim()
        .trim_end_matches([',', '.', ';', ':'])
        .to_string()
}

/// The body with every whitespace run turned into one space, and the map
/// from each byte of it back to the original.
struct Normalised {
    text: String,
    /// `origin[i]` is the original offset of normalised byte `i`; one extra
    /// entry for the end.
    origin: Vec<usize>,
}

impl Normalised {
    fn new(body: &str) -> Normalised {
        let mut text = String::with_capacity(body.len());
        let mut origin = Vec::with_capacity(body.len() + 1);
        let mut in_space = false;
        for (i, c) in body.char_indices() {
            if c.is_whitespace() {
                if !in_space {
                    text.push(' ');
                    origin.push(i);
                }
                in_space = true;
            } else {
                let start = text.len();
                text.push(c);
                origin.extend(std::iter::repeat_n(i, text.len() - start));
                in_space = false;
            }
        }
        origin.push(body.len());
        Normalised { text, origin }
    }

    /// The original byte range of a normalised range.
    fn original(&self, range: Range<usize>) -> Range<usize> {
        let start = self.origin[range.start];
        // End: just past the last character of the match.
        let last = self.origin[range.end - 1];
        let end = last + self.char_len_at(range.end - 1);
        start..end
    }

    fn char_len_at(&self, i: usize) -> usize {
        let start = (0..=i)
            .rev()
            .find(|&j| self.text.is_char_boundary(j))
            .unwrap_or(0);
        self.text[start..].chars().next().map_or(1, char::len_utf8)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn note(quote: &str, prefix: Option<&str>, suffix: Option<&str>) -> RawNote {
        RawNote {
            quote: quote.into(),
            prefix: prefix.map(Into::into),
            suffix: suffix.map(Into::into),
            note: "n".into(),
            line: 7,
            quote_line: 7,
            quote_col: 0,
        }
    }

    const BODY: &str = "The seizure of £2,191,200 in cash and £52kg of Class A drugs.\n\nMore cash was found. More  cash\nwas found later.";

    #[test]
    fn one_match_anchors_to_the_original_bytes() {
        let found = notes(&[note("£52kg", None, None)], BODY, Path::new("x.md")).unwrap();
        assert_eq!(&BODY[found[0].range.clone()], "£52kg");
    }

    #[test]
    fn whitespace_differences_are_ignored() {
        let found = notes(
            &[note("More cash was found later", None, None)],
            BODY,
            Path::new("x.md"),
        )
        .unwrap();
        assert_eq!(&BODY[found[0].range.clone()], "More  cash\nwas found later");
    }

    #[test]
    fn no_match_is_an_error_on_the_note_line_with_a_suggestion() {
        let errors = notes(
            &[note("£52 kg of Class A", None, None)],
            BODY,
            Path::new("x.md"),
        )
        .unwrap_err();
        assert_eq!(errors[0].line, 7);
        assert_eq!(
            errors[0].to_string(),
            "x.md:7: error: passage note quote \"£52 kg of Class A\" does not match the release text\n  help: did you mean \"£52kg of Class A\"? (the closest passage)"
        );
    }

    #[test]
    fn several_matches_need_a_prefix_or_suffix() {
        let errors = notes(&[note("More cash", None, None)], BODY, Path::new("x.md")).unwrap_err();
        assert!(
            errors[0]
                .message
                .ends_with("matches the release text 2 times"),
            "{}",
            errors[0].message
        );
        let found = notes(
            &[note("More cash", None, Some("was found later"))],
            BODY,
            Path::new("x.md"),
        )
        .unwrap();
        assert_eq!(&BODY[found[0].range.clone()], "More  cash");
        let found = notes(
            &[note("More cash", Some("drugs."), None)],
            BODY,
            Path::new("x.md"),
        )
        .unwrap();
        assert_eq!(found[0].range.start, BODY.find("More cash was").unwrap());
    }

    #[test]
    fn release_links_carry_their_lines() {
        let md = "See [one](release:a1).\n\nAnd [two](release:zz).";
        let links = release_links(md, 10, false);
        assert_eq!(
            links,
            vec![
                Spanned::new("a1".into(), 10).at_col(19),
                Spanned::new("zz".into(), 12).at_col(19)
            ]
        );
        assert_eq!(
            release_links(md, 4, true)[1].line,
            4,
            "inline: the item's line"
        );
        let error = unknown_link(Path::new("x.md"), &links[1], Some("zy"));
        assert_eq!((error.line, error.col, error.len), (12, 19, 2));
        assert!(error.message.contains("`zz`"));
        assert_eq!(error.help.as_deref(), Some("did you mean `zy`?"));
    }
}

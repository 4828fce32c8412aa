//! The structure a release's plain text has, and nothing more: paragraphs
//! at blank lines (runs of blank lines count as one) and lists from lines
//! starting `*` or `-`. The model takes a release's teaser from it and
//! render its HTML, so both read the text the same way.

/// One block of the body.
#[derive(Debug, PartialEq, Eq)]
pub enum Block<'a> {
    /// Lines of one paragraph; kept apart by `<br>` as the release had them.
    Paragraph(Vec<&'a str>),
    List(Vec<&'a str>),
}

fn list_item(line: &str) -> Option<&str> {
    let t = line.trim_start();
    let rest = t.strip_prefix('*').or_else(|| t.strip_prefix('-'))?;
    (rest.starts_with([' ', '\t']) && !rest.trim().is_empty()).then(|| rest.trim())
}

pub fn blocks(body: &str) -> Vec<Block<'_>> {
    let mut out: Vec<Block> = Vec::new();
    let mut after_blank = true;
    for line in body.lines().map(str::trim_end) {
        if line.trim().is_empty() {
            after_blank = true;
            continue;
        }
        match (list_item(line), out.last_mut()) {
            // List items continue a list even across blank lines.
            (Some(item), Some(Block::List(items))) => items.push(item),
            (Some(item), _) => out.push(Block::List(vec![item])),
            (None, Some(Block::Paragraph(lines))) if !after_blank => lines.push(line.trim_start()),
            (None, _) => out.push(Block::Paragraph(vec![line.trim_start()])),
        }
        after_blank = false;
    }
    out
}

/// First paragraph as plain text, cut at a word near `max` characters: the
/// feed summary and the listing teaser.
pub fn summary(body: &str, max: usize) -> String {
    let first = blocks(body).into_iter().next();
    let text = match first {
        Some(Block::Paragraph(lines)) | Some(Block::List(lines)) => lines.join(" "),
        None => String::new(),
    };
    if text.chars().count() <= max {
        return text;
    }
    let cut: String = text.chars().take(max).collect();
    let cut = cut
        .rsplit_once(' ')
        .map_or(cut.as_str(), |(head, _)| head)
        .trim_end_matches([',', ';', ':', '.']);
    format!("{cut}…")
}

/// Trims and turns every run of whitespace into one space.
pub fn collapse_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Byte offset of `part`, a slice of `whole`.
pub fn offset_in(whole: &str, part: &str) -> usize {
    (part.as_ptr() as usize)
        .saturating_sub(whole.as_ptr() as usize)
        .min(whole.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whitespace_runs_collapse_to_one_space() {
        assert_eq!(collapse_whitespace("  a \t b\n\nc "), "a b c");
    }

    #[test]
    fn offsets_are_of_slices_within_the_whole() {
        let whole = "header\n\nbody";
        assert_eq!(offset_in(whole, &whole[8..]), 8);
    }

    #[test]
    fn summary_cuts_at_a_word() {
        assert_eq!(summary("Short one.\n\nTwo.", 50), "Short one.");
        assert_eq!(summary("one two three four", 10), "one two…");
    }
}

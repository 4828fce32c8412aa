//! Escaping for the XML blotter writes (Atom feeds, sitemaps). The
//! documents are built as plain strings, as the JSON Feed is: a few
//! elements per item, written for every release, where a DOM or a
//! template would cost more than the text itself.

/// Appends `text` to `out` as XML character data or a double-quoted
/// attribute value. Characters XML 1.0 forbids even as references (most
/// C0 controls, U+FFFE, U+FFFF), which scraped text can hold, are left out
/// so the document stays well-formed.
pub fn push_escaped(out: &mut String, text: &str) {
    let bytes = text.as_bytes();
    let mut start = 0;
    let mut i = 0;
    // Every character to change starts with an ASCII byte or 0xEF (the
    // first byte of U+FFFE and U+FFFF), so bytes are scanned, not chars.
    while i < bytes.len() {
        let (replacement, len) = match bytes[i] {
            b'&' => ("&amp;", 1),
            b'<' => ("&lt;", 1),
            b'>' => ("&gt;", 1),
            b'"' => ("&quot;", 1),
            b'\t' | b'\n' | b'\r' => {
                i += 1;
                continue;
            }
            b if b < 0x20 => ("", 1),
            0xEF if matches!(bytes.get(i + 1..i + 3), Some([0xBF, 0xBE | 0xBF])) => ("", 3),
            _ => {
                i += 1;
                continue;
            }
        };
        out.push_str(&text[start..i]);
        out.push_str(replacement);
        i += len;
        start = i;
    }
    out.push_str(&text[start..]);
}

/// Appends `<name>text</name>` (escaped) and a newline.
pub fn push_element(out: &mut String, name: &str, text: &str) {
    out.push('<');
    out.push_str(name);
    out.push('>');
    push_escaped(out, text);
    out.push_str("</");
    out.push_str(name);
    out.push_str(">\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn escaped(text: &str) -> String {
        let mut out = String::new();
        push_escaped(&mut out, text);
        out
    }

    #[test]
    fn markup_is_escaped_and_forbidden_characters_are_dropped() {
        assert_eq!(
            escaped("a < b & \"c\" > d"),
            "a &lt; b &amp; &quot;c&quot; &gt; d"
        );
        assert_eq!(
            escaped("bell\u{7}\u{0}\u{FFFF} tab\t\r\n"),
            "bell tab\t\r\n"
        );
        assert_eq!(escaped("£7m — “quoted”"), "£7m — “quoted”");
        // U+FF01 and U+FFFD share the first bytes of the two it drops.
        assert_eq!(escaped("！\u{FFFE}�\u{FFFF}&"), "！�&amp;");
    }

    #[test]
    fn an_element_wraps_its_escaped_text() {
        let mut out = String::new();
        push_element(&mut out, "title", "Fish & chips");
        assert_eq!(out, "<title>Fish &amp; chips</title>\n");
    }
}

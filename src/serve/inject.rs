//! What the preview adds to the HTML it serves (never to the built
//! files): the reload script, the error overlay while the content has
//! errors, and a Content-Security-Policy that lets both through.
//!
//! A policy given in a `<meta>` tag cannot be loosened by an HTTP header
//! (the browser enforces both), so the served copy of the page has its
//! meta policy rewritten: `script-src` and `connect-src` (or the
//! `default-src` they fall back to) also allow `'self'`, which is where
//! the script and its event stream come from. Every other directive is
//! kept, so the preview enforces the site's policy for everything else.

use std::borrow::Cow;

use crate::diagnostics::Diagnostic;

/// Reloads the page when the server says a build finished. The build the
/// page was served from travels in the script's own URL, so a page served
/// just before a build finished reloads as soon as it connects.
pub(super) const RELOAD_JS: &str = r#"// blotter serve: reloads this page after each rebuild (not part of the built site).
(function () {
  "use strict";
  var script = document.currentScript;
  var build = script ? new URL(script.src).searchParams.get("build") : null;
  var url = "/__blotter/events" + (build === null ? "" : "?since=" + encodeURIComponent(build));
  var source = new EventSource(url);
  source.addEventListener("reload", function () {
    source.close();
    window.location.reload();
  });
})();
"#;

pub(super) const OVERLAY_CSS: &str = r#"/* blotter serve: the build-error overlay (not part of the built site). */
#blotter-build-errors {
  position: fixed; inset: 0; z-index: 2147483647; overflow: auto;
  margin: 0; padding: 2rem; box-sizing: border-box;
  background: rgba(20, 20, 20, 0.94); color: #f4f4f4;
  font: 15px/1.5 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
}
#blotter-build-errors h1 { color: #ff8080; font-size: 1.3rem; margin: 0 0 0.5rem; }
#blotter-build-errors p { margin: 0 0 1rem; color: #cfcfcf; }
#blotter-build-errors ol { padding-left: 1.5rem; }
#blotter-build-errors li { margin: 0 0 0.8rem; white-space: pre-wrap; }
#blotter-build-errors .where { color: #9fd0ff; }
#blotter-build-errors .help { color: #b8e0a8; }
"#;

/// At most this many errors are listed; the terminal has them all.
const LISTED: usize = 100;

/// The overlay listing a failed build's errors (file, line, message).
pub(super) fn error_overlay(errors: &[Diagnostic]) -> String {
    let mut items = String::new();
    for error in errors.iter().take(LISTED) {
        let mut place = error.path.display().to_string();
        if error.line > 0 {
            place.push_str(&format!(":{}", error.line));
            if error.col > 0 {
                place.push_str(&format!(":{}", error.col));
            }
        }
        items.push_str(&format!(
            "<li><span class=\"where\">{}</span>: {}",
            escape(&place),
            escape(&error.message)
        ));
        if let Some(help) = &error.help {
            items.push_str(&format!(
                "\n<span class=\"help\">help: {}</span>",
                escape(help)
            ));
        }
        items.push_str("</li>\n");
    }
    if errors.len() > LISTED {
        items.push_str(&format!(
            "<li>and {} more (the terminal lists them all)</li>\n",
            errors.len() - LISTED
        ));
    }
    let count = errors.len();
    overlay(
        &format!("{count} error{}", if count == 1 { "" } else { "s" }),
        &items,
    )
}

/// The overlay for settings or a theme that could not be loaded.
pub(super) fn error_overlay_for_message(message: &str) -> String {
    overlay(
        "a settings error",
        &format!("<li>{}</li>\n", escape(message)),
    )
}

fn overlay(what: &str, items: &str) -> String {
    format!(
        "<section id=\"blotter-build-errors\" role=\"alert\">\n\
         <h1>blotter: the content has {what}</h1>\n\
         <p>This page is from the last build that succeeded. It reloads when the errors are fixed.</p>\n\
         <ol>\n{items}</ol>\n</section>\n"
    )
}

/// A page of its own for the overlay, when no site was ever built.
pub(super) fn error_page(overlay: &str, generation: u64) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>blotter: build errors</title>\n{}</head>\n<body>\n{overlay}</body>\n</html>\n",
        head_tags(generation, true)
    )
}

/// The page as served: its policy allowing the preview's script, the
/// script added to its head, and the overlay (when given) to its body.
pub(super) fn into_page(html: &str, generation: u64, errors: Option<&str>) -> String {
    let html = allow_preview_scripts(html);
    let lower = html.to_ascii_lowercase();
    let tags = head_tags(generation, errors.is_some());
    let mut out = String::with_capacity(html.len() + tags.len() + errors.map_or(0, str::len));
    let head_end = lower.find("</head");
    let body_start = lower
        .find("<body")
        .and_then(|i| lower[i..].find('>').map(|j| i + j + 1));
    match head_end {
        Some(at) => {
            out.push_str(&html[..at]);
            out.push_str(&tags);
            match (errors, body_start) {
                (Some(overlay), Some(body)) if body > at => {
                    out.push_str(&html[at..body]);
                    out.push_str(overlay);
                    out.push_str(&html[body..]);
                }
                (Some(overlay), _) => {
                    out.push_str(&html[at..]);
                    out.push_str(overlay);
                }
                (None, _) => out.push_str(&html[at..]),
            }
        }
        None => {
            out.push_str(&tags);
            out.push_str(errors.unwrap_or(""));
            out.push_str(&html);
        }
    }
    out
}

fn head_tags(generation: u64, errors: bool) -> String {
    let mut tags = String::new();
    if errors {
        tags.push_str("<link rel=\"stylesheet\" href=\"/__blotter/overlay.css\">\n");
    }
    tags.push_str(&format!(
        "<script src=\"/__blotter/reload.js?build={generation}\" defer></script>\n"
    ));
    tags
}

/// Rewrites each Content-Security-Policy `<meta>` so scripts and
/// connections from the page's own origin are allowed. A policy tag that
/// cannot be read is dropped from the served copy.
fn allow_preview_scripts(html: &str) -> Cow<'_, str> {
    let lower = html.to_ascii_lowercase();
    let head = lower.find("</head").unwrap_or(lower.len());
    let mut out = String::new();
    let mut copied = 0;
    let mut from = 0;
    while let Some(offset) = lower[from..head].find("<meta") {
        let start = from + offset;
        let Some(length) = lower[start..].find('>') else {
            break;
        };
        let end = start + length + 1;
        from = end;
        if !lower[start..end].contains("content-security-policy") {
            continue;
        }
        out.push_str(&html[copied..start]);
        out.push_str(&rewrite_policy_tag(&html[start..end], &lower[start..end]));
        copied = end;
    }
    if copied == 0 {
        return Cow::Borrowed(html);
    }
    out.push_str(&html[copied..]);
    Cow::Owned(out)
}

fn rewrite_policy_tag(tag: &str, lower: &str) -> String {
    let Some(at) = lower.find("content=\"") else {
        return String::new();
    };
    let value_start = at + "content=\"".len();
    let Some(length) = tag[value_start..].find('"') else {
        return String::new();
    };
    let value_end = value_start + length;
    format!(
        "{}{}{}",
        &tag[..value_start],
        allow_self(&tag[value_start..value_end]),
        &tag[value_end..]
    )
}

/// The policy with `'self'` allowed for scripts and connections.
pub(super) fn allow_self(policy: &str) -> String {
    let mut directives: Vec<Vec<String>> = policy
        .split(';')
        .map(|d| d.split_whitespace().map(str::to_string).collect::<Vec<_>>())
        .filter(|d| !d.is_empty())
        .collect();
    let named = |directives: &Vec<Vec<String>>, name: &str| {
        directives
            .iter()
            .position(|d| d[0].eq_ignore_ascii_case(name))
    };
    let default_allows_self = match named(&directives, "default-src") {
        Some(i) => directives[i][1..].iter().any(|s| s == "'self'"),
        None => true,
    };
    for name in ["script-src", "script-src-elem", "connect-src"] {
        match named(&directives, name) {
            Some(i) => {
                let directive = &mut directives[i];
                directive.retain(|s| s != "'none'");
                if !directive[1..].iter().any(|s| s == "'self'") {
                    directive.push("'self'".into());
                }
            }
            None if name != "script-src-elem" && !default_allows_self => {
                directives.push(vec![name.into(), "'self'".into()]);
            }
            None => {}
        }
    }
    directives
        .iter()
        .map(|d| d.join(" "))
        .collect::<Vec<_>>()
        .join("; ")
}

fn escape(text: &str) -> Cow<'_, str> {
    html_escape::encode_text(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    const PAGE: &str = "<!doctype html><html><head><meta charset=\"utf-8\">\
        <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'self'; script-src 'none'; object-src 'none'\">\
        <title>t</title></head><body class=\"x\"><p>text</p></body></html>";

    #[test]
    fn the_served_policy_allows_same_origin_scripts_and_keeps_the_rest() {
        assert_eq!(
            allow_self("default-src 'self'; script-src 'none'; object-src 'none'"),
            "default-src 'self'; script-src 'self'; object-src 'none'"
        );
        assert_eq!(
            allow_self("default-src 'none'; style-src 'self'"),
            "default-src 'none'; style-src 'self'; script-src 'self'; connect-src 'self'"
        );
        assert_eq!(
            allow_self("default-src 'self'; script-src 'self' 'sha256-abc'"),
            "default-src 'self'; script-src 'self' 'sha256-abc'"
        );
    }

    #[test]
    fn a_served_page_gets_the_script_and_a_policy_that_lets_it_run() {
        let served = into_page(PAGE, 7, None);
        assert!(served
            .contains("<script src=\"/__blotter/reload.js?build=7\" defer></script>\n</head>"));
        assert!(served.contains("script-src 'self'"), "{served}");
        assert!(!served.contains("script-src 'none'"));
        assert!(served.contains("object-src 'none'"));
        assert!(!served.contains("blotter-build-errors"));
    }

    #[test]
    fn the_overlay_goes_at_the_top_of_the_body_with_its_stylesheet() {
        let errors = [Diagnostic::error(
            Path::new("content/releases/a.md"),
            3,
            "unknown key `tgas` <b>",
        )];
        let overlay = error_overlay(&errors);
        let served = into_page(PAGE, 1, Some(&overlay));
        assert!(served.contains("href=\"/__blotter/overlay.css\""));
        let body = served.find("<body class=\"x\">").unwrap();
        assert!(served[body..].starts_with(&format!("<body class=\"x\">{overlay}<p>text</p>")));
        assert!(overlay.contains("content/releases/a.md:3</span>: unknown key `tgas` &lt;b&gt;"));
    }
}

//! The plain-text body renderer: never a panic, and every `<` it emits
//! opens one of its own tags.
#![no_main]

use libfuzzer_sys::fuzz_target;

const TAGS: [&str; 9] = [
    "<p>",
    "</p>",
    "<br>",
    "<ul>",
    "</ul>",
    "<li>",
    "</li>",
    "</a>",
    "<a href=\"http",
];

fuzz_target!(|text: &str| {
    let html = blotter::render::body::to_html(text);
    for (i, _) in html.match_indices('<') {
        let rest = &html[i..];
        assert!(
            TAGS.iter().any(|t| rest
                .as_bytes()
                .get(..t.len())
                .is_some_and(|b| b.eq_ignore_ascii_case(t.as_bytes()))),
            "stray `<` at {i}"
        );
    }
    let _ = blotter::render::body::summary(text, 200);
});
